# native/cuda/cuda.cmake — the CUDA twins of the native core's hot kernels.
#
# Included (include(), not add_subdirectory) by the top-level CMakeLists.txt
# only when option LUTMPC_CUDA is ON and the CUDA language is enabled, so every
# path here is relative to this file. Defines:
#   lutmpc_cuda  static library (C API in lutmpc_cuda.h), position-independent
#                so it can go into the Node addon; CUDA runtime linked static,
#                so the only run-time need is the driver (libcuda), which the
#                library probes without crashing when it is absent.
#   test_cuda    ctest label "cuda": every kernel vs the scalar CPU reference;
#                exit 77 = no device = skipped.
#   bench_cuda   ctest label "cuda" (run with --quick there); GMAC/s, GB/s,
#                ratio to the CPU and to cuBLAS SGEMM when cuBLAS is found.
include_guard(GLOBAL)

if(CMAKE_VERSION VERSION_LESS 3.18)
  message(WARNING "lutmpc_cuda needs CMake >= 3.18 (CUDA_ARCHITECTURES); building CPU only")
  return()
endif()

find_package(CUDAToolkit REQUIRED)

set(LUTMPC_CUDA_ARCHITECTURES "80;90" CACHE STRING "CUDA architectures of lutmpc_cuda (IMMA needs >= 80)")
set(_lutmpc_cuda_dir "${CMAKE_CURRENT_LIST_DIR}")

add_library(lutmpc_cuda STATIC
  ${_lutmpc_cuda_dir}/api.cu
  ${_lutmpc_cuda_dir}/elementwise.cu
  ${_lutmpc_cuda_dir}/gather.cu
  ${_lutmpc_cuda_dir}/gemm.cu
  ${_lutmpc_cuda_dir}/gemm_imma.cu
  ${_lutmpc_cuda_dir}/gemm_simt.cu
  ${_lutmpc_cuda_dir}/prg.cu)
target_include_directories(lutmpc_cuda PUBLIC ${_lutmpc_cuda_dir})
set_target_properties(lutmpc_cuda PROPERTIES
  CUDA_ARCHITECTURES "${LUTMPC_CUDA_ARCHITECTURES}"
  CUDA_STANDARD 17
  CUDA_STANDARD_REQUIRED ON
  CUDA_RUNTIME_LIBRARY Static
  POSITION_INDEPENDENT_CODE ON)
target_compile_options(lutmpc_cuda PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall>)
# Consumers linked by the host C++ compiler (the addon) need the runtime explicitly.
target_link_libraries(lutmpc_cuda PUBLIC CUDA::cudart_static)

function(_lutmpc_cuda_exe name)
  add_executable(${name} ${_lutmpc_cuda_dir}/${name}.cu)
  set_target_properties(${name} PROPERTIES
    CUDA_ARCHITECTURES "${LUTMPC_CUDA_ARCHITECTURES}"
    CUDA_STANDARD 17
    CUDA_STANDARD_REQUIRED ON
    CUDA_RUNTIME_LIBRARY Static)
  target_compile_options(${name} PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall>)
  target_link_libraries(${name} PRIVATE lutmpc_cuda)
  if(TARGET lutmpc_core)
    # Also compare with / time against the CPU core when it is part of this build.
    target_link_libraries(${name} PRIVATE lutmpc_core)
    target_compile_definitions(${name} PRIVATE LUTMPC_CUDA_WITH_CORE=1)
  endif()
endfunction()

_lutmpc_cuda_exe(test_cuda)
_lutmpc_cuda_exe(bench_cuda)
if(TARGET CUDA::cublas)
  target_link_libraries(bench_cuda PRIVATE CUDA::cublas)
  target_compile_definitions(bench_cuda PRIVATE LUTMPC_CUDA_WITH_CUBLAS=1)
else()
  message(STATUS "lutmpc_cuda: cuBLAS not found; bench_cuda runs without the SGEMM comparison")
endif()

enable_testing()
add_test(NAME test_cuda COMMAND test_cuda)
add_test(NAME bench_cuda COMMAND bench_cuda --quick)
set_tests_properties(test_cuda bench_cuda PROPERTIES LABELS cuda SKIP_RETURN_CODE 77)
