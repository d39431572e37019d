// node-addon-api glue for the lutmpc native core. Thin by design: parse and
// check arguments (args.h), then call the core synchronously (element-wise
// ops) or through a KernelWorker that returns a Promise (GEMMs, gathers, PRG).
// Built with LUTMPC_WITH_CUDA (CMake target lutmpc_addon_cuda), large async
// kernels go to the GPU instead (cuda_route.h); without it (binding.gyp) the
// addon is the CPU core only.
#include <napi.h>

#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "args.h"
#include "lutmpc/aes.h"
#include "lutmpc/cpu.h"
#include "lutmpc/gather.h"
#include "lutmpc/gemm.h"
#include "lutmpc/memory.h"
#include "lutmpc/ring.h"
#include "lutmpc/threads.h"
#include "worker.h"
#ifdef LUTMPC_WITH_CUDA
#include "cuda_route.h"
#endif

namespace lutmpc_addon {
namespace {

using lutmpc::BinOp;
using lutmpc::ShiftOp;
using lutmpc::UnOp;

// Bumped whenever the JS-facing signatures change; src/kernels/native.ts checks it.
constexpr int kAbiVersion = 4;

// Below these sizes an "async" kernel runs inline and returns a settled Promise
// (a few tens of microseconds at most; a worker round trip costs about as much).
constexpr std::size_t kInlineMacs = std::size_t{1} << 21;
constexpr std::size_t kInlineElems = std::size_t{1} << 16;
constexpr std::size_t kInlineBytes = std::size_t{1} << 16;
// Per-element table reads are memory-latency bound (one cold cache line, often a
// page walk, per element: 10-200 ns), so only tiny ones stay on the JS thread.
constexpr std::size_t kInlinePerElement = std::size_t{1} << 12;

bool small_gemm(std::size_t mk, std::size_t kn, std::size_t mn, std::size_t n) {
  return mk <= kInlineElems && kn <= kInlineElems && mn <= kInlineElems && mk * n <= kInlineMacs;
}

// binary(op, l, a, b, out?) -> out
Napi::Value Binary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string opn = op_name(info[0]);
  const std::string fn = "binary(" + opn + ")";
  BinOp op;
  if (opn == "add") op = BinOp::Add;
  else if (opn == "sub") op = BinOp::Sub;
  else if (opn == "mul") op = BinOp::Mul;
  else if (opn == "and") op = BinOp::And;
  else if (opn == "or") op = BinOp::Or;
  else if (opn == "xor") op = BinOp::Xor;
  else range_error(env, fn + ": unknown op '" + opn + "'");
  const int l = ring_bits(env, info[1], fn, false);
  View a = ring_array(env, info[2], fn, "a", l);
  View b = ring_array(env, info[3], fn, "b", l);
  need_length(env, b, a.length, fn, "b", "a.length");
  View o = out_array(env, info[4], fn, l, a.length, "a.length");
  lutmpc::ring_binary(op, l, a.data, b.data, o.data, a.length);
  return o.object;
}

// unary(op, l, a, out?) -> out
Napi::Value Unary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string opn = op_name(info[0]);
  const std::string fn = "unary(" + opn + ")";
  UnOp op;
  if (opn == "neg") op = UnOp::Neg;
  else if (opn == "not") op = UnOp::Not;
  else range_error(env, fn + ": unknown op '" + opn + "'");
  const int l = ring_bits(env, info[1], fn, false);
  View a = ring_array(env, info[2], fn, "a", l);
  View o = out_array(env, info[3], fn, l, a.length, "a.length");
  lutmpc::ring_unary(op, l, a.data, o.data, a.length);
  return o.object;
}

// mulScalar(l, a, s: bigint, out?) -> out
Napi::Value MulScalar(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string fn = "mulScalar";
  const int l = ring_bits(env, info[0], fn, false);
  View a = ring_array(env, info[1], fn, "a", l);
  if (!info[2].IsBigInt()) type_error(env, fn + ": argument 's' must be a bigint, got " + describe(info[2]));
  // Reduce s mod 2^64 (two's complement for negative values); mod 2^l follows in the core.
  Napi::BigInt s = info[2].As<Napi::BigInt>();
  int sign = 0;
  std::size_t words = s.WordCount();
  std::uint64_t low = 0;
  if (words > 0) {
    std::vector<std::uint64_t> w(words);
    s.ToWords(&sign, &words, w.data());
    low = w[0];
  }
  if (sign) low = 0 - low;
  View o = out_array(env, info[3], fn, l, a.length, "a.length");
  lutmpc::ring_mul_scalar(l, a.data, low, o.data, a.length);
  return o.object;
}

