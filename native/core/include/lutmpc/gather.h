// Table reads for lookup-table protocols.
// Element widths (bytes): 1, 2, 4, 8 for both tables and indices; only the
// low `bits` bits of each index are used (1 <= bits <= 24).
#pragma once
#include <cstddef>
#include <cstdint>

namespace lutmpc {

constexpr unsigned kGatherMaxBits = 24;

/** out[i] = table[idx[i] mod 2^bits]; table has 2^bits entries. */
void gather_shared(std::size_t elem_bytes, const void* table, unsigned bits, std::size_t idx_bytes, const void* idx,
                   void* out, std::size_t n);
/** out[i] = tables[i·2^bits + (idx[i] mod 2^bits)]; tables has n·2^bits entries. */
void gather_per_element(std::size_t elem_bytes, const void* tables, unsigned bits, std::size_t idx_bytes, const void* idx,
                        void* out, std::size_t n);

/**
 * One link of the borrow chain (requantization, src/mpc/lut/borrow-chain.ts)
 * on packed per-element bit tables. Element i's bit index is
 *   j = ((m[i] >> off) mod 2^c) | (u ? (bit i of u) << c : 0)
 * (m[i] >> off = 0 when off >= 32), and bit i of `out` (packed LSB first,
 * ceil(n/8) bytes, fully written) is bit j of element i's table: bit j & 7
 * of byte (j >> 3) mod 2^byte_bits of the 2^byte_bits bytes at
 * i << byte_bits in `tables`. u (packed, may be null) holds ceil(n/8) bytes.
 */
void bit_link_gather(const std::uint8_t* tables, unsigned byte_bits, const std::uint32_t* m, std::size_t n, unsigned off,
                     unsigned c, const std::uint8_t* u, std::uint8_t* out);

/**
 * The dealer's per-element rotated tables (src/mpc/lut/tables.ts): for i < n
 * and j < 2^bits,
 *   out[i·2^bits + j] = table[c(i)·2^bits + ((j − rot[i]) mod 2^bits)],
 * c(i) = (i >> pair_shift) mod channels, or with `blocks`
 * ⌊(i >> pair_shift) / ((n >> pair_shift) / channels)⌋ (contiguous blocks of
 * elements share a table; pair_shift 1: elements 2e and 2e + 1 both read
 * e's channel). rot[i] < 2^bits. Every entry of out is written (two copies
 * per element, split over the pool, so the first touch of a fresh out
 * array's pages runs on every thread). out must not overlap table.
 */
void rotate_tables(std::size_t elem_bytes, const void* table, unsigned bits, std::size_t channels, bool blocks, unsigned pair_shift,
                   const std::uint32_t* rot, void* out, std::size_t n);

/** The bit index j of element i in bit_link_gather (shared with the keystream variant). */
inline std::uint32_t bit_link_index(const std::uint32_t* m, std::size_t i, unsigned off, unsigned c, const std::uint8_t* u) {
  std::uint32_t j = off >= 32 ? 0u : (m[i] >> off) & ((std::uint32_t{1} << c) - 1);
  if (u != nullptr) j |= static_cast<std::uint32_t>((u[i >> 3] >> (i & 7)) & 1u) << c;
  return j;
}

}  // namespace lutmpc
