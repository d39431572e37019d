// Element-wise ring ops mod 2^l (add, sub, mul, and, or, xor, neg, not,
// mul by scalar, shl/shr/sar). Memory-bound: each thread moves 16-byte
// vectors when all pointers are 16-byte aligned, with a scalar tail.
// l = 1 lives in bytes; every result is masked to one bit.
#include <type_traits>

#include "common.cuh"

namespace lutmpc_cuda {
namespace {

enum Op : int { ADD, SUB, MUL, AND, OR, XOR, NEG, NOT, MULS, SHL, SHR, SAR };

template <typename T>
struct Signed;
template <>
struct Signed<uint8_t> { using type = int8_t; };
template <>
struct Signed<uint16_t> { using type = int16_t; };
template <>
struct Signed<uint32_t> { using type = int32_t; };
template <>
struct Signed<unsigned long long> { using type = long long; };

/** One element; `s` is the scalar (MULS) or shift count; `mask` keeps l bits (only l = 1 needs it). */
template <typename T, int OP>
__device__ __forceinline__ T apply(T a, T b, T s, T mask) {
  // Widen 8/16-bit values to unsigned int so products never overflow a signed int.
  using W = typename std::conditional<(sizeof(T) < 4), unsigned, T>::type;
  T r;
  if (OP == ADD) r = static_cast<T>(a + b);
  else if (OP == SUB) r = static_cast<T>(a - b);
  else if (OP == MUL) r = static_cast<T>(W(a) * W(b));
  else if (OP == AND) r = a & b;
  else if (OP == OR) r = a | b;
  else if (OP == XOR) r = a ^ b;
  else if (OP == NEG) r = static_cast<T>(T(0) - a);
  else if (OP == NOT) r = static_cast<T>(~a);
  else if (OP == MULS) r = static_cast<T>(W(a) * W(s));
  else if (OP == SHL) r = static_cast<T>(a << s);
  else if (OP == SHR) r = static_cast<T>((a & mask) >> s);
  else /* SAR */ r = static_cast<T>(static_cast<typename Signed<T>::type>(a) >> s);
  return static_cast<T>(r & mask);
}

constexpr unsigned kBlock = 256;

template <typename T, int OP>
__global__ void ew_kernel(const T* __restrict__ a, const T* __restrict__ b, T* out, size_t n, T s, T mask,
                          bool vec) {
  const size_t tid = blockIdx.x * size_t(blockDim.x) + threadIdx.x;
  const size_t stride = size_t(gridDim.x) * blockDim.x;
  size_t done = 0;
  if (vec) {
    constexpr int PER = 16 / sizeof(T);
    const size_t nv = n / PER;
    const uint4* av = reinterpret_cast<const uint4*>(a);
    const uint4* bv = reinterpret_cast<const uint4*>(b);
    uint4* ov = reinterpret_cast<uint4*>(out);
    for (size_t i = tid; i < nv; i += stride) {
      uint4 x = av[i];
      uint4 y = b ? bv[i] : x;
      const T* xe = reinterpret_cast<const T*>(&x);
      const T* ye = reinterpret_cast<const T*>(&y);
      uint4 z;
      T* ze = reinterpret_cast<T*>(&z);
#pragma unroll
      for (int e = 0; e < PER; ++e) ze[e] = apply<T, OP>(xe[e], ye[e], s, mask);
      ov[i] = z;
    }
    done = nv * PER;
  }
  for (size_t i = done + tid; i < n; i += stride) out[i] = apply<T, OP>(a[i], b ? b[i] : a[i], s, mask);
}

template <typename T, int OP>
int launch_t(const void* a, const void* b, void* out, size_t n, uint64_t s, T mask, cudaStream_t st) {
  if (n == 0) return LUTMPC_CUDA_OK;
  auto al = [](const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; };
  bool vec = al(a) && al(out) && (b == nullptr || al(b));
  size_t work = vec ? n / (16 / sizeof(T)) + 1 : n;
  ew_kernel<T, OP><<<grid_for(work, kBlock, 4096), kBlock, 0, st>>>(
      static_cast<const T*>(a), static_cast<const T*>(b), static_cast<T*>(out), n, static_cast<T>(s), mask, vec);
  LUTMPC_CK_LAUNCH("element-wise kernel");
  return LUTMPC_CUDA_OK;
}

template <int OP>
int launch(int l, const void* a, const void* b, void* out, size_t n, uint64_t s, cudaStream_t st) {
  switch (l) {
    case 1: return launch_t<uint8_t, OP>(a, b, out, n, s, uint8_t(1), st);
    case 8: return launch_t<uint8_t, OP>(a, b, out, n, s, uint8_t(0xff), st);
    case 16: return launch_t<uint16_t, OP>(a, b, out, n, s, uint16_t(0xffff), st);
    case 32: return launch_t<uint32_t, OP>(a, b, out, n, s, 0xffffffffu, st);
    case 64: return launch_t<unsigned long long, OP>(a, b, out, n, s, ~0ull, st);
    default: return fail(LUTMPC_CUDA_EINVAL, "ring width l=%d is not one of 1, 8, 16, 32, 64", l);
  }
}

int dispatch(int op, int l, const void* a, const void* b, void* out, size_t n, uint64_t s, cudaStream_t st) {
  switch (op) {
    case ADD: return launch<ADD>(l, a, b, out, n, s, st);
    case SUB: return launch<SUB>(l, a, b, out, n, s, st);
    case MUL: return launch<MUL>(l, a, b, out, n, s, st);
    case AND: return launch<AND>(l, a, b, out, n, s, st);
    case OR: return launch<OR>(l, a, b, out, n, s, st);
    case XOR: return launch<XOR>(l, a, b, out, n, s, st);
    case NEG: return launch<NEG>(l, a, nullptr, out, n, s, st);
    case NOT: return launch<NOT>(l, a, nullptr, out, n, s, st);
    case MULS: return launch<MULS>(l, a, nullptr, out, n, s, st);
    case SHL: return launch<SHL>(l, a, nullptr, out, n, s, st);
    case SHR: return launch<SHR>(l, a, nullptr, out, n, s, st);
    case SAR: return launch<SAR>(l, a, nullptr, out, n, s, st);
    default: return fail(LUTMPC_CUDA_EINVAL, "unknown element-wise op %d", op);
  }
}

/** Host-pointer wrapper: upload a (and b), run, download out. */
int host_call(int op, int l, const void* a, const void* b, void* out, size_t n, uint64_t s) {
  LUTMPC_TRY(check_ring(l, "l"));
  LUTMPC_TRY(require_device());
  size_t bytes = 0;
  LUTMPC_TRY(checked_mul(n, ring_bytes(l), &bytes, "element-wise input"));
  cudaStream_t st = host_stream();
  DevBuf da, db, dout;
  LUTMPC_TRY(upload(da, a, bytes, st, "element-wise input a"));
  if (b) LUTMPC_TRY(upload(db, b, bytes, st, "element-wise input b"));
  LUTMPC_TRY(dout.alloc(bytes, st, "element-wise output"));
  LUTMPC_TRY(dispatch(op, l, da.get(), b ? db.get() : nullptr, dout.get(), n, s, st));
  return download_sync(out, dout, bytes, st);
}

int check_binop(int op) {
  if (op < LUTMPC_CUDA_ADD || op > LUTMPC_CUDA_XOR) return fail(LUTMPC_CUDA_EINVAL, "unknown binary op %d", op);
  return LUTMPC_CUDA_OK;
}
int check_unop(int op) {
  if (op != LUTMPC_CUDA_NEG && op != LUTMPC_CUDA_NOT) return fail(LUTMPC_CUDA_EINVAL, "unknown unary op %d", op);
  return LUTMPC_CUDA_OK;
}
int check_shift(int op, int l, unsigned k) {
  if (op < LUTMPC_CUDA_SHL || op > LUTMPC_CUDA_SAR) return fail(LUTMPC_CUDA_EINVAL, "unknown shift op %d", op);
  LUTMPC_TRY(check_ring(l, "l"));
  if (k >= static_cast<unsigned>(l)) return fail(LUTMPC_CUDA_EINVAL, "shift count k=%u must be < l=%d", k, l);
  return LUTMPC_CUDA_OK;
}

}  // namespace
}  // namespace lutmpc_cuda