// shift(op, l, a, k, out?) -> out
Napi::Value Shift(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string opn = op_name(info[0]);
  const std::string fn = "shift(" + opn + ")";
  ShiftOp op;
  if (opn == "shl") op = ShiftOp::Shl;
  else if (opn == "shr") op = ShiftOp::Shr;
  else if (opn == "sar") op = ShiftOp::Sar;
  else range_error(env, fn + ": unknown op '" + opn + "'");
  const int l = ring_bits(env, info[1], fn, false);
  View a = ring_array(env, info[2], fn, "a", l);
  const double k = info[3].IsNumber() ? info[3].As<Napi::Number>().DoubleValue() : -1;
  if (!info[3].IsNumber() || !(k >= 0) || k >= l || k != static_cast<double>(static_cast<int>(k))) {
    std::string s = info[3].IsNumber() ? info[3].ToString().Utf8Value() : describe(info[3]);
    range_error(env, fn + ": shift count k=" + s + " is out of range for Z_2^" + std::to_string(l) + " (0 <= k < " + std::to_string(l) + ")");
  }
  View o = out_array(env, info[4], fn, l, a.length, "a.length");
  lutmpc::ring_shift(op, l, a.data, static_cast<unsigned>(k), o.data, a.length);
  return o.object;
}

// gemm(l, a, b, m, k, n, out?) -> Promise<out>
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string fn = "gemm";
  const int l = ring_bits(env, info[0], fn, true);
  const std::size_t m = dim(env, info[3], fn, "m"), k = dim(env, info[4], fn, "k"), n = dim(env, info[5], fn, "n");
  const std::size_t mk = checked_mul(env, m, k, fn, "m*k"), kn = checked_mul(env, k, n, fn, "k*n"),
                    mn = checked_mul(env, m, n, fn, "m*n");
  View a = ring_array(env, info[1], fn, "a", l);
  need_length(env, a, mk, fn, "a", "m*k");
  View b = ring_array(env, info[2], fn, "b", l);
  need_length(env, b, kn, fn, "b", "k*n");
  View o = out_array(env, info[6], fn, l, mn, "m*n");
  void *pa = a.data, *pb = b.data, *po = o.data;
#ifdef LUTMPC_WITH_CUDA
  if (cuda::gemm_on_gpu(mk, n))
    return KernelWorker::run(env, "lutmpc.gemm", [=] { cuda::check(lutmpc_cuda_gemm(l, pa, pb, po, m, k, n), "gemm"); },
                             {a.object, b.object, o.object}, o.object);
#endif
  auto work = l == 32 ? std::function<void()>([=] {
    lutmpc::gemm_u32(static_cast<const std::uint32_t*>(pa), static_cast<const std::uint32_t*>(pb), static_cast<std::uint32_t*>(po), m, k, n);
  })
                      : std::function<void()>([=] {
    lutmpc::gemm_u64(static_cast<const std::uint64_t*>(pa), static_cast<const std::uint64_t*>(pb), static_cast<std::uint64_t*>(po), m, k, n);
  });
  return KernelWorker::run(env, "lutmpc.gemm", work, {a.object, b.object, o.object}, o.object, small_gemm(mk, kn, mn, n));
}

