# algohost_add_strategy(<target> <sources>... [MANIFEST <manifest.json>] [OUTPUT_DIRECTORY <dir>])
#
# Builds a strategy plugin: a MODULE library linked to algohost::sdk, with hidden visibility so
# the only exported symbol is the entry point, and (when MANIFEST is given) the manifest copied
# next to the library in OUTPUT_DIRECTORY (default: the current binary directory). The manifest's
# implementation.library must name the file this produces: lib<target>.so.
function(algohost_add_strategy target)
  cmake_parse_arguments(ARG "" "MANIFEST;OUTPUT_DIRECTORY" "" ${ARGN})
  if(NOT ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "algohost_add_strategy(${target}): no source files given")
  endif()
  if(NOT ARG_OUTPUT_DIRECTORY)
    set(ARG_OUTPUT_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
  endif()
  add_library(${target} MODULE ${ARG_UNPARSED_ARGUMENTS})
  target_link_libraries(${target} PRIVATE algohost::sdk)
  # GCC marks some inline statics (e.g. from <charconv>) STB_GNU_UNIQUE, which makes glibc refuse
  # to ever unload the library; without them a plugin can be unmapped once nothing uses it.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-fno-gnu-unique>)
  endif()
  set_target_properties(${target} PROPERTIES
    PREFIX "lib"
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}")
  if(ARG_MANIFEST)
    get_filename_component(_manifest "${ARG_MANIFEST}" ABSOLUTE)
    configure_file("${_manifest}" "${ARG_OUTPUT_DIRECTORY}/manifest.json" COPYONLY)
  endif()
endfunction()

# algohost_add_enhancer(<target> <sources>... [MANIFEST <manifest.json>] [OUTPUT_DIRECTORY <dir>])
#
# The same for an enhancer plugin (algohost/enhancer.hpp, manifest "kind": "enhancer").
function(algohost_add_enhancer target)
  algohost_add_strategy(${target} ${ARGN})
endfunction()
