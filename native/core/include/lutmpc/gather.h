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

}  // namespace lutmpc