// gemmPm1(l, x, bPacked, m, k, n, out?) -> Promise<out>
Napi::Value GemmPm1(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string fn = "gemmPm1";
  const int l = ring_bits(env, info[0], fn, true);
  const std::size_t m = dim(env, info[3], fn, "m"), k = dim(env, info[4], fn, "k"), n = dim(env, info[5], fn, "n");
  const std::size_t words = (k + 63) / 64;
  const std::size_t mk = checked_mul(env, m, k, fn, "m*k"), nw = checked_mul(env, n, words, fn, "n*ceil(k/64)"),
                    mn = checked_mul(env, m, n, fn, "m*n");
  View x = ring_array(env, info[1], fn, "x", l);
  need_length(env, x, mk, fn, "x", "m*k");
  View bp = ring_array(env, info[2], fn, "bPacked", 64);
  need_length(env, bp, nw, fn, "bPacked", "n*ceil(k/64)");
  View o = out_array(env, info[6], fn, l, mn, "m*n");
  void *px = x.data, *pb = bp.data, *po = o.data;
#ifdef LUTMPC_WITH_CUDA
  if (cuda::gemm_on_gpu(mk, n))
    return KernelWorker::run(env, "lutmpc.gemmPm1", [=] {
      cuda::check(lutmpc_cuda_gemm_pm1(l, px, static_cast<const std::uint64_t*>(pb), po, m, k, n), "gemmPm1");
    }, {x.object, bp.object, o.object}, o.object);
#endif
  auto work = l == 32 ? std::function<void()>([=] {
    lutmpc::gemm_pm1_u32(static_cast<const std::uint32_t*>(px), static_cast<const std::uint64_t*>(pb), static_cast<std::uint32_t*>(po), m, k, n);
  })
                      : std::function<void()>([=] {
    lutmpc::gemm_pm1_u64(static_cast<const std::uint64_t*>(px), static_cast<const std::uint64_t*>(pb), static_cast<std::uint64_t*>(po), m, k, n);
  });
  return KernelWorker::run(env, "lutmpc.gemmPm1", work, {x.object, bp.object, o.object}, o.object, small_gemm(mk, nw, mn, n));
}

// rowGemm(l, a, b, m, k, n, out?) -> Promise<out>: out[i] = a[i] · B_i, B_i = b[i·k·n …] (k×n)
Napi::Value RowGemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string fn = "rowGemm";
  const int l = ring_bits(env, info[0], fn, true);
  const std::size_t m = dim(env, info[3], fn, "m"), k = dim(env, info[4], fn, "k"), n = dim(env, info[5], fn, "n");
  const std::size_t mk = checked_mul(env, m, k, fn, "m*k"), mn = checked_mul(env, m, n, fn, "m*n"),
                    mkn = checked_mul(env, mk, n, fn, "m*k*n");
  View a = ring_array(env, info[1], fn, "a", l);
  need_length(env, a, mk, fn, "a", "m*k");
  View b = ring_array(env, info[2], fn, "b", l);
  need_length(env, b, mkn, fn, "b", "m*k*n");
  View o = out_array(env, info[6], fn, l, mn, "m*n");
  void *pa = a.data, *pb = b.data, *po = o.data;
  const std::size_t eb = static_cast<std::size_t>(l / 8);
  auto overlaps = [&](const void* x, std::size_t xn) {
    const char *p = static_cast<const char*>(po), *q = static_cast<const char*>(x);
    return p < q + xn * eb && q < p + mn * eb;
  };
  if (overlaps(pa, mk) || overlaps(pb, mkn)) {
    Napi::RangeError::New(env, fn + ": out must not overlap a or b").ThrowAsJavaScriptException();
    return env.Null();
  }
  auto work = l == 32 ? std::function<void()>([=] {
    lutmpc::row_gemm_u32(static_cast<const std::uint32_t*>(pa), static_cast<const std::uint32_t*>(pb), static_cast<std::uint32_t*>(po), m, k, n);
  })
                      : std::function<void()>([=] {
    lutmpc::row_gemm_u64(static_cast<const std::uint64_t*>(pa), static_cast<const std::uint64_t*>(pb), static_cast<std::uint64_t*>(po), m, k, n);
  });
  return KernelWorker::run(env, "lutmpc.rowGemm", work, {a.object, b.object, o.object}, o.object, small_gemm(mk, mk, mn, n));
}

int table_ring(napi_typedarray_type t) {
  switch (t) {
    case napi_uint8_array: return 8;
    case napi_uint16_array: return 16;
    case napi_uint32_array: return 32;
    case napi_biguint64_array: return 64;
    default: return 0;
  }
}

// gatherShared(table, bits, idx, out?) / gatherPerElement(tables, bits, idx, out?) -> Promise<out>
// Table index width: an integer 1 <= bits <= kGatherMaxBits.
unsigned index_bits(Napi::Env env, const Napi::Value& v, const std::string& fn) {
  const double bd = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!v.IsNumber() || !(bd >= 1) || bd > lutmpc::kGatherMaxBits || bd != static_cast<double>(static_cast<int>(bd))) {
    std::string s = v.IsNumber() ? v.ToString().Utf8Value() : describe(v);
    range_error(env, fn + ": table index width bits=" + s + " is out of range (1 <= bits <= " + std::to_string(lutmpc::kGatherMaxBits) + ")");
  }
  return static_cast<unsigned>(bd);
}

