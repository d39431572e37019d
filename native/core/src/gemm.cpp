// GEMM drivers: pack A into MR-row panels once, then each task packs one
// NR-column panel of B per KC block (fits L1) and sweeps its rows of A
// with the ISA's microkernel. Tasks (column panels × row chunks) run on
// the thread pool. ±1 GEMM: pad X rows to whole 64-bit words, then 4×4
// tiles of masked sums; C = rowsum − 2·S.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include "gemm_isa.h"
#include "lutmpc/cpu.h"
#include "lutmpc/gemm.h"
#include "lutmpc/threads.h"

namespace lutmpc {
namespace {

using detail::MicroKernel;
using detail::Pm1Tile;

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

template <typename T>
std::unique_ptr<T[], FreeDeleter> aligned_array(std::size_t count) {
  std::size_t bytes = std::max<std::size_t>(64, (count * sizeof(T) + 63) / 64 * 64);
  void* p = std::aligned_alloc(64, bytes);
  if (!p) throw std::bad_alloc();
  return std::unique_ptr<T[], FreeDeleter>(static_cast<T*>(p));
}

template <typename T>
MicroKernel<T> pick_micro();
template <>
MicroKernel<std::uint32_t> pick_micro<std::uint32_t>() {
#if defined(__x86_64__) || defined(__i386__)
  switch (simd_level()) {
    case SimdLevel::Avx512: return detail::micro_u32_avx512();
    case SimdLevel::Avx2: return detail::micro_u32_avx2();
    default: break;
  }
#endif
  return detail::micro_u32_scalar();
}
template <>
MicroKernel<std::uint64_t> pick_micro<std::uint64_t>() {
#if defined(__x86_64__) || defined(__i386__)
  switch (simd_level()) {
    case SimdLevel::Avx512: return detail::micro_u64_avx512();
    case SimdLevel::Avx2: return detail::micro_u64_avx2();
    default: break;
  }
#endif
  return detail::micro_u64_scalar();
}

template <typename T>
Pm1Tile<T> pick_pm1();
template <>
Pm1Tile<std::uint32_t> pick_pm1<std::uint32_t>() {
#if defined(__x86_64__) || defined(__i386__)
  switch (simd_level()) {
    case SimdLevel::Avx512: return detail::pm1_u32_avx512();
    case SimdLevel::Avx2: return detail::pm1_u32_avx2();
    default: break;
  }
#endif
  return detail::pm1_u32_scalar();
}
template <>
Pm1Tile<std::uint64_t> pick_pm1<std::uint64_t>() {
#if defined(__x86_64__) || defined(__i386__)
  switch (simd_level()) {
    case SimdLevel::Avx512: return detail::pm1_u64_avx512();
    case SimdLevel::Avx2: return detail::pm1_u64_avx2();
    default: break;
  }
#endif
  return detail::pm1_u64_scalar();
}

bool overlaps(const void* p, std::size_t pbytes, const void* q, std::size_t qbytes) {
  auto a = reinterpret_cast<std::uintptr_t>(p), b = reinterpret_cast<std::uintptr_t>(q);
  return pbytes && qbytes && a < b + qbytes && b < a + pbytes;
}

constexpr std::size_t kKc = 256;  // K block: B panel KC×NR stays in L1

template <typename T>
void gemm_driver(const T* a, const T* b, T* c, std::size_t m, std::size_t k, std::size_t n) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    std::memset(c, 0, m * n * sizeof(T));
    return;
  }
  if (overlaps(c, m * n * sizeof(T), a, m * k * sizeof(T)) || overlaps(c, m * n * sizeof(T), b, k * n * sizeof(T))) {
    std::vector<T> tmp(m * n);
    gemm_driver(a, b, tmp.data(), m, k, n);
    std::memcpy(c, tmp.data(), m * n * sizeof(T));
    return;
  }
  const MicroKernel<T> mk = pick_micro<T>();
  const std::size_t MR = static_cast<std::size_t>(mk.mr), NR = static_cast<std::size_t>(mk.nr);
  const std::size_t mp = (m + MR - 1) / MR;
  const std::size_t npanels = (n + NR - 1) / NR;
  const bool small = m * k * n < (std::size_t{1} << 18);

