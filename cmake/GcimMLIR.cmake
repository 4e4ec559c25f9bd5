# Finds Debian's MLIR 22 and defines gcim_mlir_capi, the one interface target through which
# everything links the MLIR C API: the static C API archives (dependents first, MLIRCAPIIR
# last) plus the shared libMLIR and libLLVM. The static C++ targets of MLIRConfig are not
# linked, so each process has exactly one MLIR. Binaries must link with the C++ driver.
find_package(MLIR 22.1 REQUIRED CONFIG)
list(APPEND CMAKE_MODULE_PATH "${MLIR_CMAKE_DIR}" "${LLVM_CMAKE_DIR}")
include(AddLLVM)

set(GCIM_MLIR_CAPI_ARCHIVES MLIRCAPIIRDL MLIRCAPIFunc MLIRCAPIArith MLIRCAPITensor
                            MLIRCAPITransforms MLIRCAPIIR)
add_library(gcim_mlir_capi INTERFACE)
foreach(archive IN LISTS GCIM_MLIR_CAPI_ARCHIVES)
  set(path "${LLVM_LIBRARY_DIR}/lib${archive}.a")
  if(NOT EXISTS "${path}")
    message(FATAL_ERROR "MLIR C API archive not found: ${path} (install libmlir-22-dev)")
  endif()
  target_link_libraries(gcim_mlir_capi INTERFACE "${path}")
endforeach()
target_link_libraries(gcim_mlir_capi INTERFACE "${LLVM_LIBRARY_DIR}/libMLIR.so"
                                               "${LLVM_LIBRARY_DIR}/libLLVM.so")
target_include_directories(gcim_mlir_capi SYSTEM INTERFACE ${MLIR_INCLUDE_DIRS}
                                                           ${LLVM_INCLUDE_DIRS})

set(GCIM_LLVM_TOOLS_DIR "${LLVM_TOOLS_BINARY_DIR}")

# Links an executable against the MLIR C API with the C++ driver; installed, it keeps the
# run path to Debian's libMLIR/libLLVM (/usr/lib/llvm-22/lib is not searched by default).
function(gcim_add_mlir_executable name)
  add_executable(${name} ${ARGN})
  set_target_properties(${name} PROPERTIES LINKER_LANGUAGE CXX INSTALL_RPATH_USE_LINK_PATH ON)
endfunction()
