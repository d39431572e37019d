// bench_cuda: throughput of the CUDA kernels on device-resident data
// (timed with CUDA events; GEMM times include the limb split and workspace),
// GEMM mod 2^32 at 128x768x3072 and 4096x768x3072 compared with the CPU and
// with cuBLAS fp32 SGEMM of the same shape, plus gather, PRG and element-wise
// bandwidth. Timing goals live here, never in test_cuda.
// Usage: bench_cuda [--quick]   (--quick: fewer repetitions, smaller CPU run)
// Exit 77 when no driver or device is present.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <cuda_runtime.h>
#ifdef LUTMPC_CUDA_WITH_CUBLAS
#include <cublas_v2.h>
#endif

#include "lutmpc_cuda.h"
#include "reference.h"

#ifdef LUTMPC_CUDA_WITH_CORE
#include "lutmpc/cpu.h"
#include "lutmpc/gemm.h"
#include "lutmpc/threads.h"
#endif

namespace {

bool g_quick = false;

#define BENCH_CK(x)                                                                       \
  do {                                                                                    \
    cudaError_t e_ = (x);                                                                 \
    if (e_ != cudaSuccess) {                                                              \
      std::fprintf(stderr, "%s:%d %s: %s\n", __FILE__, __LINE__, #x, cudaGetErrorString(e_)); \
      std::exit(1);                                                                       \
    }                                                                                     \
  } while (0)

void api_ck(int st, const char* what) {
  if (st != LUTMPC_CUDA_OK) {
    std::fprintf(stderr, "%s failed: %s: %s\n", what, lutmpc_cuda_status_string(st), lutmpc_cuda_last_error());
    std::exit(1);
  }
}

/** Device buffer of pseudo-random bytes (filled with the PRG kernel itself). */
void* dev_random(size_t bytes, uint8_t seed) {
  void* p = nullptr;
  BENCH_CK(cudaMalloc(&p, bytes ? bytes : 1));
  uint8_t key[16] = {seed}, iv[16] = {0};
  api_ck(lutmpc_cuda_prg_fill_dev(key, iv, static_cast<uint8_t*>(p), bytes, nullptr), "prg fill");
  BENCH_CK(cudaDeviceSynchronize());
  return p;
}

/** Mean milliseconds of fn() over reps runs after one warm-up, timed with events on the default stream. */
template <typename F>
double time_ms(int reps, F fn) {
  fn();
  BENCH_CK(cudaDeviceSynchronize());
  cudaEvent_t a, b;
  BENCH_CK(cudaEventCreate(&a));
  BENCH_CK(cudaEventCreate(&b));
  BENCH_CK(cudaEventRecord(a));
  for (int i = 0; i < reps; ++i) fn();
  BENCH_CK(cudaEventRecord(b));
  BENCH_CK(cudaEventSynchronize(b));
  float ms = 0;
  BENCH_CK(cudaEventElapsedTime(&ms, a, b));
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  return ms / reps;
}

void set_engine(const char* e) { setenv("LUTMPC_CUDA_GEMM", e, 1); }

/**
 * CPU rate in GMAC/s for GEMM mod 2^32 on m x k x n: the CPU core library
 * (all its threads, best SIMD level) when linked, else the single-thread
 * scalar reference loop. `label` receives which one.
 */
double cpu_gmacs(size_t m, size_t k, size_t n, std::string* label) {
  std::vector<uint32_t> a(m * k), b(k * n), c(m * n);
  for (size_t i = 0; i < a.size(); ++i) a[i] = uint32_t(i * 2654435761u);
  for (size_t i = 0; i < b.size(); ++i) b[i] = uint32_t(i * 40503u + 7);
#ifdef LUTMPC_CUDA_WITH_CORE
  lutmpc::gemm_u32(a.data(), b.data(), c.data(), m, k, n);  // warm-up: thread pool, packing buffers
  const int reps = g_quick ? 1 : 3;
  auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < reps; ++r) lutmpc::gemm_u32(a.data(), b.data(), c.data(), m, k, n);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / reps;
  *label = std::string("CPU core, ") + std::to_string(lutmpc::num_threads()) + " threads, " +
           lutmpc::simd_name(lutmpc::simd_level());
#else
  auto t0 = std::chrono::steady_clock::now();
  lutmpc_ref::gemm(a.data(), b.data(), c.data(), m, k, n);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  *label = "CPU scalar reference loop, 1 thread (core library not linked)";
#endif
  volatile uint32_t sink = c[0];
  (void)sink;
  return double(m) * k * n / s / 1e9;
}

void bench_gemm32(size_t m, size_t k, size_t n) {
  const double macs = double(m) * k * n;
  void* a = dev_random(m * k * 4, 1);
  void* b = dev_random(k * n * 4, 2);
  void* c = nullptr;
  BENCH_CK(cudaMalloc(&c, m * n * 4));
  const int reps = g_quick ? 3 : 20;
  char shape[64];
  std::snprintf(shape, sizeof shape, "%zux%zux%zu", m, k, n);

  set_engine("imma");
  double t_imma = time_ms(reps, [&] { api_ck(lutmpc_cuda_gemm_dev(32, a, b, c, m, k, n, nullptr), "gemm imma"); });
  set_engine("simt");
  double t_simt = time_ms(reps, [&] { api_ck(lutmpc_cuda_gemm_dev(32, a, b, c, m, k, n, nullptr), "gemm simt"); });
  set_engine("");
  const double g_imma = macs / t_imma / 1e6, g_simt = macs / t_simt / 1e6;
  std::printf("gemm mod 2^32 %-16s IMMA limb-split: %8.3f ms %9.1f GMAC/s | integer SIMT: %8.3f ms %9.1f GMAC/s\n",
              shape, t_imma, g_imma, t_simt, g_simt);

  // end to end from host memory (pageable), as the addon calls it
  {
    std::vector<uint32_t> ha(m * k, 3), hb(k * n, 5), hc(m * n);
    auto t0 = std::chrono::steady_clock::now();
    api_ck(lutmpc_cuda_gemm(32, ha.data(), hb.data(), hc.data(), m, k, n), "gemm host");
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::printf("gemm mod 2^32 %-16s host pointers incl. PCIe copies: %8.3f ms %9.1f GMAC/s\n", shape, ms,
                macs / ms / 1e6);
  }
  {
    std::string label;
#ifdef LUTMPC_CUDA_WITH_CORE
    const size_t cn = n;
#else
    const size_t cn = g_quick ? 64 : 256;  // the scalar loop's rate does not depend on n; keep it short
#endif
    const double cpu = cpu_gmacs(m, k, cn, &label);
    std::printf("gemm mod 2^32 %-16s CPU: %9.2f GMAC/s (%s, %zux%zux%zu); ratio IMMA / CPU %.1fx\n", shape, cpu,
                label.c_str(), m, k, cn, g_imma / cpu);
  }

#ifdef LUTMPC_CUDA_WITH_CUBLAS
  {
    cublasHandle_t h;
    if (cublasCreate(&h) == CUBLAS_STATUS_SUCCESS) {
      cublasSetMathMode(h, CUBLAS_PEDANTIC_MATH);  // true fp32, no TF32
      float *fa = nullptr, *fb = nullptr, *fc = nullptr;
      BENCH_CK(cudaMalloc(&fa, m * k * 4));
      BENCH_CK(cudaMalloc(&fb, k * n * 4));
      BENCH_CK(cudaMalloc(&fc, m * n * 4));
      BENCH_CK(cudaMemset(fa, 0, m * k * 4));
      BENCH_CK(cudaMemset(fb, 0, k * n * 4));
      const float one = 1.f, zero = 0.f;
      // row-major C = A B  <=>  column-major C^T = B^T A^T
      double t = time_ms(reps, [&] {
        cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, int(n), int(m), int(k), &one, fb, int(n), fa, int(k), &zero, fc,
                    int(n));
      });
      const double g = macs / t / 1e6;
      std::printf("gemm mod 2^32 %-16s cuBLAS SGEMM fp32: %8.3f ms %9.1f GMAC/s; ratio IMMA / SGEMM %.2fx\n", shape, t,
                  g, g_imma / g);
      cudaFree(fa);
      cudaFree(fb);
      cudaFree(fc);
      cublasDestroy(h);
    }
  }
#else
  std::printf("gemm mod 2^32 %-16s cuBLAS SGEMM: not built (cuBLAS not found at configure time)\n", shape);
#endif
  cudaFree(a);
  cudaFree(b);
  cudaFree(c);
}

