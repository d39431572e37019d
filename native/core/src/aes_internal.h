// Internal: AES-128 key schedule and per-ISA CTR range functions.
#pragma once
#include <cstddef>
#include <cstdint>

namespace lutmpc {
namespace detail {

/** 11 round keys, standard byte order (usable by AES-NI as is). */
struct AesKey {
  alignas(16) std::uint8_t rk[11][16];
};

void aes128_expand(const std::uint8_t key[16], AesKey& out);

/** Keystream blocks for counters (hi, lo), (hi, lo)+1, ... ; nblocks whole blocks to out. */
void ctr_blocks_portable(const AesKey& k, std::uint64_t hi, std::uint64_t lo, std::uint8_t* out, std::size_t nblocks);
#if defined(__x86_64__) || defined(__i386__)
void ctr_blocks_aesni(const AesKey& k, std::uint64_t hi, std::uint64_t lo, std::uint8_t* out, std::size_t nblocks);
void ctr_blocks_vaes(const AesKey& k, std::uint64_t hi, std::uint64_t lo, std::uint8_t* out, std::size_t nblocks);
#endif

/** Keystream blocks at scattered counters: out block j = AES(iv + off[j]) (128-bit add); n blocks. */
void ctr_blocks_at_portable(const AesKey& k, std::uint64_t hi, std::uint64_t lo, const std::uint64_t* off, std::uint8_t* out,
                            std::size_t n);
#if defined(__x86_64__) || defined(__i386__)
void ctr_blocks_at_aesni(const AesKey& k, std::uint64_t hi, std::uint64_t lo, const std::uint64_t* off, std::uint8_t* out,
                         std::size_t n);
#endif

/** Write counter block (hi, lo) in big-endian bytes. */
inline void store_counter(std::uint8_t* dst, std::uint64_t hi, std::uint64_t lo) {
  for (int i = 0; i < 8; ++i) {
    dst[i] = static_cast<std::uint8_t>(hi >> (56 - 8 * i));
    dst[8 + i] = static_cast<std::uint8_t>(lo >> (56 - 8 * i));
  }
}

/** Read a big-endian 128-bit counter block as (hi, lo). */
inline void load_counter(const std::uint8_t* iv, std::uint64_t& hi, std::uint64_t& lo) {
  hi = lo = 0;
  for (int i = 0; i < 8; ++i) {
    hi = (hi << 8) | iv[i];
    lo = (lo << 8) | iv[8 + i];
  }
}

/** (hi, lo) += 1 with carry. */
inline void ctr_inc(std::uint64_t& hi, std::uint64_t& lo) {
  if (++lo == 0) ++hi;
}

}  // namespace detail
}  // namespace lutmpc
