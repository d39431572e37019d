// CTR keystream driver: picks VAES / AES-NI / portable, splits large
// outputs into block ranges (each starts at iv + offset, 128-bit add) over
// the thread pool, and handles a trailing partial block.
#include "lutmpc/aes.h"

#include <algorithm>
#include <cstring>

#include "aes_internal.h"
#include "lutmpc/cpu.h"
#include "lutmpc/gather.h"
#include "lutmpc/threads.h"

namespace lutmpc {
namespace {

using BlocksFn = void (*)(const detail::AesKey&, std::uint64_t, std::uint64_t, std::uint8_t*, std::size_t);

BlocksFn pick() {
#if defined(__x86_64__) || defined(__i386__)
  if (aesni_enabled()) {
    if (detected_vaes() && simd_level() == SimdLevel::Avx512) return &detail::ctr_blocks_vaes;
    return &detail::ctr_blocks_aesni;
  }
#endif
  return &detail::ctr_blocks_portable;
}

constexpr std::size_t kParallelBlocks = 1 << 14;  // 256 KiB per task minimum

}  // namespace

const char* aes_impl_name() {
  BlocksFn f = pick();
#if defined(__x86_64__) || defined(__i386__)
  if (f == &detail::ctr_blocks_vaes) return "vaes";
  if (f == &detail::ctr_blocks_aesni) return "aesni";
#endif
  (void)f;
  return "portable";
}

namespace {

/** The expanded key, the chosen implementation and the start counter of one (key, iv). */
struct Ctr {
  detail::AesKey k;
  BlocksFn fn;
  std::uint64_t hi, lo;

  Ctr(const std::uint8_t key[16], const std::uint8_t iv[16]) : fn(pick()) {
    detail::aes128_expand(key, k);
    detail::load_counter(iv, hi, lo);
  }

