// Runtime CPU feature detection (cpuid + xgetbv via compiler builtins).
#include "lutmpc/cpu.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace lutmpc {
namespace {

SimdLevel detect() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
    return SimdLevel::Avx512;
  if (__builtin_cpu_supports("avx2")) return SimdLevel::Avx2;
#endif
  return SimdLevel::Scalar;
}

SimdLevel from_env(SimdLevel det) {
  const char* e = std::getenv("LUTMPC_SIMD");
  if (!e) return det;
  SimdLevel want = det;
  if (!std::strcmp(e, "scalar")) want = SimdLevel::Scalar;
  else if (!std::strcmp(e, "avx2")) want = SimdLevel::Avx2;
  else if (!std::strcmp(e, "avx512")) want = SimdLevel::Avx512;
  return static_cast<int>(want) < static_cast<int>(det) ? want : det;
}

bool detect_aes() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("aes") && __builtin_cpu_supports("sse4.1");
#else
  return false;
#endif
}

bool detect_vaes() {
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11
  __builtin_cpu_init();
  return detect_aes() && __builtin_cpu_supports("vaes") && __builtin_cpu_supports("avx512f");
#else
  return false;
#endif
}

std::atomic<int> g_level{-1};
std::atomic<int> g_aes{-1};

}  // namespace

SimdLevel detected_simd() {
  static const SimdLevel d = detect();
  return d;
}

SimdLevel simd_level() {
  int v = g_level.load(std::memory_order_relaxed);
  if (v < 0) {
    v = static_cast<int>(from_env(detected_simd()));
    g_level.store(v, std::memory_order_relaxed);
  }
  return static_cast<SimdLevel>(v);
}

void set_simd_level(SimdLevel level) {
  int det = static_cast<int>(detected_simd());
  int want = static_cast<int>(level);
  g_level.store(want < det ? want : det, std::memory_order_relaxed);
}

const char* simd_name(SimdLevel level) {
  switch (level) {
    case SimdLevel::Avx512: return "avx512";
    case SimdLevel::Avx2: return "avx2";
    default: return "scalar";
  }
}

bool detected_aesni() {
  static const bool d = detect_aes();
  return d;
}

bool detected_vaes() {
  static const bool d = detect_vaes();
  return d;
}

bool aesni_enabled() {
  int v = g_aes.load(std::memory_order_relaxed);
  if (v < 0) {
    const char* e = std::getenv("LUTMPC_AESNI");
    bool off = e && (!std::strcmp(e, "0") || !std::strcmp(e, "off"));
    v = (detected_aesni() && !off) ? 1 : 0;
    g_aes.store(v, std::memory_order_relaxed);
  }
  return v == 1;
}

void set_aesni(bool on) { g_aes.store(on && detected_aesni() ? 1 : 0, std::memory_order_relaxed); }

}  // namespace lutmpc