  // 1. Pack A: panel ip holds rows ip·MR.. as [p][r] (k-major), zero rows past m.
  auto ap = aligned_array<T>(mp * MR * k);
  T* const A = ap.get();
  parallel_for(mp, small ? mp : 1, [&](std::size_t b0, std::size_t e0) {
    for (std::size_t ip = b0; ip < e0; ++ip) {
      T* dst = A + ip * MR * k;
      for (std::size_t r = 0; r < MR; ++r) {
        std::size_t row = ip * MR + r;
        if (row < m) {
          const T* src = a + row * k;
          for (std::size_t p = 0; p < k; ++p) dst[p * MR + r] = src[p];
        } else {
          for (std::size_t p = 0; p < k; ++p) dst[p * MR + r] = 0;
        }
      }
    }
  });

  // 2. Tasks: column panel × chunk of row panels.
  const std::size_t threads = num_threads();
  std::size_t mchunks = 1;
  if (!small && npanels < 4 * threads) mchunks = std::min(mp, (4 * threads + npanels - 1) / npanels);
  const std::size_t per = (mp + mchunks - 1) / mchunks;
  mchunks = (mp + per - 1) / per;
  const std::size_t tasks = npanels * mchunks;
  parallel_for(tasks, small ? tasks : 1, [&](std::size_t t0, std::size_t t1) {
    auto bbuf = aligned_array<T>(kKc * NR);
    T* const Bp = bbuf.get();
    for (std::size_t t = t0; t < t1; ++t) {
      const std::size_t jp = t / mchunks, mc = t % mchunks;
      const std::size_t j0 = jp * NR, nr = std::min(NR, n - j0);
      const std::size_t ip0 = mc * per, ip1 = std::min(mp, ip0 + per);
      for (std::size_t pc = 0; pc < k; pc += kKc) {
        const std::size_t kc = std::min(kKc, k - pc);
        for (std::size_t p = 0; p < kc; ++p) {
          const T* src = b + (pc + p) * n + j0;
          T* dst = Bp + p * NR;
          std::memcpy(dst, src, nr * sizeof(T));
          for (std::size_t j = nr; j < NR; ++j) dst[j] = 0;
        }
        for (std::size_t ip = ip0; ip < ip1; ++ip) {
          const std::size_t i0 = ip * MR;
          mk.run(kc, A + ip * MR * k + pc * MR, Bp, c + i0 * n + j0, n, pc > 0, std::min(MR, m - i0), nr);
        }
      }
    }
  });
}

template <typename T>
void pm1_driver(const T* x, const std::uint64_t* bp, T* c, std::size_t m, std::size_t k, std::size_t n) {
  if (m == 0 || n == 0) return;
  const std::size_t words = (k + 63) / 64;
  if (overlaps(c, m * n * sizeof(T), x, m * k * sizeof(T)) || overlaps(c, m * n * sizeof(T), bp, n * words * 8)) {
    std::vector<T> tmp(m * n);
    pm1_driver(x, bp, tmp.data(), m, k, n);
    std::memcpy(c, tmp.data(), m * n * sizeof(T));
    return;
  }
  if (k == 0) {
    std::memset(c, 0, m * n * sizeof(T));
    return;
  }
  const Pm1Tile<T> tile = pick_pm1<T>();
  const std::size_t ldx = words * 64;
  const std::size_t iblocks = (m + 3) / 4, jblocks = (n + 3) / 4;
  // 1. Zero-padded copy of X (padding columns cancel any padding bits of B) and row sums.
  auto xbuf = aligned_array<T>(iblocks * 4 * ldx);
  T* const X = xbuf.get();
  std::vector<T> rowsum(iblocks * 4, 0);
  for (std::size_t i = 0; i < iblocks * 4; ++i) {
    T* dst = X + i * ldx;
    if (i < m) {
      std::memcpy(dst, x + i * k, k * sizeof(T));
      std::fill(dst + k, dst + ldx, T{0});
      T s = 0;
      for (std::size_t t = 0; t < k; ++t) s = static_cast<T>(s + x[i * k + t]);
      rowsum[i] = s;
    } else {
      std::fill(dst, dst + ldx, T{0});
    }
  }
  std::vector<std::uint64_t> zcol(words, 0);
  // 2. Tasks: one row block × a range of column blocks (X block stays in L1, B columns stream).
  const std::size_t threads = num_threads();
  std::size_t jchunks = 1;
  if (iblocks < 4 * threads) jchunks = std::min(jblocks, (4 * threads + iblocks - 1) / iblocks);
  const std::size_t per = (jblocks + jchunks - 1) / jchunks;
  jchunks = (jblocks + per - 1) / per;
  const std::size_t tasks = iblocks * jchunks;
  const bool small = m * k * n < (std::size_t{1} << 18);
  parallel_for(tasks, small ? tasks : 1, [&](std::size_t t0, std::size_t t1) {
    for (std::size_t t = t0; t < t1; ++t) {
      const std::size_t ib = t / jchunks, jc = t % jchunks;
      const std::size_t jb0 = jc * per, jb1 = std::min(jblocks, jb0 + per);
      for (std::size_t jb = jb0; jb < jb1; ++jb) {
        const std::uint64_t* cols[4];
        for (std::size_t q = 0; q < 4; ++q) {
          std::size_t j = jb * 4 + q;
          cols[q] = j < n ? bp + j * words : zcol.data();
        }
        T s[4][4];
        tile(X + ib * 4 * ldx, ldx, cols, words, s);
        for (std::size_t r = 0; r < 4; ++r) {
          std::size_t i = ib * 4 + r;
          if (i >= m) break;
          for (std::size_t q = 0; q < 4; ++q) {
            std::size_t j = jb * 4 + q;
            if (j >= n) break;
            c[i * n + j] = static_cast<T>(rowsum[i] - static_cast<T>(2 * s[r][q]));
          }
        }
      }
    }
  });
}