// Indices: any unsigned ring array (only the low `bits` bits are used).
View index_array(Napi::Env env, const Napi::Value& v, const std::string& fn) {
  if (!v.IsTypedArray() || !table_ring(v.As<Napi::TypedArray>().TypedArrayType()))
    type_error(env, fn + ": argument 'idx' must be a Uint8Array, Uint16Array, Uint32Array or BigUint64Array, got " + describe(v));
  return typed(env, v, fn, "idx");
}

Napi::Value Gather(const Napi::CallbackInfo& info, bool perElement) {
  Napi::Env env = info.Env();
  const std::string fn = perElement ? "gatherPerElement" : "gatherShared";
  const char* tname = perElement ? "tables" : "table";
  const std::string anyRing = "a Uint8Array, Uint16Array, Uint32Array or BigUint64Array";
  int l = info[0].IsTypedArray() ? table_ring(info[0].As<Napi::TypedArray>().TypedArrayType()) : 0;
  if (!l) type_error(env, fn + ": argument '" + tname + "' must be " + anyRing + ", got " + describe(info[0]));
  View table = typed(env, info[0], fn, tname);
  const unsigned bits = index_bits(env, info[1], fn);
  View idx = index_array(env, info[2], fn);
  const std::size_t size = std::size_t{1} << bits;
  if (perElement) need_length(env, table, checked_mul(env, idx.length, size, fn, "idx.length*2^bits"), fn, tname, "idx.length*2^bits");
  else need_length(env, table, size, fn, tname, "2^bits");
  View o = out_array(env, info[3], fn, l, idx.length, "idx.length");
  const void *pt = table.data, *pi = idx.data;
  void* po = o.data;
  const std::size_t eb = table.elemBytes, ib = idx.elemBytes, n = idx.length;
#ifdef LUTMPC_WITH_CUDA
  if (cuda::gather_on_gpu(n, perElement)) {
    const int tl = cuda::ring_of_bytes(eb), il = cuda::ring_of_bytes(ib);
    std::function<void()> gpu =
        perElement ? std::function<void()>([=] {
          cuda::check(lutmpc_cuda_gather_per_element(tl, pt, bits, il, pi, po, n), "gatherPerElement");
        })
                   : std::function<void()>([=] { cuda::check(lutmpc_cuda_gather_shared(tl, pt, bits, il, pi, po, n), "gatherShared"); });
    return KernelWorker::run(env, perElement ? "lutmpc.gatherPerElement" : "lutmpc.gatherShared", gpu,
                             {table.object, idx.object, o.object}, o.object);
  }
#endif
  std::function<void()> work = perElement ? std::function<void()>([=] { lutmpc::gather_per_element(eb, pt, bits, ib, pi, po, n); })
                                          : std::function<void()>([=] { lutmpc::gather_shared(eb, pt, bits, ib, pi, po, n); });
  return KernelWorker::run(env, perElement ? "lutmpc.gatherPerElement" : "lutmpc.gatherShared", work,
                           {table.object, idx.object, o.object}, o.object, n <= (perElement ? kInlinePerElement : kInlineElems));
}
Napi::Value GatherShared(const Napi::CallbackInfo& info) { return Gather(info, false); }
Napi::Value GatherPerElement(const Napi::CallbackInfo& info) { return Gather(info, true); }

View bytes(Napi::Env env, const Napi::Value& v, const std::string& fn, const char* name) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    type_error(env, fn + ": argument '" + name + "' must be a Uint8Array, got " + describe(v));
  return typed(env, v, fn, name);
}

// Check arguments 0 and 1 (16-byte key and counter block) and copy them now:
// the caller may reuse its arrays as soon as the call returns.
void key_iv(Napi::Env env, const Napi::CallbackInfo& info, const std::string& fn, std::array<std::uint8_t, 16>& k,
            std::array<std::uint8_t, 16>& c) {
  View key = bytes(env, info[0], fn, "key");
  if (key.length != 16) range_error(env, fn + ": argument 'key' must be 16 bytes, got " + std::to_string(key.length));
  View iv = bytes(env, info[1], fn, "iv");
  if (iv.length != 16) range_error(env, fn + ": argument 'iv' must be 16 bytes, got " + std::to_string(iv.length));
  std::memcpy(k.data(), key.data, 16);
  std::memcpy(c.data(), iv.data, 16);
}

