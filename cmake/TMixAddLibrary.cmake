# tmix_add_library(name SOURCES ... [DEPENDS ...] [LINK_LIBS ...])
#
# A static, position-independent tmix library that links MLIR and LLVM as
# the shared libMLIR.so / libLLVM.so. Each tool, the mlir-opt plugin and the
# C API then carry one copy of tmix while sharing MLIR's registries with
# whatever process loads them (stock mlir-opt in particular).
function(tmix_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPENDS;LINK_LIBS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  add_library(TMix::${name} ALIAS ${name})
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON
                                           EXPORT_NAME ${name})
  if(ARG_DEPENDS)
    add_dependencies(${name} ${ARG_DEPENDS})
  endif()
  target_link_libraries(${name} PUBLIC ${ARG_LINK_LIBS} MLIR LLVM)
  target_include_directories(${name} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/dialects>
    $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include>
    $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/dialects>
    $<INSTALL_INTERFACE:include>)
  llvm_update_compile_flags(${name})
  set_property(GLOBAL APPEND PROPERTY TMIX_EXPORTED_LIBS ${name})
endfunction()

# tmix_add_tool(name SOURCES ... LINK_LIBS ...)
function(tmix_add_tool name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LINK_LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LINK_LIBS})
  llvm_update_compile_flags(${name})
  install(TARGETS ${name} RUNTIME DESTINATION bin)
endfunction()
