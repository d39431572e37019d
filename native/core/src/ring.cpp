// Element-wise ring ops: plain loops the compiler vectorises (memory-bound,
// so baseline SSE2 code is already near bandwidth); large arrays are split
// over the thread pool.
#include "lutmpc/ring.h"

#include <type_traits>

#include "lutmpc/threads.h"

namespace lutmpc {
namespace {

constexpr std::size_t kParallelMin = 1 << 17;  // elements; below this one thread is faster

template <typename F>
void split(std::size_t n, F&& f) {
  if (n < kParallelMin) {
    f(std::size_t{0}, n);
  } else {
    parallel_for(n, kParallelMin / 2, [&](std::size_t b, std::size_t e) { f(b, e); });
  }
}

template <typename T>
void binary_t(BinOp op, T mask, const T* a, const T* b, T* out, std::size_t n) {
  // Note: out may alias a or b exactly; the loops read a[i], b[i] before writing out[i].
  split(n, [&](std::size_t s, std::size_t e) {
    switch (op) {
      case BinOp::Add: for (std::size_t i = s; i < e; ++i) out[i] = static_cast<T>((a[i] + b[i]) & mask); break;
      case BinOp::Sub: for (std::size_t i = s; i < e; ++i) out[i] = static_cast<T>((a[i] - b[i]) & mask); break;
      case BinOp::Mul: for (std::size_t i = s; i < e; ++i) out[i] = static_cast<T>((static_cast<std::make_unsigned_t<decltype(+a[i])>>(a[i]) * b[i]) & mask); break;
      case BinOp::And: for (std::size_t i = s; i < e; ++i) out[i] = static_cast<T>(a[i] & b[i] & mask); break;
      case BinOp::Or: for (std::size_t i = s; i < e; ++i) out[i] = static_cast<T>((a[i] | b[i]) & mask); break;
      case BinOp::Xor: for (std::size_t i = s; i < e; ++i) out[i] = static_cast<T>((a[i] ^ b[i]) & mask); break;
    }
  });
}

template <typename T>
void unary_t(UnOp op, T mask, const T* a, T* out, std::size_t n) {
  split(n, [&](std::size_t s, std::size_t e) {
    if (op == UnOp::Neg) {
      for (std::size_t i = s; i < e; ++i) out[i] = static_cast<T>((T(0) - a[i]) & mask);
    } else {
      for (std::size_t i = s; i < e; ++i) out[i] = static_cast<T>(~a[i] & mask);
    }
  });
}

template <typename T>
void mul_scalar_t(T mask, const T* a, T s, T* out, std::size_t n) {
  split(n, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) out[i] = static_cast<T>((static_cast<std::make_unsigned_t<decltype(+a[i])>>(a[i]) * s) & mask);
  });
}

template <typename T>
void shift_t(ShiftOp op, int l, T mask, const T* a, unsigned k, T* out, std::size_t n) {
  split(n, [&](std::size_t b, std::size_t e) {
    switch (op) {
      case ShiftOp::Shl:
        for (std::size_t i = b; i < e; ++i) out[i] = static_cast<T>((static_cast<std::uint64_t>(a[i]) << k) & mask);
        break;
      case ShiftOp::Shr:
        for (std::size_t i = b; i < e; ++i) out[i] = static_cast<T>((a[i] & mask) >> k);
        break;
      case ShiftOp::Sar: {
        // Sign-extend bit l−1 into 64 bits, shift arithmetically, reduce.
        const unsigned up = 64u - static_cast<unsigned>(l);
        for (std::size_t i = b; i < e; ++i) {
          std::int64_t v = static_cast<std::int64_t>(static_cast<std::uint64_t>(a[i]) << up) >> up;
          out[i] = static_cast<T>(static_cast<std::uint64_t>(v >> k) & mask);
        }
        break;
      }
    }
  });
}

}  // namespace

bool ring_bits_ok(int l) { return l == 1 || l == 8 || l == 16 || l == 32 || l == 64; }

std::size_t ring_elem_bytes(int l) { return l == 64 ? 8 : l == 32 ? 4 : l == 16 ? 2 : 1; }

std::uint64_t ring_mask(int l) { return l >= 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << l) - 1); }

#define LUTMPC_RING_DISPATCH(l, CALL)                                        \
  switch (l) {                                                               \
    case 1: case 8: { using T = std::uint8_t; CALL; break; }                 \
    case 16: { using T = std::uint16_t; CALL; break; }                       \
    case 32: { using T = std::uint32_t; CALL; break; }                       \
    case 64: { using T = std::uint64_t; CALL; break; }                       \
    default: break;                                                          \
  }

void ring_binary(BinOp op, int l, const void* a, const void* b, void* out, std::size_t n) {
  LUTMPC_RING_DISPATCH(l, binary_t<T>(op, static_cast<T>(ring_mask(l)), static_cast<const T*>(a), static_cast<const T*>(b), static_cast<T*>(out), n))
}

void ring_unary(UnOp op, int l, const void* a, void* out, std::size_t n) {
  LUTMPC_RING_DISPATCH(l, unary_t<T>(op, static_cast<T>(ring_mask(l)), static_cast<const T*>(a), static_cast<T*>(out), n))
}

void ring_mul_scalar(int l, const void* a, std::uint64_t s, void* out, std::size_t n) {
  LUTMPC_RING_DISPATCH(l, mul_scalar_t<T>(static_cast<T>(ring_mask(l)), static_cast<const T*>(a), static_cast<T>(s & ring_mask(l)), static_cast<T*>(out), n))
}

void ring_shift(ShiftOp op, int l, const void* a, unsigned k, void* out, std::size_t n) {
  LUTMPC_RING_DISPATCH(l, shift_t<T>(op, l, static_cast<T>(ring_mask(l)), static_cast<const T*>(a), k, static_cast<T*>(out), n))
}

}  // namespace lutmpc
