// Argument checks for the addon: every JS value is validated before any
// pointer reaches the core, so bad input throws TypeError / RangeError
// naming the function and argument instead of crashing the process.
#pragma once
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <string>

namespace lutmpc_addon {

/** A validated typed array view (data may be null when length is 0). */
struct View {
  napi_typedarray_type type = napi_uint8_array;
  void* data = nullptr;
  std::size_t length = 0;
  std::size_t elemBytes = 1;
  Napi::Object object;
};

inline const char* typed_name(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array: return "Int8Array";
    case napi_uint8_array: return "Uint8Array";
    case napi_uint8_clamped_array: return "Uint8ClampedArray";
    case napi_int16_array: return "Int16Array";
    case napi_uint16_array: return "Uint16Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_float32_array: return "Float32Array";
    case napi_float64_array: return "Float64Array";
    case napi_bigint64_array: return "BigInt64Array";
    case napi_biguint64_array: return "BigUint64Array";
    default: return "TypedArray";
  }
}

inline std::size_t typed_bytes(napi_typedarray_type t) {
  switch (t) {
    case napi_int16_array: case napi_uint16_array: return 2;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: return 4;
    case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: return 8;
    default: return 1;
  }
}

/** Short description of any JS value for messages ("Uint8Array of length 3", "number", "undefined"). */
inline std::string describe(const Napi::Value& v) {
  if (v.IsTypedArray()) {
    Napi::TypedArray ta = v.As<Napi::TypedArray>();
    return std::string(typed_name(ta.TypedArrayType())) + " of length " + std::to_string(ta.ElementLength());
  }
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsNumber()) return "number";
  if (v.IsBigInt()) return "bigint";
  if (v.IsString()) return "string";
  if (v.IsBoolean()) return "boolean";
  if (v.IsArray()) return "Array";
  if (v.IsArrayBuffer()) return "ArrayBuffer";
  if (v.IsFunction()) return "function";
  return "object";
}

[[noreturn]] inline void type_error(Napi::Env env, const std::string& msg) { throw Napi::TypeError::New(env, msg); }
[[noreturn]] inline void range_error(Napi::Env env, const std::string& msg) { throw Napi::RangeError::New(env, msg); }

/** Any typed array; TypeError otherwise. */
inline View typed(Napi::Env env, const Napi::Value& v, const std::string& fn, const char* name) {
  if (!v.IsTypedArray()) type_error(env, fn + ": argument '" + name + "' must be a typed array, got " + describe(v));
  View r;
  r.object = v.As<Napi::Object>();
  napi_value ab;
  std::size_t off = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(env, v, &r.type, &r.length, &data, &ab, &off) != napi_ok)
    type_error(env, fn + ": argument '" + name + "' could not be read as a typed array");
  r.data = data;
  r.elemBytes = typed_bytes(r.type);
  if (r.length > 0 && data == nullptr) type_error(env, fn + ": argument '" + name + "' has a detached buffer");
  if (data && reinterpret_cast<std::uintptr_t>(data) % r.elemBytes != 0)
    range_error(env, fn + ": argument '" + name + "' is not aligned to its element size");
  return r;
}

/** The storage type of ring l: Uint8Array (l = 1, 8), Uint16Array, Uint32Array, BigUint64Array. */
inline napi_typedarray_type ring_type(int l) {
  return l == 64 ? napi_biguint64_array : l == 32 ? napi_uint32_array : l == 16 ? napi_uint16_array : napi_uint8_array;
}

inline View ring_array(Napi::Env env, const Napi::Value& v, const std::string& fn, const char* name, int l) {
  const napi_typedarray_type want = ring_type(l);
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != want)
    type_error(env, fn + ": argument '" + name + "' must be a " + typed_name(want) + " for ring Z_2^" + std::to_string(l) +
                        ", got " + describe(v));
  return typed(env, v, fn, name);
}

/** Exact length check; `what` explains the required length (e.g. "k*n"). */
inline void need_length(Napi::Env env, const View& a, std::size_t want, const std::string& fn, const char* name, const std::string& what) {
  if (a.length != want)
    range_error(env, fn + ": argument '" + name + "' must be a " + typed_name(a.type) + " of length " + what + " = " +
                         std::to_string(want) + ", got " + typed_name(a.type) + " of length " + std::to_string(a.length));
}

inline int ring_bits(Napi::Env env, const Napi::Value& v, const std::string& fn, bool gemm_only) {
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  int l = static_cast<int>(d);
  bool ok = v.IsNumber() && d == l && (gemm_only ? (l == 32 || l == 64) : (l == 1 || l == 8 || l == 16 || l == 32 || l == 64));
  if (!ok) {
    std::string s = v.IsNumber() ? Napi::Value(v).ToString().Utf8Value() : describe(v);
    range_error(env, fn + ": ring width l=" + s + " is not supported (use one of " + (gemm_only ? "32, 64" : "1, 8, 16, 32, 64") + ")");
  }
  return l;
}

/** Non-negative safe integer dimension. */
inline std::size_t dim(Napi::Env env, const Napi::Value& v, const std::string& fn, const char* name) {
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!v.IsNumber() || !(d >= 0) || d != std::floor(d) || d > 9007199254740991.0) {
    std::string s = v.IsNumber() ? Napi::Value(v).ToString().Utf8Value() : describe(v);
    range_error(env, fn + ": dimension '" + name + "' must be a non-negative integer, got " + s);
  }
  return static_cast<std::size_t>(d);
}

/** a·b, RangeError if the element count is absurd (> 2^48). */
inline std::size_t checked_mul(Napi::Env env, std::size_t a, std::size_t b, const std::string& fn, const std::string& what) {
  if (a != 0 && b > (std::size_t{1} << 48) / a) range_error(env, fn + ": " + what + " is too large");
  return a * b;
}

inline std::string op_name(const Napi::Value& v) { return v.IsString() ? v.As<Napi::String>().Utf8Value() : describe(v); }

/** Allocate a zeroed ring array of n elements. */
inline Napi::Object alloc_ring(Napi::Env env, int l, std::size_t n) {
  switch (l) {
    case 64: return Napi::TypedArrayOf<uint64_t>::New(env, n, napi_biguint64_array);
    case 32: return Napi::Uint32Array::New(env, n);
    case 16: return Napi::Uint16Array::New(env, n);
    default: return Napi::Uint8Array::New(env, n);
  }
}

/** `out` argument: allocated when undefined/null, else checked for kind and exact length. */
inline View out_array(Napi::Env env, const Napi::Value& v, const std::string& fn, int l, std::size_t n, const std::string& what) {
  if (v.IsUndefined() || v.IsNull()) return typed(env, alloc_ring(env, l, n), fn, "out");
  View o = ring_array(env, v, fn, "out", l);
  need_length(env, o, n, fn, "out", what);
  return o;
}

}  // namespace lutmpc_addon