// prgFill(key, iv, out) -> Promise<out>
Napi::Value PrgFill(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string fn = "prgFill";
  std::array<std::uint8_t, 16> k, c;
  key_iv(env, info, fn, k, c);
  View out = bytes(env, info[2], fn, "out");
  std::uint8_t* po = static_cast<std::uint8_t*>(out.data);
  const std::size_t len = out.length;
#ifdef LUTMPC_WITH_CUDA
  if (cuda::prg_on_gpu(len))
    return KernelWorker::run(env, "lutmpc.prgFill", [=] { cuda::check(lutmpc_cuda_prg_fill(k.data(), c.data(), po, len), "prgFill"); },
                             {out.object}, out.object);
#endif
  return KernelWorker::run(env, "lutmpc.prgFill", [=] { lutmpc::aes128_ctr_keystream(k.data(), c.data(), po, len); }, {out.object},
                           out.object, len <= kInlineBytes);
}

// prgMix(key, iv, op, l, data) -> Promise<data>: data[i] = data[i] − ks[i] (op 'sub') or data[i] ⊕ ks[i]
// ('xor') in place, with ks the AES-CTR keystream (key, iv) read as an array of Z_2^l (l in 8/16/32/64).
Napi::Value PrgMix(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string opn = op_name(info[2]);
  const std::string fn = "prgMix(" + opn + ")";
  std::array<std::uint8_t, 16> k, c;
  key_iv(env, info, fn, k, c);
  if (opn != "sub" && opn != "xor") range_error(env, fn + ": op must be 'sub' or 'xor'");
  const int l = ring_bits(env, info[3], fn, false);
  if (l == 1) range_error(env, fn + ": ring Z_2^1 has no byte-element keystream layout (use l = 8, 16, 32 or 64)");
  View d = ring_array(env, info[4], fn, "data", l);
  std::uint8_t* pd = static_cast<std::uint8_t*>(d.data);
  const std::size_t eb = d.elemBytes, len = d.length * d.elemBytes;
  const bool x = opn == "xor";
  return KernelWorker::run(env, "lutmpc.prgMix", [=] { lutmpc::aes128_ctr_mix(k.data(), c.data(), eb, x, pd, len); }, {d.object},
                           d.object, len <= kInlineBytes);
}

// prgGather(key, iv, l, bits, idx, out?) -> Promise<out>: out[i] = element (i << bits) + (idx[i] mod 2^bits)
// of the AES-CTR keystream (key, iv) read as an array of Z_2^l (l in 8/16/32/64).
Napi::Value PrgGather(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string fn = "prgGather";
  std::array<std::uint8_t, 16> k, c;
  key_iv(env, info, fn, k, c);
  const int l = ring_bits(env, info[2], fn, false);
  if (l == 1) range_error(env, fn + ": ring Z_2^1 has no byte-element keystream layout (use l = 8, 16, 32 or 64)");
  const unsigned bits = index_bits(env, info[3], fn);
  View idx = index_array(env, info[4], fn);
  View o = out_array(env, info[5], fn, l, idx.length, "idx.length");
  const void* pi = idx.data;
  void* po = o.data;
  const std::size_t eb = o.elemBytes, ib = idx.elemBytes, n = idx.length;
  return KernelWorker::run(env, "lutmpc.prgGather", [=] { lutmpc::aes128_ctr_gather(k.data(), c.data(), eb, bits, ib, pi, po, n); },
                           {idx.object, o.object}, o.object, n <= kInlinePerElement);
}

// Arguments (after the table source) of the borrow-chain link reads:
// byteBits, m (Uint32Array), off, c, u (packed Uint8Array or null), out?.
struct LinkArgs {
  unsigned byteBits, off, c;
  const std::uint32_t* m;
  const std::uint8_t* u;
  std::uint8_t* out;
  std::size_t n;
  std::vector<Napi::Object> keep;
  Napi::Object result;
};

unsigned small_uint(Napi::Env env, const Napi::Value& v, const std::string& fn, const char* name, unsigned lo, unsigned hi) {
  const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!v.IsNumber() || !(d >= lo) || d > hi || d != static_cast<double>(static_cast<unsigned>(d))) {
    std::string got = v.IsNumber() ? v.ToString().Utf8Value() : describe(v);
    range_error(env, fn + ": argument '" + name + "'=" + got + " must be an integer in " + std::to_string(lo) + "…" + std::to_string(hi));
  }
  return static_cast<unsigned>(d);
}

