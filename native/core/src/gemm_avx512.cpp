// AVX-512 microkernels: GEMM bodies compiled for 512-bit vectors (vpmulld,
// vpmullq from AVX-512DQ, broadcasts folded into the multiply), and ±1 tiles
// with mask-register adds (one k-mask per 16 or 8 bits of a packed column).
#if defined(__x86_64__) || defined(__i386__)
// GCC 12 warns about its own _mm512_undefined_* idiom inside inlined intrinsics.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "gemm_isa.h"

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma,bmi2"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma,bmi2")
#endif

namespace lutmpc {
namespace detail {
namespace {
#define LUTMPC_VB 64
#include "gemm_micro.inc"
#undef LUTMPC_VB

// Tile of the 32-bit kernel: MR rows × NV zmm columns (16 accumulators).
// 8×2, 12×2, 6×4, 8×3 and 4×4 measured within noise of each other on Zen 5
// (~80 GMAC/s on one core); override with -DLUTMPC_MR32=.. -DLUTMPC_NV32=.. to retune.
#ifndef LUTMPC_MR32
#define LUTMPC_MR32 8
#define LUTMPC_NV32 2
#endif
constexpr int kMr32 = LUTMPC_MR32, kNv32 = LUTMPC_NV32;
constexpr int kMr64 = 8, kNv64 = 2;

void m32(std::size_t kc, const std::uint32_t* ap, const std::uint32_t* bp, std::uint32_t* c, std::size_t ldc, bool acc,
         std::size_t mr, std::size_t nr) {
  micro_body<std::uint32_t, kMr32, kNv32>(kc, ap, bp, c, ldc, acc, mr, nr);
}
void m64(std::size_t kc, const std::uint64_t* ap, const std::uint64_t* bp, std::uint64_t* c, std::size_t ldc, bool acc,
         std::size_t mr, std::size_t nr) {
  micro_body<std::uint64_t, kMr64, kNv64>(kc, ap, bp, c, ldc, acc, mr, nr);
}

void p32(const std::uint32_t* x, std::size_t ldx, const std::uint64_t* const cols[4], std::size_t words, std::uint32_t s[4][4]) {
  __m512i acc[4][4];
  for (int r = 0; r < 4; ++r)
    for (int j = 0; j < 4; ++j) acc[r][j] = _mm512_setzero_si512();
  for (std::size_t w = 0; w < words; ++w) {
    const std::uint64_t wb[4] = {cols[0][w], cols[1][w], cols[2][w], cols[3][w]};
#pragma GCC unroll 4
    for (int sub = 0; sub < 4; ++sub) {
      __m512i xv[4];
      for (int r = 0; r < 4; ++r) xv[r] = _mm512_loadu_si512(x + r * ldx + w * 64 + sub * 16);
#pragma GCC unroll 4
      for (int j = 0; j < 4; ++j) {
        const __mmask16 m = static_cast<__mmask16>(wb[j] >> (16 * sub));
#pragma GCC unroll 4
        for (int r = 0; r < 4; ++r) acc[r][j] = _mm512_mask_add_epi32(acc[r][j], m, acc[r][j], xv[r]);
      }
    }
  }
  for (int r = 0; r < 4; ++r)
    for (int j = 0; j < 4; ++j) s[r][j] = static_cast<std::uint32_t>(_mm512_reduce_add_epi32(acc[r][j]));
}

void p64(const std::uint64_t* x, std::size_t ldx, const std::uint64_t* const cols[4], std::size_t words, std::uint64_t s[4][4]) {
  __m512i acc[4][4];
  for (int r = 0; r < 4; ++r)
    for (int j = 0; j < 4; ++j) acc[r][j] = _mm512_setzero_si512();
  for (std::size_t w = 0; w < words; ++w) {
    const std::uint64_t wb[4] = {cols[0][w], cols[1][w], cols[2][w], cols[3][w]};
#pragma GCC unroll 8
    for (int sub = 0; sub < 8; ++sub) {
      __m512i xv[4];
      for (int r = 0; r < 4; ++r) xv[r] = _mm512_loadu_si512(x + r * ldx + w * 64 + sub * 8);
#pragma GCC unroll 4
      for (int j = 0; j < 4; ++j) {
        const __mmask8 m = static_cast<__mmask8>(wb[j] >> (8 * sub));
#pragma GCC unroll 4
        for (int r = 0; r < 4; ++r) acc[r][j] = _mm512_mask_add_epi64(acc[r][j], m, acc[r][j], xv[r]);
      }
    }
  }
  for (int r = 0; r < 4; ++r)
    for (int j = 0; j < 4; ++j) s[r][j] = static_cast<std::uint64_t>(_mm512_reduce_add_epi64(acc[r][j]));
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
MicroKernel<std::uint32_t> micro_u32_avx512() { return {kMr32, kNv32 * 16, &m32}; }
MicroKernel<std::uint64_t> micro_u64_avx512() { return {kMr64, kNv64 * 8, &m64}; }
Pm1Tile<std::uint32_t> pm1_u32_avx512() { return &p32; }
Pm1Tile<std::uint64_t> pm1_u64_avx512() { return &p64; }
}  // namespace detail
}  // namespace lutmpc
#endif