  /** Keystream blocks b, b + 1, ..., b + n − 1 (counter iv + b, 128-bit add) into out. */
  void blocks(std::size_t b, std::uint8_t* out, std::size_t n) const {
    const std::uint64_t l = lo + b;
    fn(k, hi + (l < lo ? 1 : 0), l, out, n);
  }
};

/**
 * Runs range(b, e) over the len / 16 whole blocks (on the thread pool when
 * there are many), then tail(block, rest) with the keystream block of a
 * trailing partial block of rest bytes.
 */
template <typename Range, typename Tail>
void ctr_drive(const Ctr& c, std::size_t len, Range range, Tail tail) {
  const std::size_t full = len / 16;
  if (full >= 2 * kParallelBlocks) parallel_for(full, kParallelBlocks, range);
  else if (full) range(0, full);
  if (const std::size_t rest = len % 16) {
    std::uint8_t tmp[16];
    c.blocks(full, tmp, 1);
    tail(tmp, rest);
  }
}

}  // namespace

void aes128_ctr_keystream(const std::uint8_t key[16], const std::uint8_t iv[16], std::uint8_t* out, std::size_t len) {
  if (len == 0) return;
  const Ctr c(key, iv);
  ctr_drive(
      c, len, [&](std::size_t b, std::size_t e) { c.blocks(b, out + 16 * b, e - b); },
      [&](const std::uint8_t* blk, std::size_t rest) { std::memcpy(out + len - rest, blk, rest); });
}

namespace {

/** d[i] = d[i] − k[i] (or d[i] ⊕ k[i]) over n elements of T, unaligned. */
template <typename T>
void mix_elements(std::uint8_t* d, const std::uint8_t* k, std::size_t n, bool xor_op) {
  for (std::size_t i = 0; i < n; ++i) {
    T a, b;
    std::memcpy(&a, d + i * sizeof(T), sizeof(T));
    std::memcpy(&b, k + i * sizeof(T), sizeof(T));
    a = xor_op ? static_cast<T>(a ^ b) : static_cast<T>(a - b);
    std::memcpy(d + i * sizeof(T), &a, sizeof(T));
  }
}

void mix_bytes(std::size_t elem_bytes, std::uint8_t* d, const std::uint8_t* k, std::size_t bytes, bool xor_op) {
  switch (elem_bytes) {
    case 1: return mix_elements<std::uint8_t>(d, k, bytes, xor_op);
    case 2: return mix_elements<std::uint16_t>(d, k, bytes / 2, xor_op);
    case 4: return mix_elements<std::uint32_t>(d, k, bytes / 4, xor_op);
    default: return mix_elements<std::uint64_t>(d, k, bytes / 8, xor_op);
  }
}

}  // namespace

void aes128_ctr_mix(const std::uint8_t key[16], const std::uint8_t iv[16], std::size_t elem_bytes, bool xor_op, std::uint8_t* data,
                    std::size_t len) {
  if (len == 0) return;
  const Ctr c(key, iv);
  // Each range expands 4 KiB of keystream at a time into L1 and mixes it into data.
  ctr_drive(
      c, len,
      [&](std::size_t b, std::size_t e) {
        constexpr std::size_t kBatch = 256;
        alignas(64) std::uint8_t ks[16 * kBatch];
        for (std::size_t b0 = b; b0 < e; b0 += kBatch) {
          const std::size_t m = std::min(kBatch, e - b0);
          c.blocks(b0, ks, m);
          mix_bytes(elem_bytes, data + 16 * b0, ks, 16 * m, xor_op);
        }
      },
      [&](const std::uint8_t* blk, std::size_t rest) { mix_bytes(elem_bytes, data + len - rest, blk, rest, xor_op); });
}

namespace {

using BlocksAtFn = void (*)(const detail::AesKey&, std::uint64_t, std::uint64_t, const std::uint64_t*, std::uint8_t*, std::size_t);

BlocksAtFn pick_at() {
#if defined(__x86_64__) || defined(__i386__)
  if (aesni_enabled()) return &detail::ctr_blocks_at_aesni;
#endif
  return &detail::ctr_blocks_at_portable;
}

template <typename I>
std::uint64_t index_at(const void* idx, std::size_t i) {
  return static_cast<const I*>(idx)[i];
}

}  // namespace

void aes128_ctr_gather(const std::uint8_t key[16], const std::uint8_t iv[16], std::size_t elem_bytes, unsigned bits,
                       std::size_t idx_bytes, const void* idx, void* out, std::size_t n) {
  if (n == 0) return;
  detail::AesKey k;
  detail::aes128_expand(key, k);
  std::uint64_t hi, lo;
  detail::load_counter(iv, hi, lo);
  const BlocksAtFn fn = pick_at();
  const std::uint64_t mask = (std::uint64_t{1} << bits) - 1;
  auto* o = static_cast<std::uint8_t*>(out);
  std::uint64_t (*at)(const void*, std::size_t) =
      idx_bytes == 1 ? &index_at<std::uint8_t> : idx_bytes == 2 ? &index_at<std::uint16_t> : idx_bytes == 4 ? &index_at<std::uint32_t> : &index_at<std::uint64_t>;
  auto range = [&](std::size_t b, std::size_t e) {
    constexpr std::size_t kBatch = 256;
    std::uint64_t off[kBatch];
    unsigned within[kBatch];
    alignas(16) std::uint8_t blocks[16 * kBatch];
    for (std::size_t i0 = b; i0 < e; i0 += kBatch) {
      const std::size_t m = std::min(kBatch, e - i0);
      for (std::size_t j = 0; j < m; ++j) {
        const std::uint64_t byte = ((static_cast<std::uint64_t>(i0 + j) << bits) + (at(idx, i0 + j) & mask)) * elem_bytes;
        off[j] = byte >> 4;
        within[j] = static_cast<unsigned>(byte & 15);
      }
      fn(k, hi, lo, off, blocks, m);
      for (std::size_t j = 0; j < m; ++j) std::memcpy(o + (i0 + j) * elem_bytes, blocks + 16 * j + within[j], elem_bytes);
    }
  };
  constexpr std::size_t kParallel = 1 << 14;
  if (n >= 2 * kParallel) parallel_for(n, kParallel, range);
  else range(0, n);
}

void aes128_ctr_bit_link_gather(const std::uint8_t key[16], const std::uint8_t iv[16], unsigned byte_bits, const std::uint32_t* m,
                                std::size_t n, unsigned off, unsigned c, const std::uint8_t* u, std::uint8_t* out) {
  const std::size_t nbytes = (n + 7) / 8;
  if (n == 0) return;
  detail::AesKey k;
  detail::aes128_expand(key, k);
  std::uint64_t hi, lo;
  detail::load_counter(iv, hi, lo);
  const BlocksAtFn fn = pick_at();
  const std::uint64_t bmask = (std::uint64_t{1} << byte_bits) - 1;
  // Ranges of whole output bytes; batches of 256 elements (32 output bytes).
  auto range = [&](std::size_t b, std::size_t e) {
    constexpr std::size_t kBatch = 256;
    std::uint64_t blk[kBatch];
    unsigned within[kBatch];
    unsigned bit[kBatch];
    alignas(16) std::uint8_t blocks[16 * kBatch];
    const std::size_t first = 8 * b, last = std::min(n, 8 * e);
    for (std::size_t i0 = first; i0 < last; i0 += kBatch) {
      const std::size_t cnt = std::min(kBatch, last - i0);
      for (std::size_t t = 0; t < cnt; ++t) {
        const std::uint32_t j = bit_link_index(m, i0 + t, off, c, u);
        const std::uint64_t byte = (static_cast<std::uint64_t>(i0 + t) << byte_bits) + ((j >> 3) & bmask);
        blk[t] = byte >> 4;
        within[t] = static_cast<unsigned>(byte & 15);
        bit[t] = j & 7;
      }
      fn(k, hi, lo, blk, blocks, cnt);
      for (std::size_t t = 0; t < cnt; t += 8) {
        unsigned acc = 0;
        for (std::size_t s = t; s < std::min(cnt, t + 8); ++s) acc |= ((blocks[16 * s + within[s]] >> bit[s]) & 1u) << (s - t);
        out[(i0 + t) / 8] = static_cast<std::uint8_t>(acc);
      }
    }
  };
  constexpr std::size_t kParallel = 1 << 14;
  if (n >= 2 * kParallel) parallel_for(nbytes, kParallel / 8, range);
  else range(0, nbytes);
}

}  // namespace lutmpc