LinkArgs link_args(Napi::Env env, const Napi::CallbackInfo& info, std::size_t at, const std::string& fn) {
  LinkArgs a;
  a.byteBits = small_uint(env, info[at], fn, "byteBits", 0, lutmpc::kGatherMaxBits);
  View m = ring_array(env, info[at + 1], fn, "m", 32);
  a.n = m.length;
  a.m = static_cast<const std::uint32_t*>(m.data);
  a.off = small_uint(env, info[at + 2], fn, "off", 0, 63);
  a.c = small_uint(env, info[at + 3], fn, "c", 1, 16);
  const std::size_t packed = (a.n + 7) / 8;
  a.u = nullptr;
  a.keep.push_back(m.object);
  if (!info[at + 4].IsNull() && !info[at + 4].IsUndefined()) {
    View u = bytes(env, info[at + 4], fn, "u");
    if (u.length < packed) range_error(env, fn + ": argument 'u' must hold ceil(m.length/8) = " + std::to_string(packed) + " bytes, got " + std::to_string(u.length));
    a.u = static_cast<const std::uint8_t*>(u.data);
    a.keep.push_back(u.object);
  }
  View o = out_array(env, info[at + 5], fn, 8, packed, "ceil(m.length/8)");
  a.out = static_cast<std::uint8_t*>(o.data);
  a.keep.push_back(o.object);
  a.result = o.object;
  return a;
}

// bitLinkGather(tables, byteBits, m, off, c, u, out?) -> Promise<out>: one borrow-chain link
// read on stored packed bit tables (lutmpc::bit_link_gather).
Napi::Value BitLinkGather(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string fn = "bitLinkGather";
  View t = bytes(env, info[0], fn, "tables");
  LinkArgs a = link_args(env, info, 1, fn);
  need_length(env, t, a.n << a.byteBits, fn, "tables", "m.length·2^byteBits");
  const std::uint8_t* pt = static_cast<const std::uint8_t*>(t.data);
  a.keep.push_back(t.object);
  const unsigned bb = a.byteBits, off = a.off, c = a.c;
  const std::uint32_t* pm = a.m;
  const std::uint8_t* pu = a.u;
  std::uint8_t* po = a.out;
  const std::size_t n = a.n;
  return KernelWorker::run(env, "lutmpc.bitLinkGather", [=] { lutmpc::bit_link_gather(pt, bb, pm, n, off, c, pu, po); }, a.keep, a.result,
                           n <= kInlinePerElement);
}

// prgBitLinkGather(key, iv, byteBits, m, off, c, u, out?) -> Promise<out>: the same read with the
// AES-CTR keystream (key, iv) as the tables (lutmpc::aes128_ctr_bit_link_gather).
Napi::Value PrgBitLinkGather(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string fn = "prgBitLinkGather";
  std::array<std::uint8_t, 16> k, iv;
  key_iv(env, info, fn, k, iv);
  LinkArgs a = link_args(env, info, 2, fn);
  const unsigned bb = a.byteBits, off = a.off, c = a.c;
  const std::uint32_t* pm = a.m;
  const std::uint8_t* pu = a.u;
  std::uint8_t* po = a.out;
  const std::size_t n = a.n;
  return KernelWorker::run(env, "lutmpc.prgBitLinkGather",
                           [=] { lutmpc::aes128_ctr_bit_link_gather(k.data(), iv.data(), bb, pm, n, off, c, pu, po); }, a.keep, a.result,
                           n <= kInlinePerElement);
}

