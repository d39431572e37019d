// AES-NI (8 blocks in flight, hides the aesenc latency) and VAES (4 blocks
// per zmm, 4 zmm in flight) CTR keystream. Counter blocks are built in
// scalar code with full 128-bit carry, then encrypted in place.
#if defined(__x86_64__) || defined(__i386__)
// GCC 12 warns about its own _mm512_undefined_* idiom inside inlined intrinsics.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include "aes_internal.h"

namespace lutmpc {
namespace detail {

__attribute__((target("aes,sse4.1"))) void ctr_blocks_aesni(const AesKey& k, std::uint64_t hi, std::uint64_t lo,
                                                             std::uint8_t* out, std::size_t nblocks) {
  __m128i rk[11];
  for (int i = 0; i < 11; ++i) rk[i] = _mm_load_si128(reinterpret_cast<const __m128i*>(k.rk[i]));
  std::size_t b = 0;
  for (; b + 8 <= nblocks; b += 8) {
    __m128i x[8];
    for (int j = 0; j < 8; ++j) {
      x[j] = _mm_set_epi64x(static_cast<long long>(__builtin_bswap64(lo)), static_cast<long long>(__builtin_bswap64(hi)));
      x[j] = _mm_xor_si128(x[j], rk[0]);
      ctr_inc(hi, lo);
    }
    for (int r = 1; r < 10; ++r)
      for (int j = 0; j < 8; ++j) x[j] = _mm_aesenc_si128(x[j], rk[r]);
    for (int j = 0; j < 8; ++j) _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16 * (b + j)), _mm_aesenclast_si128(x[j], rk[10]));
  }
  for (; b < nblocks; ++b) {
    __m128i x = _mm_set_epi64x(static_cast<long long>(__builtin_bswap64(lo)), static_cast<long long>(__builtin_bswap64(hi)));
    x = _mm_xor_si128(x, rk[0]);
    for (int r = 1; r < 10; ++r) x = _mm_aesenc_si128(x, rk[r]);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16 * b), _mm_aesenclast_si128(x, rk[10]));
    ctr_inc(hi, lo);
  }
}

__attribute__((target("aes,sse4.1"))) void ctr_blocks_at_aesni(const AesKey& k, std::uint64_t hi, std::uint64_t lo,
                                                                const std::uint64_t* off, std::uint8_t* out, std::size_t n) {
  __m128i rk[11];
  for (int i = 0; i < 11; ++i) rk[i] = _mm_load_si128(reinterpret_cast<const __m128i*>(k.rk[i]));
  auto block = [&](std::uint64_t d) {
    const std::uint64_t l = lo + d;
    const std::uint64_t h = hi + (l < lo ? 1 : 0);
    return _mm_xor_si128(_mm_set_epi64x(static_cast<long long>(__builtin_bswap64(l)), static_cast<long long>(__builtin_bswap64(h))), rk[0]);
  };
  std::size_t b = 0;
  for (; b + 8 <= n; b += 8) {
    __m128i x[8];
    for (int j = 0; j < 8; ++j) x[j] = block(off[b + j]);
    for (int r = 1; r < 10; ++r)
      for (int j = 0; j < 8; ++j) x[j] = _mm_aesenc_si128(x[j], rk[r]);
    for (int j = 0; j < 8; ++j) _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16 * (b + j)), _mm_aesenclast_si128(x[j], rk[10]));
  }
  for (; b < n; ++b) {
    __m128i x = block(off[b]);
    for (int r = 1; r < 10; ++r) x = _mm_aesenc_si128(x, rk[r]);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16 * b), _mm_aesenclast_si128(x, rk[10]));
  }
}

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11
__attribute__((target("vaes,avx512f,aes,sse4.1"))) void ctr_blocks_vaes(const AesKey& k, std::uint64_t hi, std::uint64_t lo,
                                                                        std::uint8_t* out, std::size_t nblocks) {
  __m512i rk[11];
  for (int i = 0; i < 11; ++i)
    rk[i] = _mm512_broadcast_i32x4(_mm_load_si128(reinterpret_cast<const __m128i*>(k.rk[i])));
  std::size_t b = 0;
  alignas(64) std::uint64_t ctr[32];
  for (; b + 16 <= nblocks; b += 16) {
    for (int j = 0; j < 16; ++j) {
      ctr[2 * j] = __builtin_bswap64(hi);
      ctr[2 * j + 1] = __builtin_bswap64(lo);
      ctr_inc(hi, lo);
    }
    __m512i x[4];
    for (int j = 0; j < 4; ++j) x[j] = _mm512_xor_si512(_mm512_load_si512(ctr + 8 * j), rk[0]);
    for (int r = 1; r < 10; ++r)
      for (int j = 0; j < 4; ++j) x[j] = _mm512_aesenc_epi128(x[j], rk[r]);
    for (int j = 0; j < 4; ++j)
      _mm512_storeu_si512(out + 16 * b + 64 * j, _mm512_aesenclast_epi128(x[j], rk[10]));
  }
  if (b < nblocks) ctr_blocks_aesni(k, hi, lo, out + 16 * b, nblocks - b);
}
#else
void ctr_blocks_vaes(const AesKey& k, std::uint64_t hi, std::uint64_t lo, std::uint8_t* out, std::size_t nblocks) {
  ctr_blocks_aesni(k, hi, lo, out, nblocks);
}
#endif

}  // namespace detail
}  // namespace lutmpc
#endif