using namespace lutmpc_cuda;

extern "C" int lutmpc_cuda_binary(int op, int l, const void* a, const void* b, void* out, size_t n) {
  clear_error();
  LUTMPC_TRY(check_binop(op));
  return host_call(ADD + op, l, a, b, out, n, 0);
}
extern "C" int lutmpc_cuda_unary(int op, int l, const void* a, void* out, size_t n) {
  clear_error();
  LUTMPC_TRY(check_unop(op));
  return host_call(NEG + op, l, a, nullptr, out, n, 0);
}
extern "C" int lutmpc_cuda_mul_scalar(int l, const void* a, uint64_t s, void* out, size_t n) {
  clear_error();
  return host_call(MULS, l, a, nullptr, out, n, s);
}
extern "C" int lutmpc_cuda_shift(int op, int l, const void* a, unsigned k, void* out, size_t n) {
  clear_error();
  LUTMPC_TRY(check_shift(op, l, k));
  return host_call(SHL + op, l, a, nullptr, out, n, k);
}

extern "C" int lutmpc_cuda_binary_dev(int op, int l, const void* a, const void* b, void* out, size_t n, void* stream) {
  clear_error();
  LUTMPC_TRY(check_binop(op));
  return dispatch(ADD + op, l, a, b, out, n, 0, as_stream(stream));
}
extern "C" int lutmpc_cuda_unary_dev(int op, int l, const void* a, void* out, size_t n, void* stream) {
  clear_error();
  LUTMPC_TRY(check_unop(op));
  return dispatch(NEG + op, l, a, nullptr, out, n, 0, as_stream(stream));
}
extern "C" int lutmpc_cuda_mul_scalar_dev(int l, const void* a, uint64_t s, void* out, size_t n, void* stream) {
  clear_error();
  return dispatch(MULS, l, a, nullptr, out, n, s, as_stream(stream));
}
extern "C" int lutmpc_cuda_shift_dev(int op, int l, const void* a, unsigned k, void* out, size_t n, void* stream) {
  clear_error();
  LUTMPC_TRY(check_shift(op, l, k));
  return dispatch(SHL + op, l, a, nullptr, out, n, k, as_stream(stream));
}
