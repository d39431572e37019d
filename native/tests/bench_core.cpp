// Micro-benchmark of the core without Node: GEMM GMAC/s (and % of the
// int32 multiply peak = cores × lanes × GHz), ±1 GEMM, gather, PRG GB/s.
// Usage: bench_core [ghz]   (default: "cpu MHz" from /proc/cpuinfo)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "lutmpc/aes.h"
#include "lutmpc/cpu.h"
#include "lutmpc/gather.h"
#include "lutmpc/gemm.h"
#include "lutmpc/threads.h"

using namespace lutmpc;
using clk = std::chrono::steady_clock;

template <typename F>
double best_seconds(F&& f, int reps) {
  double best = 1e30;
  f();
  for (int i = 0; i < reps; ++i) {
    auto t0 = clk::now();
    f();
    double s = std::chrono::duration<double>(clk::now() - t0).count();
    if (s < best) best = s;
  }
  return best;
}

#if defined(__x86_64__)
#include <immintrin.h>
// Effective clock: a chain of dependent 1-cycle adds (8 per loop iteration so
// the loop branch is off the critical path). Best of several short runs.
static double measured_ghz() {
  double best = 0;
  for (int r = 0; r < 15; ++r) {
    unsigned long x = 0;
    const long n = 5000000;
    auto t0 = clk::now();
    for (long i = 0; i < n; ++i)
      asm volatile("add $1,%0\n\tadd $1,%0\n\tadd $1,%0\n\tadd $1,%0\n\tadd $1,%0\n\tadd $1,%0\n\tadd $1,%0\n\tadd $1,%0" : "+r"(x));
    double s = std::chrono::duration<double>(clk::now() - t0).count();
    if (8.0 * n / s / 1e9 > best) best = 8.0 * n / s / 1e9;
  }
  return best;
}
// Independent 512-bit vpmulld per second on one core (12 chains hide latency).
__attribute__((target("avx512f"))) static double vpmulld_per_sec() {
  double best = 0;
  for (int r = 0; r < 15; ++r) {
    __m512i a[12];
    for (int i = 0; i < 12; ++i) a[i] = _mm512_set1_epi32(i + 1);
    __m512i b = _mm512_set1_epi32(3);
    const long n = 1000000;
    auto t0 = clk::now();
    for (long i = 0; i < n; ++i)
      for (int j = 0; j < 12; ++j) asm volatile("vpmulld %1, %0, %0" : "+v"(a[j]) : "v"(b));
    double s = std::chrono::duration<double>(clk::now() - t0).count();
    if (12.0 * n / s > best) best = 12.0 * n / s;
  }
  return best;
}
// Independent multiply-accumulates (vpmulld + vpaddd, what the GEMM inner
// loop issues) per second on one core: the physical bound of this GEMM.
__attribute__((target("avx512f"))) static double vmac_per_sec() {
  double best = 0;
  for (int r = 0; r < 15; ++r) {
    __m512i acc[12], x[12];
    for (int i = 0; i < 12; ++i) acc[i] = x[i] = _mm512_set1_epi32(i + 1);
    __m512i b = _mm512_set1_epi32(3);
    const long n = 1000000;
    auto t0 = clk::now();
    for (long i = 0; i < n; ++i)
      for (int j = 0; j < 12; ++j) {
        __m512i t;
        asm volatile("vpmulld %2, %1, %0" : "=v"(t) : "v"(x[j]), "v"(b));
        asm volatile("vpaddd %1, %0, %0" : "+v"(acc[j]) : "v"(t));
      }
    double s = std::chrono::duration<double>(clk::now() - t0).count();
    if (12.0 * n / s > best) best = 12.0 * n / s;
  }
  return best;
}
#endif

static double cpu_ghz() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("cpu MHz", 0) == 0) return std::stod(line.substr(line.find(':') + 1)) / 1000.0;
  return 0;
}

