# ebsd_add_plugin(<name> <source>...)
#
# Builds the EBSD Studio plugin <name>.so from the sources: a MODULE library (loaded with
# dlopen, never linked against) that sees the SDK headers, exports only its two entry points
# (hidden visibility; EBSD_PLUGIN_EXPORT marks them) and is compiled as C++20 when it has C++
# sources. On Linux it links with --no-undefined: a plugin may call the host only through the
# function table it receives, so a reference to any host symbol is an error at build time
# instead of a failed dlopen at run time.
#
# Install it where EBSD Studio looks (docs/plugins.md), e.g.
#   install(TARGETS <name> LIBRARY DESTINATION share/ebsd-studio/plugins)
# or copy <name>.so into ~/.local/share/ebsd-studio/plugins.
function(ebsd_add_plugin name)
  if(NOT ARGN)
    message(FATAL_ERROR "ebsd_add_plugin(${name}): no source files given")
  endif()
  add_library(${name} MODULE ${ARGN})
  target_link_libraries(${name} PRIVATE EbsdSdk::sdk)
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    SUFFIX ".so"
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  get_property(_languages GLOBAL PROPERTY ENABLED_LANGUAGES)
  if("CXX" IN_LIST _languages)
    target_compile_features(${name} PRIVATE cxx_std_20)
  endif()
  if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    target_link_options(${name} PRIVATE "LINKER:--no-undefined")
  endif()
endfunction()
