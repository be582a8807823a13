# Tests of the plugin SDK, the plugin host and the bundled plugins; included from
# plugins/CMakeLists.txt when EBSD_BUILD_TESTS is on (tests/CMakeLists.txt is not involved).
#   test_unit_plugins         label unit: loader, C ABI, C++ layer, KAM and SEM plugins
#   test_integration_plugins  label integration: cmake --install, an out-of-tree build of
#                             plugins/template against the installed SDK, and loading it
find_package(GTest REQUIRED)
include(GoogleTest)
enable_testing()

set(_plugin_tests "${PROJECT_SOURCE_DIR}/tests/unit/plugins")
# Each fixture in a folder of its own, so a test can search exactly the fixtures it wants.
set(EBSD_PLUGIN_FIXTURE_DIR "${PROJECT_BINARY_DIR}/plugins/test-fixtures")
set(_fixture_targets "")
foreach(_fixture wrong_major no_register not_a_plugin register_fails bad_declaration duplicate_kam raw_throw
                 c_plugin cpp_plugin)
  file(GLOB _fixture_src "${_plugin_tests}/fixtures/${_fixture}.c" "${_plugin_tests}/fixtures/${_fixture}.cpp")
  ebsd_add_plugin(fixture_${_fixture} ${_fixture_src})
  set_target_properties(fixture_${_fixture} PROPERTIES
    OUTPUT_NAME ${_fixture}
    LIBRARY_OUTPUT_DIRECTORY "${EBSD_PLUGIN_FIXTURE_DIR}/${_fixture}"
    # The C fixtures prove ebsd_plugin.h is plain C99.
    C_STANDARD 99 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
  target_compile_options(fixture_${_fixture} PRIVATE -Wall -Wextra -Wpedantic)
  list(APPEND _fixture_targets fixture_${_fixture})
endforeach()

file(GLOB _src CONFIGURE_DEPENDS "${_plugin_tests}/*.cpp")
add_executable(test_unit_plugins ${_src})
target_link_libraries(test_unit_plugins PRIVATE ebsd_plugin_host ebsd_sdk ebsd_core ebsd_io GTest::gmock GTest::gtest
  GTest::gtest_main ebsd_warnings)
target_include_directories(test_unit_plugins PRIVATE "${PROJECT_SOURCE_DIR}/tests/support" "${_plugin_tests}")
target_compile_definitions(test_unit_plugins PRIVATE
  EBSD_PLUGIN_FIXTURE_DIR="${EBSD_PLUGIN_FIXTURE_DIR}"
  EBSD_BUNDLED_PLUGIN_DIR="${EBSD_BUNDLED_PLUGIN_DIR}")
add_dependencies(test_unit_plugins kam sem_images ${_fixture_targets})
gtest_discover_tests(test_unit_plugins DISCOVERY_MODE PRE_TEST PROPERTIES LABELS unit TIMEOUT 300)

add_executable(test_integration_plugins "${_plugin_tests}/integration/test_sdk_install.cpp")
target_link_libraries(test_integration_plugins PRIVATE ebsd_plugin_host ebsd_sdk ebsd_core ebsd_io GTest::gmock
  GTest::gtest GTest::gtest_main ebsd_warnings)
target_include_directories(test_integration_plugins PRIVATE "${PROJECT_SOURCE_DIR}/tests/support" "${_plugin_tests}")
target_compile_definitions(test_integration_plugins PRIVATE
  EBSD_PLUGIN_FIXTURE_DIR="${EBSD_PLUGIN_FIXTURE_DIR}"
  EBSD_BUNDLED_PLUGIN_DIR="${EBSD_BUNDLED_PLUGIN_DIR}"
  EBSD_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
  EBSD_BUILD_DIR="${PROJECT_BINARY_DIR}"
  EBSD_CMAKE_COMMAND="${CMAKE_COMMAND}"
  EBSD_CMAKE_GENERATOR="${CMAKE_GENERATOR}"
  EBSD_MAKE_PROGRAM="${CMAKE_MAKE_PROGRAM}"
  EBSD_CXX_COMPILER="${CMAKE_CXX_COMPILER}")
# `cmake --install --component ebsd_plugins` copies the built bundled plugins.
add_dependencies(test_integration_plugins kam sem_images)
gtest_discover_tests(test_integration_plugins DISCOVERY_MODE PRE_TEST PROPERTIES LABELS integration TIMEOUT 300)