void bench_other_gemms(size_t m, size_t k, size_t n) {
  const double macs = double(m) * k * n;
  const int reps = g_quick ? 3 : 10;
  void* a = dev_random(m * k * 8, 3);
  void* b = dev_random(k * n * 8, 4);
  void* bp = dev_random(n * ((k + 63) / 64) * 8, 5);
  void* c = nullptr;
  BENCH_CK(cudaMalloc(&c, m * n * 8));
  const uint64_t* bits = static_cast<const uint64_t*>(bp);
  double t64 = time_ms(reps, [&] { api_ck(lutmpc_cuda_gemm_dev(64, a, b, c, m, k, n, nullptr), "gemm64"); });
  double p32 = time_ms(reps, [&] { api_ck(lutmpc_cuda_gemm_pm1_dev(32, a, bits, c, m, k, n, nullptr), "pm1 32"); });
  double p64 = time_ms(reps, [&] { api_ck(lutmpc_cuda_gemm_pm1_dev(64, a, bits, c, m, k, n, nullptr), "pm1 64"); });
  std::printf("gemm mod 2^64 %zux%zux%zu: %8.3f ms %9.1f GMAC/s\n", m, k, n, t64, macs / t64 / 1e6);
  std::printf("gemm_pm1 mod 2^32 %zux%zux%zu: %8.3f ms %9.1f GMAC/s; mod 2^64: %8.3f ms %9.1f GMAC/s\n", m, k, n, p32,
              macs / p32 / 1e6, p64, macs / p64 / 1e6);
  cudaFree(a);
  cudaFree(b);
  cudaFree(bp);
  cudaFree(c);
}