template <typename T>
void gemm_ref(const T* a, const T* b, T* c, std::size_t m, std::size_t k, std::size_t n) {
  std::vector<T> tmp(m * n, 0);
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t p = 0; p < k; ++p) {
      const T av = a[i * k + p];
      for (std::size_t j = 0; j < n; ++j) tmp[i * n + j] = static_cast<T>(tmp[i * n + j] + static_cast<T>(av * b[p * n + j]));
    }
  std::copy(tmp.begin(), tmp.end(), c);
}

}  // namespace

void gemm_u32(const std::uint32_t* a, const std::uint32_t* b, std::uint32_t* c, std::size_t m, std::size_t k, std::size_t n) {
  gemm_driver(a, b, c, m, k, n);
}
void gemm_u64(const std::uint64_t* a, const std::uint64_t* b, std::uint64_t* c, std::size_t m, std::size_t k, std::size_t n) {
  gemm_driver(a, b, c, m, k, n);
}
void gemm_pm1_u32(const std::uint32_t* x, const std::uint64_t* bp, std::uint32_t* c, std::size_t m, std::size_t k, std::size_t n) {
  pm1_driver(x, bp, c, m, k, n);
}
void gemm_pm1_u64(const std::uint64_t* x, const std::uint64_t* bp, std::uint64_t* c, std::size_t m, std::size_t k, std::size_t n) {
  pm1_driver(x, bp, c, m, k, n);
}
namespace {

template <typename T>
void row_gemm(const T* a, const T* b, T* c, std::size_t m, std::size_t k, std::size_t n) {
  // One row per task: acc (n values) stays in L1 while B_i streams through once.
  parallel_for(m, 4, [=](std::size_t lo, std::size_t hi) {
    std::vector<T> acc(n);
    for (std::size_t i = lo; i < hi; ++i) {
      std::fill(acc.begin(), acc.end(), T{0});
      const T* bi = b + i * k * n;
      for (std::size_t p = 0; p < k; ++p) {
        const T av = a[i * k + p];
        if (av == 0) continue;
        const T* row = bi + p * n;
        for (std::size_t j = 0; j < n; ++j) acc[j] = static_cast<T>(acc[j] + static_cast<T>(av * row[j]));
      }
      std::copy(acc.begin(), acc.end(), c + i * n);
    }
  });
}

}  // namespace

void row_gemm_u32(const std::uint32_t* a, const std::uint32_t* b, std::uint32_t* c, std::size_t m, std::size_t k, std::size_t n) {
  row_gemm(a, b, c, m, k, n);
}
void row_gemm_u64(const std::uint64_t* a, const std::uint64_t* b, std::uint64_t* c, std::size_t m, std::size_t k, std::size_t n) {
  row_gemm(a, b, c, m, k, n);
}

void gemm_ref_u32(const std::uint32_t* a, const std::uint32_t* b, std::uint32_t* c, std::size_t m, std::size_t k, std::size_t n) {
  gemm_ref(a, b, c, m, k, n);
}
void gemm_ref_u64(const std::uint64_t* a, const std::uint64_t* b, std::uint64_t* c, std::size_t m, std::size_t k, std::size_t n) {
  gemm_ref(a, b, c, m, k, n);
}

}  // namespace lutmpc
