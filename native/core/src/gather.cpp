// Gathers: scalar loads (hardware gathers are not faster on Zen for random
// indices), split over the pool for large n. out may alias idx exactly
// (each out[i] is written after idx[i] is read); other overlaps use a temporary.
#include "lutmpc/gather.h"

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#include "lutmpc/threads.h"

namespace lutmpc {
namespace {

constexpr std::size_t kParallelMin = 1 << 15;

template <typename T, typename I>
void shared_t(const T* table, std::uint64_t mask, const I* idx, T* out, std::size_t b, std::size_t e) {
  for (std::size_t i = b; i < e; ++i) out[i] = table[static_cast<std::uint64_t>(idx[i]) & mask];
}

// Each element reads its own table (2^bits entries apart), a cache miss
// per element once the tables exceed the caches: prefetching kPrefetch
// elements ahead keeps more misses in flight than the core's reorder window.
// bench_core, 393216 elements × 256 one-byte entries, Zen 3: 105 → 121
// M elements/s on one thread, 151 → 324 on two (best of 5); the BERT-base
// forward's P2 spends the same CPU in its gathers either way (2026-12-05).
constexpr std::size_t kPrefetch = 24;

template <typename T, typename I>
void per_elem_t(const T* tables, unsigned bits, std::uint64_t mask, const I* idx, T* out, std::size_t b, std::size_t e) {
  auto at = [&](std::size_t i) { return tables + (static_cast<std::uint64_t>(i) << bits) + (static_cast<std::uint64_t>(idx[i]) & mask); };
  std::size_t i = b;
  for (; i + kPrefetch < e; ++i) {
    __builtin_prefetch(at(i + kPrefetch));
    out[i] = *at(i);
  }
  for (; i < e; ++i) out[i] = *at(i);
}

template <typename T, typename F>
void by_idx(std::size_t idx_bytes, F&& f) {
  switch (idx_bytes) {
    case 1: f(static_cast<const std::uint8_t*>(nullptr)); break;
    case 2: f(static_cast<const std::uint16_t*>(nullptr)); break;
    case 4: f(static_cast<const std::uint32_t*>(nullptr)); break;
    default: f(static_cast<const std::uint64_t*>(nullptr)); break;
  }
}

template <typename T>
void gather_t(bool per_element, const T* table, unsigned bits, std::size_t idx_bytes, const void* idx, T* out, std::size_t n) {
  const std::uint64_t mask = (std::uint64_t{1} << bits) - 1;
  by_idx<T>(idx_bytes, [&](auto tag) {
    using I = std::remove_const_t<std::remove_pointer_t<decltype(tag)>>;
    const I* ix = static_cast<const I*>(idx);
    auto run = [&](std::size_t b, std::size_t e) {
      if (per_element) per_elem_t<T, I>(table, bits, mask, ix, out, b, e);
      else shared_t<T, I>(table, mask, ix, out, b, e);
    };
    if (n < kParallelMin) run(0, n);
    else parallel_for(n, kParallelMin / 2, run);
  });
}

bool overlaps(const void* p, std::size_t pbytes, const void* q, std::size_t qbytes) {
  auto a = reinterpret_cast<std::uintptr_t>(p), b = reinterpret_cast<std::uintptr_t>(q);
  return pbytes && qbytes && a < b + qbytes && b < a + pbytes;
}

void gather(bool per_element, std::size_t eb, const void* table, unsigned bits, std::size_t ib, const void* idx, void* out,
            std::size_t n) {
  if (n == 0) return;
  const std::size_t tbytes = (per_element ? n : 1) * (std::size_t{1} << bits) * eb;
  const bool exact_alias = out == idx && eb == ib;
  if ((!exact_alias && overlaps(out, n * eb, idx, n * ib)) || overlaps(out, n * eb, table, tbytes)) {
    std::vector<unsigned char> tmp(n * eb);
    gather(per_element, eb, table, bits, ib, idx, tmp.data(), n);
    std::memcpy(out, tmp.data(), n * eb);
    return;
  }
  switch (eb) {
    case 1: gather_t(per_element, static_cast<const std::uint8_t*>(table), bits, ib, idx, static_cast<std::uint8_t*>(out), n); break;
    case 2: gather_t(per_element, static_cast<const std::uint16_t*>(table), bits, ib, idx, static_cast<std::uint16_t*>(out), n); break;
    case 4: gather_t(per_element, static_cast<const std::uint32_t*>(table), bits, ib, idx, static_cast<std::uint32_t*>(out), n); break;
    default: gather_t(per_element, static_cast<const std::uint64_t*>(table), bits, ib, idx, static_cast<std::uint64_t*>(out), n); break;
  }
}

}  // namespace

void gather_shared(std::size_t eb, const void* table, unsigned bits, std::size_t ib, const void* idx, void* out, std::size_t n) {
  gather(false, eb, table, bits, ib, idx, out, n);
}

void gather_per_element(std::size_t eb, const void* tables, unsigned bits, std::size_t ib, const void* idx, void* out,
                        std::size_t n) {
  gather(true, eb, tables, bits, ib, idx, out, n);
}

void rotate_tables(std::size_t eb, const void* table, unsigned bits, std::size_t channels, bool blocks, unsigned pair_shift,
                   const std::uint32_t* rot, void* out, std::size_t n) {
  if (n == 0) return;
  const std::size_t S = std::size_t{1} << bits;
  const std::size_t row = S * eb;
  const std::size_t per = blocks ? std::max<std::size_t>(1, (n >> pair_shift) / channels) : 1;
  const auto* src = static_cast<const unsigned char*>(table);
  auto* dst = static_cast<unsigned char*>(out);
  auto run = [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) {
      const std::size_t g = i >> pair_shift;
      const std::size_t c = blocks ? g / per : g % channels;
      const std::size_t r = rot[i] & (S - 1);
      const unsigned char* t = src + c * row;
      unsigned char* o = dst + i * row;
      // j < r reads the table's last r entries, j >= r its first S − r.
      std::memcpy(o, t + (S - r) * eb, r * eb);
      std::memcpy(o + r * eb, t, (S - r) * eb);
    }
  };
  // ~64 KiB of output per task at least.
  const std::size_t grain = std::max<std::size_t>(1, (std::size_t{1} << 16) / row);
  if (n < 2 * grain) run(0, n);
  else parallel_for(n, grain, run);
}

void bit_link_gather(const std::uint8_t* tables, unsigned byte_bits, const std::uint32_t* m, std::size_t n, unsigned off,
                     unsigned c, const std::uint8_t* u, std::uint8_t* out) {
  const std::size_t bmask = (std::size_t{1} << byte_bits) - 1;
  // Work in whole output bytes (8 elements) so that no two threads share one.
  auto run = [&](std::size_t b, std::size_t e) {
    for (std::size_t q = b; q < e; ++q) {
      const std::size_t i0 = 8 * q, i1 = std::min(n, i0 + 8);
      unsigned acc = 0;
      for (std::size_t i = i0; i < i1; ++i) {
        const std::uint32_t j = bit_link_index(m, i, off, c, u);
        const std::uint8_t byte = tables[(i << byte_bits) + ((j >> 3) & bmask)];
        acc |= ((byte >> (j & 7)) & 1u) << (i - i0);
      }
      out[q] = static_cast<std::uint8_t>(acc);
    }
  };
  const std::size_t nbytes = (n + 7) / 8;
  if (n < kParallelMin) run(0, nbytes);
  else parallel_for(nbytes, kParallelMin / 16, run);
}

}  // namespace lutmpc
