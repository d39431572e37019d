// AVX2 microkernels: the shared 32-bit body compiled for 256-bit vectors
// (vpmulld), and a 64-bit body of its own: AVX2 has no 64-bit multiply.
#if defined(__x86_64__) || defined(__i386__)
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <immintrin.h>

#include "gemm_isa.h"

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma,bmi2"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma,bmi2")
#endif

namespace lutmpc {
namespace detail {
namespace {
#define LUTMPC_VB 32
#include "gemm_micro.inc"
#undef LUTMPC_VB
void m32(std::size_t kc, const std::uint32_t* ap, const std::uint32_t* bp, std::uint32_t* c, std::size_t ldc, bool acc,
         std::size_t mr, std::size_t nr) {
  micro_body<std::uint32_t, 6, 2>(kc, ap, bp, c, ldc, acc, mr, nr);
}
// 64-bit tile, MR64 rows × 2 ymm (8 columns). Modulo 2^64,
//   a·b = a_lo·b_lo + 2^32·(a_hi·b_lo + a_lo·b_hi),
// and only the low 32 bits of the cross sum matter. So each product costs one
// vpmuludq (a_lo·b_lo, exact 64-bit) into `lo` and one vpmulld of b against a
// with its halves swapped (lane pair: a_hi·b_lo, a_lo·b_hi, mod 2^32) into
// `x`; the halves of x are added and shifted once, at the end of the tile.
// The compiler's emulation of a plain 64-bit multiply takes three vpmuludq
// plus shifts and adds per product (1.37x slower on one Zen 3 core).
constexpr int kMr64 = 2, kNv64 = 2;

void m64(std::size_t kc, const std::uint64_t* ap, const std::uint64_t* bp, std::uint64_t* c, std::size_t ldc, bool acc,
         std::size_t mr, std::size_t nr) {
  constexpr int NR = kNv64 * 4;
  __m256i lo[kMr64][kNv64], x[kMr64][kNv64];
  for (int r = 0; r < kMr64; ++r)
    for (int v = 0; v < kNv64; ++v) lo[r][v] = x[r][v] = _mm256_setzero_si256();
  for (std::size_t p = 0; p < kc; ++p) {
    __m256i b[kNv64];
    for (int v = 0; v < kNv64; ++v) b[v] = _mm256_load_si256(reinterpret_cast<const __m256i*>(bp + p * NR) + v);
    const std::uint64_t* a = ap + p * kMr64;
#pragma GCC unroll 4
    for (int r = 0; r < kMr64; ++r) {
      const std::uint64_t ar = a[r];
      const __m256i av = _mm256_set1_epi64x(static_cast<long long>(ar));
      const __m256i sw = _mm256_set1_epi64x(static_cast<long long>((ar >> 32) | (ar << 32)));
#pragma GCC unroll 2
      for (int v = 0; v < kNv64; ++v) {
        lo[r][v] = _mm256_add_epi64(lo[r][v], _mm256_mul_epu32(av, b[v]));
        x[r][v] = _mm256_add_epi32(x[r][v], _mm256_mullo_epi32(sw, b[v]));
      }
    }
  }
  alignas(32) std::uint64_t tmp[kMr64][NR];
  for (int r = 0; r < kMr64; ++r)
    for (int v = 0; v < kNv64; ++v) {
      const __m256i cross = _mm256_add_epi64(x[r][v], _mm256_srli_epi64(x[r][v], 32));
      _mm256_store_si256(reinterpret_cast<__m256i*>(&tmp[r][v * 4]), _mm256_add_epi64(lo[r][v], _mm256_slli_epi64(cross, 32)));
    }
  for (std::size_t r = 0; r < mr; ++r)
    for (std::size_t j = 0; j < nr; ++j) c[r * ldc + j] = acc ? c[r * ldc + j] + tmp[r][j] : tmp[r][j];
}
void p32(const std::uint32_t* x, std::size_t ldx, const std::uint64_t* const cols[4], std::size_t words, std::uint32_t s[4][4]) {
  pm1_body<std::uint32_t>(x, ldx, cols, words, s);
}
void p64(const std::uint64_t* x, std::size_t ldx, const std::uint64_t* const cols[4], std::size_t words, std::uint64_t s[4][4]) {
  pm1_body<std::uint64_t>(x, ldx, cols, words, s);
}
}  // namespace
}  // namespace detail
}  // namespace lutmpc

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

namespace lutmpc {
namespace detail {
MicroKernel<std::uint32_t> micro_u32_avx2() { return {6, 16, &m32}; }
MicroKernel<std::uint64_t> micro_u64_avx2() { return {kMr64, kNv64 * 4, &m64}; }
Pm1Tile<std::uint32_t> pm1_u32_avx2() { return &p32; }
Pm1Tile<std::uint64_t> pm1_u64_avx2() { return &p64; }
}  // namespace detail
}  // namespace lutmpc
#endif
