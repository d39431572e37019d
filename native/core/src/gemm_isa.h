// Internal: per-ISA microkernels the GEMM drivers dispatch to.
#pragma once
#include <cstddef>
#include <cstdint>

namespace lutmpc {
namespace detail {

/** Packed-panel microkernel: C[mr_eff×nr_eff] (+)= Ap (kc×MR, k-major) · Bp (kc×NR, k-major). */
template <typename T>
struct MicroKernel {
  int mr;
  int nr;
  void (*run)(std::size_t kc, const T* ap, const T* bp, T* c, std::size_t ldc, bool accumulate, std::size_t mr_eff,
              std::size_t nr_eff);
};

/**
 * ±1 tile: s[r][j] = Σ_{t < 64·words} x[r·ldx + t] · bit_t(cols[j]) for r < 4, j < 4.
 * x rows are zero-padded to 64·words entries.
 */
template <typename T>
using Pm1Tile = void (*)(const T* x, std::size_t ldx, const std::uint64_t* const cols[4], std::size_t words, T s[4][4]);

MicroKernel<std::uint32_t> micro_u32_scalar();
MicroKernel<std::uint64_t> micro_u64_scalar();
Pm1Tile<std::uint32_t> pm1_u32_scalar();
Pm1Tile<std::uint64_t> pm1_u64_scalar();
#if defined(__x86_64__) || defined(__i386__)
MicroKernel<std::uint32_t> micro_u32_avx2();
MicroKernel<std::uint64_t> micro_u64_avx2();
MicroKernel<std::uint32_t> micro_u32_avx512();
MicroKernel<std::uint64_t> micro_u64_avx512();
Pm1Tile<std::uint32_t> pm1_u32_avx2();
Pm1Tile<std::uint64_t> pm1_u64_avx2();
Pm1Tile<std::uint32_t> pm1_u32_avx512();
Pm1Tile<std::uint64_t> pm1_u64_avx512();
#endif

}  // namespace detail
}  // namespace lutmpc