// rotateTables(table, bits, rot, channels, blocks, pairShift, out?) -> Promise<out>: the dealer's
// per-element rotated tables (lutmpc::rotate_tables); out (rot.length·2^bits entries) is fully written.
Napi::Value RotateTables(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string fn = "rotateTables";
  const int l = info[0].IsTypedArray() ? table_ring(info[0].As<Napi::TypedArray>().TypedArrayType()) : 0;
  if (!l) type_error(env, fn + ": argument 'table' must be a Uint8Array, Uint16Array, Uint32Array or BigUint64Array, got " + describe(info[0]));
  View table = typed(env, info[0], fn, "table");
  const unsigned bits = small_uint(env, info[1], fn, "bits", 1, 16);
  View rot = ring_array(env, info[2], fn, "rot", 32);
  const unsigned channels = small_uint(env, info[3], fn, "channels", 1, 0x7fffffffu);
  if (!info[4].IsBoolean()) type_error(env, fn + ": argument 'blocks' must be a boolean, got " + describe(info[4]));
  const bool blocks = info[4].As<Napi::Boolean>().Value();
  const unsigned ps = small_uint(env, info[5], fn, "pairShift", 0, 1);
  const std::size_t n = rot.length, S = std::size_t{1} << bits;
  need_length(env, table, checked_mul(env, channels, S, fn, "channels*2^bits"), fn, "table", "channels*2^bits");
  if (((n >> ps) << ps) != n || (n >> ps) % channels != 0)
    range_error(env, fn + ": " + std::to_string(n) + " elements (in groups of " + std::to_string(1u << ps) + ") do not divide into " +
                         std::to_string(channels) + " table channels");
  View o = out_array(env, info[6], fn, l, checked_mul(env, n, S, fn, "rot.length*2^bits"), "rot.length*2^bits");
  const std::size_t eb = table.elemBytes;
  const auto tb = reinterpret_cast<std::uintptr_t>(table.data), ob = reinterpret_cast<std::uintptr_t>(o.data);
  if (n > 0 && tb < ob + n * S * eb && ob < tb + table.length * eb) range_error(env, fn + ": 'out' overlaps 'table'");
  const void* pt = table.data;
  const std::uint32_t* pr = static_cast<const std::uint32_t*>(rot.data);
  void* po = o.data;
  return KernelWorker::run(env, "lutmpc.rotateTables", [=] { lutmpc::rotate_tables(eb, pt, bits, channels, blocks, ps, pr, po, n); },
                           {table.object, rot.object, o.object}, o.object, n * S <= kInlineElems);
}

// adviseHugePages(view) -> bytes advised (sync; call on a fresh, untouched allocation)
Napi::Value AdviseHugePages(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string fn = "adviseHugePages";
  if (!info[0].IsTypedArray()) type_error(env, fn + ": argument 'view' must be a typed array, got " + describe(info[0]));
  Napi::TypedArray t = info[0].As<Napi::TypedArray>();
  auto* base = static_cast<std::uint8_t*>(t.ArrayBuffer().Data()) + t.ByteOffset();
  return Napi::Number::New(env, static_cast<double>(lutmpc::advise_huge_pages(base, t.ByteLength())));
}

Napi::Object InfoObject(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("abi", kAbiVersion);
  o.Set("simd", lutmpc::simd_name(lutmpc::simd_level()));
  o.Set("simdDetected", lutmpc::simd_name(lutmpc::detected_simd()));
  o.Set("aesni", lutmpc::aesni_enabled());
  o.Set("aesniDetected", lutmpc::detected_aesni());
  o.Set("aes", lutmpc::aes_impl_name());
  o.Set("threads", lutmpc::num_threads());
#ifdef LUTMPC_WITH_CUDA
  // Which engine runs large kernels: 'cuda' only when a device answers and routing is on.
  const int count = cuda::device_count();
  o.Set("backend", cuda::active() ? "cuda" : "cpu");
  o.Set("cudaBuilt", true);
  o.Set("cudaEnabled", cuda::enabled_flag().load());
  o.Set("cudaDeviceCount", count);
  cuda::Device d;
  std::string err;
  if (count > 0 && cuda::device_info(0, d, err)) {
    o.Set("device", d.name);
    o.Set("computeCapability", std::to_string(d.major) + "." + std::to_string(d.minor));
  } else {
    o.Set("device", env.Null());
    o.Set("computeCapability", env.Null());
  }
#endif
  return o;
}

Napi::Value Info(const Napi::CallbackInfo& info) { return InfoObject(info.Env()); }

// configure({ simd?: 'scalar'|'avx2'|'avx512', aesni?: boolean, threads?: number }) -> info
// Lowers the SIMD level (never above the CPU's), toggles AES-NI, resizes the
// pool; used by tests to exercise fallbacks and by benches.
Napi::Value Configure(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string fn = "configure";
  if (!info[0].IsObject()) type_error(env, fn + ": argument 'options' must be an object, got " + describe(info[0]));
  Napi::Object opt = info[0].As<Napi::Object>();
  if (opt.Has("simd") && !opt.Get("simd").IsUndefined()) {
    std::string s = op_name(opt.Get("simd"));
    if (s == "scalar") lutmpc::set_simd_level(lutmpc::SimdLevel::Scalar);
    else if (s == "avx2") lutmpc::set_simd_level(lutmpc::SimdLevel::Avx2);
    else if (s == "avx512") lutmpc::set_simd_level(lutmpc::SimdLevel::Avx512);
    else range_error(env, fn + ": option 'simd' must be 'scalar', 'avx2' or 'avx512', got " + s);
  }
  if (opt.Has("aesni") && !opt.Get("aesni").IsUndefined()) {
    if (!opt.Get("aesni").IsBoolean()) type_error(env, fn + ": option 'aesni' must be a boolean");
    lutmpc::set_aesni(opt.Get("aesni").As<Napi::Boolean>().Value());
  }
  if (opt.Has("threads") && !opt.Get("threads").IsUndefined()) {
    std::size_t t = dim(env, opt.Get("threads"), fn, "threads");
    if (t < 1 || t > 1024) range_error(env, fn + ": option 'threads' must be between 1 and 1024");
    lutmpc::set_num_threads(static_cast<unsigned>(t));
  }
#ifdef LUTMPC_WITH_CUDA
  if (opt.Has("cuda") && !opt.Get("cuda").IsUndefined()) {
    if (!opt.Get("cuda").IsBoolean()) type_error(env, fn + ": option 'cuda' must be a boolean");
    cuda::enabled_flag().store(opt.Get("cuda").As<Napi::Boolean>().Value());
  }
#endif
  return InfoObject(env);
}