void bench_gather_prg_ew() {
  const int reps = g_quick ? 3 : 10;
  {
    const size_t n = g_quick ? (size_t(1) << 22) : (size_t(1) << 24);
    void* idx = dev_random(n * 4, 6);
    void* out = nullptr;
    BENCH_CK(cudaMalloc(&out, n * 4));
    for (unsigned bits : {8u, 12u, 16u, 20u}) {
      void* table = dev_random((size_t(4) << bits), 7);
      double t = time_ms(reps, [&] {
        api_ck(lutmpc_cuda_gather_shared_dev(32, table, bits, 32, idx, out, n, nullptr), "gather_shared");
      });
      std::printf("gather_shared  l=32 bits=%2u n=%zu: %7.3f ms %7.2f Gelem/s %7.1f GB/s (idx+out)\n", bits, n, t,
                  n / t / 1e6, 8.0 * n / t / 1e6);
      cudaFree(table);
    }
    cudaFree(idx);
    cudaFree(out);
  }
  {
    const unsigned bits = 6;
    const size_t n = g_quick ? (size_t(1) << 20) : (size_t(1) << 22);
    void* tables = dev_random((n << bits) * 4, 8);
    void* idx = dev_random(n * 4, 9);
    void* out = nullptr;
    BENCH_CK(cudaMalloc(&out, n * 4));
    double t = time_ms(reps, [&] {
      api_ck(lutmpc_cuda_gather_per_element_dev(32, tables, bits, 32, idx, out, n, nullptr), "gather_per_element");
    });
    std::printf("gather_per_el  l=32 bits=%2u n=%zu: %7.3f ms %7.2f Gelem/s %7.1f GB/s (idx+entry+out)\n", bits, n, t,
                n / t / 1e6, 12.0 * n / t / 1e6);
    cudaFree(tables);
    cudaFree(idx);
    cudaFree(out);
  }
  {
    const size_t bytes = g_quick ? (size_t(64) << 20) : (size_t(512) << 20);
    uint8_t* out = nullptr;
    BENCH_CK(cudaMalloc(&out, bytes));
    uint8_t key[16] = {1, 2, 3}, iv[16] = {4, 5, 6};
    double t = time_ms(reps, [&] { api_ck(lutmpc_cuda_prg_fill_dev(key, iv, out, bytes, nullptr), "prg"); });
    std::printf("prg aes-128-ctr %zu MiB: %7.3f ms %7.1f GB/s\n", bytes >> 20, t, bytes / t / 1e6);
    // end to end into host memory
    std::vector<uint8_t> host(size_t(64) << 20);
    auto t0 = std::chrono::steady_clock::now();
    api_ck(lutmpc_cuda_prg_fill(key, iv, host.data(), host.size()), "prg host");
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::printf("prg aes-128-ctr 64 MiB into host memory: %7.3f ms %7.2f GB/s\n", ms, host.size() / ms / 1e6);
    cudaFree(out);
  }
  {
    const size_t n = g_quick ? (size_t(1) << 24) : (size_t(1) << 26);
    void* a = dev_random(n * 4, 10);
    void* b = dev_random(n * 4, 11);
    double t = time_ms(reps, [&] { api_ck(lutmpc_cuda_binary_dev(LUTMPC_CUDA_ADD, 32, a, b, a, n, nullptr), "add"); });
    std::printf("binary add l=32 n=%zu: %7.3f ms %7.1f GB/s\n", n, t, 12.0 * n / t / 1e6);
    cudaFree(a);
    cudaFree(b);
  }
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--quick") == 0) g_quick = true;
  if (lutmpc_cuda_device_count() == 0) {
    std::printf("no CUDA device (driver absent or no GPU): CUDA benchmarks skipped\n");
    return 77;
  }
  char name[256] = "";
  int major = 0, minor = 0;
  lutmpc_cuda_device_info(0, name, sizeof name, &major, &minor);
  std::printf("device: %s (sm_%d%d)%s\n", name, major, minor, g_quick ? ", quick mode" : "");

  bench_gemm32(128, 768, 3072);
  bench_gemm32(4096, 768, 3072);
  bench_other_gemms(128, 768, 3072);
  bench_gather_prg_ew();
  return 0;
}
