// Element-wise ops on ring Z_2^l, l in {1, 8, 16, 32, 64}.
// Storage: l = 1 and 8 in uint8_t (l = 1: one bit per byte), 16 in uint16_t,
// 32 in uint32_t, 64 in uint64_t. Results are reduced mod 2^l. `out` may
// equal an input (in-place); partially overlapping buffers are not supported.
#pragma once
#include <cstddef>
#include <cstdint>

namespace lutmpc {

enum class BinOp { Add, Sub, Mul, And, Or, Xor };
enum class UnOp { Neg, Not };
enum class ShiftOp { Shl, Shr, Sar };

/** True for l in {1, 8, 16, 32, 64}. */
bool ring_bits_ok(int l);
/** Bytes per element of ring l's storage (1, 1, 2, 4, 8). */
std::size_t ring_elem_bytes(int l);
/** 2^l − 1 (all ones for l = 64). */
std::uint64_t ring_mask(int l);

void ring_binary(BinOp op, int l, const void* a, const void* b, void* out, std::size_t n);
void ring_unary(UnOp op, int l, const void* a, void* out, std::size_t n);
/** out = a · s mod 2^l (s is reduced mod 2^l first). */
void ring_mul_scalar(int l, const void* a, std::uint64_t s, void* out, std::size_t n);
/** 0 <= k < l (checked by caller). sar treats bit l−1 as the sign bit. */
void ring_shift(ShiftOp op, int l, const void* a, unsigned k, void* out, std::size_t n);

}  // namespace lutmpc
