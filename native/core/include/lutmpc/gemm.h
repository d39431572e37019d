// Matrix products over Z_2^32 and Z_2^64 (exact wrap-around), row-major.
// Blocked and packed, SIMD by runtime dispatch (see cpu.h), threaded over
// the pool (threads.h). Outputs may overlap inputs (a temporary is used).
#pragma once
#include <cstddef>
#include <cstdint>

namespace lutmpc {

/** C (m×n) = A (m×k) · B (k×n) mod 2^32. */
void gemm_u32(const std::uint32_t* a, const std::uint32_t* b, std::uint32_t* c, std::size_t m, std::size_t k, std::size_t n);
/** C (m×n) = A (m×k) · B (k×n) mod 2^64. */
void gemm_u64(const std::uint64_t* a, const std::uint64_t* b, std::uint64_t* c, std::size_t m, std::size_t k, std::size_t n);

/**
 * ±1 GEMM: C (m×n) = X (m×k) · (1 − 2B) mod 2^l, B a k×n bit matrix stored
 * transposed and packed: row j of bPacked (words = ⌈k/64⌉ u64) holds column
 * j of B, bit t of word w = B[64w + t][j]. Padding bits beyond k are ignored.
 * Computed as C[i][j] = rowsum(X_i) − 2·Σ_{t: B[t][j]=1} X[i][t].
 */
void gemm_pm1_u32(const std::uint32_t* x, const std::uint64_t* bPacked, std::uint32_t* c, std::size_t m, std::size_t k, std::size_t n);
void gemm_pm1_u64(const std::uint64_t* x, const std::uint64_t* bPacked, std::uint64_t* c, std::size_t m, std::size_t k, std::size_t n);

/**
 * Row-batched products: C[i] (1×n) = A[i] (1×k) · B_i (k×n) for i < m, with a
 * different matrix B_i per row, stored back to back (b: m·k·n). For
 * dealer-provided per-row matrices (attention's diag(ρ_s)·ρ_V cross term);
 * memory-bound, threaded over rows. c must not overlap a or b.
 */
void row_gemm_u32(const std::uint32_t* a, const std::uint32_t* b, std::uint32_t* c, std::size_t m, std::size_t k, std::size_t n);
void row_gemm_u64(const std::uint64_t* a, const std::uint64_t* b, std::uint64_t* c, std::size_t m, std::size_t k, std::size_t n);
/** Plain triple loops, for tests and as the definition of the result. */
void gemm_ref_u32(const std::uint32_t* a, const std::uint32_t* b, std::uint32_t* c, std::size_t m, std::size_t k, std::size_t n);
void gemm_ref_u64(const std::uint64_t* a, const std::uint64_t* b, std::uint64_t* c, std::size_t m, std::size_t k, std::size_t n);

}  // namespace lutmpc
