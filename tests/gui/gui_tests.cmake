# GUI tests (label gui): they drive the real ebsd-studio window (app/studio's ebsd_studio
# library) and check real pixels, so they need an X server:
#   xvfb-run -a -s '-screen 0 1600x1200x24 -noreset' ctest --test-dir build -L gui
# Included by app/studio/CMakeLists.txt into the top-level directory once that has been read
# (testing is enabled there only after app/ is added), when the GUI is built. Discovery happens at test
# time (PRE_TEST) because the executable cannot even list its tests without a display at build
# time; gui_test_main.cpp answers --gtest_list_tests before creating the QApplication.
find_package(GTest REQUIRED)
include(GoogleTest)

get_filename_component(_shared "${PROJECT_SOURCE_DIR}/../shared" ABSOLUTE)
file(GLOB _src CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/*.cpp")
add_executable(test_gui ${_src})
set_target_properties(test_gui PROPERTIES AUTOMOC ON RUNTIME_OUTPUT_DIRECTORY "${PROJECT_BINARY_DIR}/tests/gui")
target_link_libraries(test_gui PRIVATE ebsd_studio Qt6::Test GTest::gtest ebsd_warnings)
target_compile_definitions(test_gui PRIVATE
  EBSD_SHARED_DIR="${_shared}"
  EBSD_STUDIO_EXE="$<TARGET_FILE:ebsd-studio>"
  EBSD_CLI_EXE="$<TARGET_FILE:ebsd>")
vtk_module_autoinit(TARGETS test_gui MODULES ${VTK_LIBRARIES})
add_dependencies(test_gui ebsd-studio)
# The GPU-step tests run `ebsd` (and, when it is built, its GPU module) in a child process.
if(TARGET ebsd)
  add_dependencies(test_gui ebsd)
endif()
if(TARGET ebsd_gpu_module)
  add_dependencies(test_gui ebsd_gpu_module)
endif()
gtest_discover_tests(test_gui DISCOVERY_MODE PRE_TEST PROPERTIES LABELS gui TIMEOUT 300)

# The viewer benchmark (built in app/studio): a plain executable printing a table, label bench,
# never in CI. Like the GUI tests it needs a display (xvfb-run around ctest).
add_test(NAME bench_studio COMMAND bench_studio)
set_tests_properties(bench_studio PROPERTIES LABELS bench TIMEOUT 1800)
