// AES-128 in CTR mode as a PRG: the keystream for (key, iv), with the
// 16-byte iv a 128-bit big-endian counter incremented per block with full
// carry, exactly like OpenSSL's (node:crypto) 'aes-128-ctr'.
#pragma once
#include <cstddef>
#include <cstdint>

namespace lutmpc {

/** Fill out[0, len) with the keystream (= CTR encryption of zeros). AES-NI/VAES when enabled, else portable. */
void aes128_ctr_keystream(const std::uint8_t key[16], const std::uint8_t iv[16], std::uint8_t* out, std::size_t len);

/**
 * Per-element reads of a keystream seen as an array of little-endian
 * elem_bytes-wide integers (elem_bytes in {1, 2, 4, 8}), laid out like
 * per-element tables: out[i] = element (i << bits) + (idx[i] mod 2^bits).
 * Equals aes128_ctr_keystream over n << bits elements followed by
 * gather_per_element, at one AES block per element and without the
 * n << bits elements in memory (a party's pseudo-random table share).
 */
void aes128_ctr_gather(const std::uint8_t key[16], const std::uint8_t iv[16], std::size_t elem_bytes, unsigned bits,
                       std::size_t idx_bytes, const void* idx, void* out, std::size_t n);

/**
 * bit_link_gather (gather.h) with the keystream of (key, iv) as the packed
 * tables (a party's pseudo-random share of them): one AES block per element.
 */
void aes128_ctr_bit_link_gather(const std::uint8_t key[16], const std::uint8_t iv[16], unsigned byte_bits, const std::uint32_t* m,
                                std::size_t n, unsigned off, unsigned c, const std::uint8_t* u, std::uint8_t* out);

/**
 * data[0, len) seen as little-endian elem_bytes-wide integers (elem_bytes
 * in {1, 2, 4, 8}, len a multiple of it) minus, or XOR, the keystream of
 * (key, iv) read the same way, in place: the dealer's correction of a table
 * against P1's pseudo-random share. Equals aes128_ctr_keystream into a
 * buffer of len bytes followed by the element-wise op, in one pass over
 * data and without the buffer.
 */
void aes128_ctr_mix(const std::uint8_t key[16], const std::uint8_t iv[16], std::size_t elem_bytes, bool xor_op, std::uint8_t* data,
                    std::size_t len);

/** One block with the portable code (test reference). */
void aes128_encrypt_block_portable(const std::uint8_t key[16], const std::uint8_t in[16], std::uint8_t out[16]);

/** Which implementation aes128_ctr_keystream uses now: "vaes", "aesni" or "portable". */
const char* aes_impl_name();

}  // namespace lutmpc