#ifdef LUTMPC_WITH_CUDA
// cudaDeviceCount() -> number of usable devices (0 without a driver or GPU; never throws)
Napi::Value CudaDeviceCount(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), lutmpc_cuda_device_count()); }

// cudaDeviceInfo(device = 0) -> { index, name, major, minor, computeCapability }
Napi::Value CudaDeviceInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string fn = "cudaDeviceInfo";
  int device = 0;
  if (!info[0].IsUndefined()) {
    const std::size_t d = dim(env, info[0], fn, "device");
    if (d > 1024) range_error(env, fn + ": device index " + std::to_string(d) + " is out of range");
    device = static_cast<int>(d);
  }
  cuda::Device d;
  std::string err;
  if (!cuda::device_info(device, d, err)) throw Napi::Error::New(env, fn + ": " + err);
  Napi::Object o = Napi::Object::New(env);
  o.Set("index", device);
  o.Set("name", d.name);
  o.Set("major", d.major);
  o.Set("minor", d.minor);
  o.Set("computeCapability", std::to_string(d.major) + "." + std::to_string(d.minor));
  return o;
}
#endif

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("binary", Napi::Function::New(env, Binary, "binary"));
  exports.Set("unary", Napi::Function::New(env, Unary, "unary"));
  exports.Set("mulScalar", Napi::Function::New(env, MulScalar, "mulScalar"));
  exports.Set("shift", Napi::Function::New(env, Shift, "shift"));
  exports.Set("gemm", Napi::Function::New(env, Gemm, "gemm"));
  exports.Set("gemmPm1", Napi::Function::New(env, GemmPm1, "gemmPm1"));
  exports.Set("rowGemm", Napi::Function::New(env, RowGemm, "rowGemm"));
  exports.Set("gatherShared", Napi::Function::New(env, GatherShared, "gatherShared"));
  exports.Set("gatherPerElement", Napi::Function::New(env, GatherPerElement, "gatherPerElement"));
  exports.Set("rotateTables", Napi::Function::New(env, RotateTables, "rotateTables"));
  exports.Set("prgFill", Napi::Function::New(env, PrgFill, "prgFill"));
  exports.Set("prgGather", Napi::Function::New(env, PrgGather, "prgGather"));
  exports.Set("prgMix", Napi::Function::New(env, PrgMix, "prgMix"));
  exports.Set("bitLinkGather", Napi::Function::New(env, BitLinkGather, "bitLinkGather"));
  exports.Set("prgBitLinkGather", Napi::Function::New(env, PrgBitLinkGather, "prgBitLinkGather"));
  exports.Set("adviseHugePages", Napi::Function::New(env, AdviseHugePages, "adviseHugePages"));
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  exports.Set("configure", Napi::Function::New(env, Configure, "configure"));
  exports.Set("abi", kAbiVersion);
#ifdef LUTMPC_WITH_CUDA
  exports.Set("cudaDeviceCount", Napi::Function::New(env, CudaDeviceCount, "cudaDeviceCount"));
  exports.Set("cudaDeviceInfo", Napi::Function::New(env, CudaDeviceInfo, "cudaDeviceInfo"));
#endif
  return exports;
}

}  // namespace
}  // namespace lutmpc_addon

static Napi::Object InitLutmpc(Napi::Env env, Napi::Object exports) { return lutmpc_addon::Init(env, exports); }

NODE_API_MODULE(lutmpc, InitLutmpc)
