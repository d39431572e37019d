// Public GEMM entry points: argument checks, engine choice, host copies.
// Engine: mod 2^32 runs on the IMMA limb-split kernel (gemm_imma.cu); mod 2^64
// on the register-tiled integer kernel (gemm_simt.cu). Environment variable
// LUTMPC_CUDA_GEMM=simt forces the integer kernel for mod 2^32 too (a second,
// independent path: the test runs both; a fallback should IMMA misbehave).
#include <cstdlib>
#include <cstring>

#include "gemm_internal.cuh"

namespace lutmpc_cuda {
namespace {

bool force_simt() {
  const char* e = std::getenv("LUTMPC_CUDA_GEMM");
  return e && std::strcmp(e, "simt") == 0;
}

int check_dims(int l, size_t m, size_t k, size_t n, const char* what) {
  if (l != 32 && l != 64) return fail(LUTMPC_CUDA_EINVAL, "%s: ring width l=%d must be 32 or 64", what, l);
  const size_t lim = size_t(1) << 31;
  if (m >= lim || k >= lim || n >= lim)
    return fail(LUTMPC_CUDA_EINVAL, "%s: dimensions m=%zu k=%zu n=%zu must each be < 2^31", what, m, k, n);
  if ((m + 63) / 64 > 65535) return fail(LUTMPC_CUDA_EINVAL, "%s: m=%zu exceeds 4194240 rows", what, m);
  size_t t = 0;
  LUTMPC_TRY(checked_mul(m, k, &t, what));
  LUTMPC_TRY(checked_mul(k, n, &t, what));
  LUTMPC_TRY(checked_mul(m, n, &t, what));
  return LUTMPC_CUDA_OK;
}

int gemm_dev(int l, const void* a, const void* b, void* c, size_t m, size_t k, size_t n, cudaStream_t st) {
  LUTMPC_TRY(check_dims(l, m, k, n, "gemm"));
  if (l == 64)
    return simt_gemm_u64(static_cast<const uint64_t*>(a), static_cast<const uint64_t*>(b), static_cast<uint64_t*>(c),
                         m, k, n, st);
  if (force_simt())
    return simt_gemm_u32(static_cast<const uint32_t*>(a), static_cast<const uint32_t*>(b), static_cast<uint32_t*>(c),
                         m, k, n, st);
  return imma_gemm_u32(false, static_cast<const uint32_t*>(a), b, static_cast<uint32_t*>(c), m, k, n, st);
}

int pm1_dev(int l, const void* x, const uint64_t* bp, void* c, size_t m, size_t k, size_t n, cudaStream_t st) {
  LUTMPC_TRY(check_dims(l, m, k, n, "gemm_pm1"));
  if (l == 64)
    return simt_pm1_u64(static_cast<const uint64_t*>(x), bp, static_cast<uint64_t*>(c), m, k, n, st);
  if (force_simt()) return simt_pm1_u32(static_cast<const uint32_t*>(x), bp, static_cast<uint32_t*>(c), m, k, n, st);
  return imma_gemm_u32(true, static_cast<const uint32_t*>(x), bp, static_cast<uint32_t*>(c), m, k, n, st);
}

}  // namespace
}  // namespace lutmpc_cuda

using namespace lutmpc_cuda;

extern "C" int lutmpc_cuda_gemm_dev(int l, const void* a, const void* b, void* c, size_t m, size_t k, size_t n,
                                    void* stream) {
  clear_error();
  return gemm_dev(l, a, b, c, m, k, n, as_stream(stream));
}

extern "C" int lutmpc_cuda_gemm_pm1_dev(int l, const void* x, const uint64_t* b_packed, void* c, size_t m, size_t k,
                                        size_t n, void* stream) {
  clear_error();
  return pm1_dev(l, x, b_packed, c, m, k, n, as_stream(stream));
}

extern "C" int lutmpc_cuda_gemm(int l, const void* a, const void* b, void* c, size_t m, size_t k, size_t n) {
  clear_error();
  LUTMPC_TRY(check_dims(l, m, k, n, "gemm"));
  LUTMPC_TRY(require_device());
  const size_t eb = size_t(l) / 8;
  cudaStream_t st = host_stream();
  DevBuf da, db, dc;
  LUTMPC_TRY(upload(da, a, m * k * eb, st, "gemm A"));
  LUTMPC_TRY(upload(db, b, k * n * eb, st, "gemm B"));
  LUTMPC_TRY(dc.alloc(m * n * eb, st, "gemm C"));
  LUTMPC_TRY(gemm_dev(l, da.get(), db.get(), dc.get(), m, k, n, st));
  return download_sync(c, dc, m * n * eb, st);
}

extern "C" int lutmpc_cuda_gemm_pm1(int l, const void* x, const uint64_t* b_packed, void* c, size_t m, size_t k,
                                    size_t n) {
  clear_error();
  LUTMPC_TRY(check_dims(l, m, k, n, "gemm_pm1"));
  LUTMPC_TRY(require_device());
  const size_t eb = size_t(l) / 8;
  const size_t words = n * ((k + 63) / 64);
  cudaStream_t st = host_stream();
  DevBuf dx, db, dc;
  LUTMPC_TRY(upload(dx, x, m * k * eb, st, "gemm_pm1 X"));
  LUTMPC_TRY(upload(db, b_packed, words * sizeof(uint64_t), st, "gemm_pm1 packed bits"));
  LUTMPC_TRY(dc.alloc(m * n * eb, st, "gemm_pm1 C"));
  LUTMPC_TRY(pm1_dev(l, dx.get(), db.as<uint64_t>(), dc.get(), m, k, n, st));
  return download_sync(c, dc, m * n * eb, st);
}
