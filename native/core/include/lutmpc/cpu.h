// CPU feature detection and the runtime SIMD dispatch level.
// Why: the binary is built for baseline x86-64 (no -march=native) so one
// build runs everywhere; kernels pick AVX-512 / AVX2 / portable code here.
#pragma once
#include <cstdint>

namespace lutmpc {

enum class SimdLevel : int { Scalar = 0, Avx2 = 1, Avx512 = 2 };

/** Best level this CPU (and OS) supports. */
SimdLevel detected_simd();
/** Level the kernels use now (detected, lowered by env LUTMPC_SIMD or set_simd_level). */
SimdLevel simd_level();
/** Lower (never raise above detected) the level; used by tests to exercise fallbacks. */
void set_simd_level(SimdLevel level);
const char* simd_name(SimdLevel level);

/** AES-NI present on this CPU. */
bool detected_aesni();
/** VAES (AES on 512-bit vectors) present, with AVX-512F. */
bool detected_vaes();
/** Whether the PRG uses AES-NI now (detected, and not disabled by env LUTMPC_AESNI=0 or set_aesni). */
bool aesni_enabled();
void set_aesni(bool on);

}  // namespace lutmpc
