// Internal entry points of the two GEMM engines (device pointers, queued on a
// stream). gemm.cu picks one per call; the test runs both against the CPU.
#pragma once

#include "common.cuh"

namespace lutmpc_cuda {

/**
 * Tensor-core path, mod 2^32 only: every 32-bit operand is split into four
 * 8-bit limbs and the limb products run as u8 x u8 -> s32 IMMA (mma.sync
 * m16n8k32). pm1 = false: C = A*B (B is k x n u32). pm1 = true: C = X*(1-2B)
 * with B given as packed transposed bits (ceil(k/64) words per column).
 */
int imma_gemm_u32(bool pm1, const uint32_t* a, const void* b, uint32_t* c, size_t m, size_t k, size_t n,
                  cudaStream_t st);

/** Register-tiled integer kernels, any of u32 / u64 (64-bit multiply wraps natively). */
int simt_gemm_u32(const uint32_t* a, const uint32_t* b, uint32_t* c, size_t m, size_t k, size_t n, cudaStream_t st);
int simt_gemm_u64(const uint64_t* a, const uint64_t* b, uint64_t* c, size_t m, size_t k, size_t n, cudaStream_t st);
int simt_pm1_u32(const uint32_t* x, const uint64_t* bp, uint32_t* c, size_t m, size_t k, size_t n, cudaStream_t st);
int simt_pm1_u64(const uint64_t* x, const uint64_t* bp, uint64_t* c, size_t m, size_t k, size_t n, cudaStream_t st);

/** out[i] = sum_t x[i*k + t] mod 2^32 (the "X * 1" term of the ±1 product). */
int row_sums_u32(const uint32_t* x, uint32_t* out, size_t m, size_t k, cudaStream_t st);

}  // namespace lutmpc_cuda
