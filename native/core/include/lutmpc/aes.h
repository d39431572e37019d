// AES-128 in CTR mode as a PRG: the keystream for (key, iv), with the
// 16-byte iv a 128-bit big-endian counter incremented per block with full
// carry, exactly like OpenSSL's (node:crypto) 'aes-128-ctr'.
#pragma once
#include <cstddef>
#include <cstdint>

namespace lutmpc {

/** Fill out[0, len) with the keystream (= CTR encryption of zeros). AES-NI/VAES when enabled, else portable. */
void aes128_ctr_keystream(const std::uint8_t key[16], const std::uint8_t iv[16], std::uint8_t* out, std::size_t len);

/** One block with the portable code (test reference). */
void aes128_encrypt_block_portable(const std::uint8_t key[16], const std::uint8_t in[16], std::uint8_t out[16]);

/** Which implementation aes128_ctr_keystream uses now: "vaes", "aesni" or "portable". */
const char* aes_impl_name();

}  // namespace lutmpc