int main(int argc, char** argv) {
  double ghz = argc > 1 ? std::atof(argv[1]) : cpu_ghz();
  unsigned threads = num_threads();
  int lanes = simd_level() == SimdLevel::Avx512 ? 16 : simd_level() == SimdLevel::Avx2 ? 8 : 4;
  double peak = threads * lanes * ghz;
  std::printf("simd=%s aes=%s threads=%u clock=%.3f GHz peak(int32 mul)=%u*%d*%.3f=%.1f GMAC/s\n", simd_name(simd_level()),
              aes_impl_name(), threads, ghz, threads, lanes, ghz, peak);
#if defined(__x86_64__)
  {
    double g = measured_ghz();
    std::printf("measured clock (dependent adds) %.2f GHz", g);
    if (detected_simd() == SimdLevel::Avx512) {
      double v = vpmulld_per_sec(), w = vmac_per_sec();
      std::printf(", vpmulld zmm %.2f G/s per core (%.2f per cycle); vpmulld+vpaddd %.2f G/s per core (%.2f per cycle)"
                  " -> physical int32 GEMM bound %u x 16 x %.2f G = %.1f GMAC/s",
                  v / 1e9, v / 1e9 / g, w / 1e9, w / 1e9 / g, threads, w / 1e9, threads * 16 * w / 1e9);
    }
    std::printf("\n");
  }
#endif
  // BERT-base at T = 128: q/k/v and proj, FFN up, FFN down, and the embedding
  // (one-hot rows times the 30522×768 table: B far larger than the caches).
  const std::size_t shapes[][3] = {{128, 768, 768}, {128, 768, 3072}, {128, 3072, 768}, {128, 30522, 768}};
  for (auto& s : shapes) {
    std::size_t m = s[0], k = s[1], n = s[2];
    std::vector<std::uint32_t> a(m * k, 3), b(k * n, 5), c(m * n);
    double t = best_seconds([&] { gemm_u32(a.data(), b.data(), c.data(), m, k, n); }, k > 10000 ? 3 : 10);
    double g = m * k * n / t / 1e9;
    std::printf("gemm32 %zux%zux%zu: %.3f ms  %.1f GMAC/s  %.0f%% of peak\n", m, k, n, t * 1e3, g, 100 * g / peak);
  }
  // Cold B, as in a forward pass (each weight matrix is read once per pass,
  // after megabytes of other data): cycle through 96 MiB of distinct B.
  for (std::size_t si = 0; si < 3; ++si) {
    std::size_t m = shapes[si][0], k = shapes[si][1], n = shapes[si][2];
    const std::size_t copies = (std::size_t{96} << 20) / (k * n * 4) + 1;
    std::vector<std::uint32_t> a(m * k, 3), bs(copies * k * n, 5), c(m * n);
    std::size_t next = 0;
    double t = best_seconds([&] { gemm_u32(a.data(), bs.data() + (next++ % copies) * k * n, c.data(), m, k, n); }, 20);
    std::printf("gemm32 cold B %zux%zux%zu: %.3f ms  %.1f GMAC/s\n", m, k, n, t * 1e3, m * k * n / t / 1e9);
  }
  {
    std::size_t m = 128, k = 768, n = 768;
    std::vector<std::uint64_t> a(m * k, 3), b(k * n, 5), c(m * n);
    double t = best_seconds([&] { gemm_u64(a.data(), b.data(), c.data(), m, k, n); }, 10);
    std::printf("gemm64 %zux%zux%zu: %.3f ms  %.1f GMAC/s\n", m, k, n, t * 1e3, m * k * n / t / 1e9);
  }
  {
    std::size_t m = 128, k = 768, n = 3072, w = (k + 63) / 64;
    std::vector<std::uint32_t> x(m * k, 3), c(m * n);
    std::vector<std::uint64_t> bp(n * w, 0x5555aaaa1234abcdull);
    double t = best_seconds([&] { gemm_pm1_u32(x.data(), bp.data(), c.data(), m, k, n); }, 10);
    std::printf("pm1 gemm32 %zux%zux%zu: %.3f ms  %.1f GMAC/s\n", m, k, n, t * 1e3, m * k * n / t / 1e9);
  }
  {
    std::size_t n = 128 * 3072;
    std::vector<std::uint8_t> idx(n);
    for (std::size_t i = 0; i < n; ++i) idx[i] = static_cast<std::uint8_t>(i * 2654435761u >> 13);
    std::vector<std::uint32_t> table(256, 9), out(n), tables(n * 256, 1);
    double t = best_seconds([&] { gather_shared(4, table.data(), 8, 1, idx.data(), out.data(), n); }, 10);
    std::printf("gatherShared 8-bit %zu: %.1f Melem/s\n", n, n / t / 1e6);
    t = best_seconds([&] { gather_per_element(4, tables.data(), 8, 1, idx.data(), out.data(), n); }, 5);
    std::printf("gatherPerElement 8-bit %zu: %.1f Melem/s\n", n, n / t / 1e6);
  }
  {
    std::size_t len = 32 << 20;
    std::vector<std::uint8_t> out(len);
    std::uint8_t key[16] = {1, 2, 3}, iv[16] = {4, 5, 6};
    double t = best_seconds([&] { aes128_ctr_keystream(key, iv, out.data(), len); }, 5);
    std::printf("prg aes-128-ctr %zu MiB: %.2f GB/s\n", len >> 20, len / t / 1e9);
  }
  return 0;
}
