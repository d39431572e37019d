// GEMM, ±1 GEMM and the row-batched GEMM against plain loops, on every SIMD level this CPU has and
// with 1 and 2 threads, for odd shapes, k = 0 and aliasing.
#include <cstring>
#include <vector>

#include "harness.h"
#include "lutmpc/cpu.h"
#include "lutmpc/gemm.h"
#include "lutmpc/threads.h"

using namespace lutmpc;

template <typename T>
std::vector<T> rand_vec(std::size_t n) {
  std::vector<T> v(n);
  for (auto& x : v) {
    std::uint64_t r = th::rnd();
    // Mix of edge values and random ones.
    switch (r % 8) {
      case 0: x = 0; break;
      case 1: x = static_cast<T>(~T{0}); break;
      case 2: x = static_cast<T>(T{1} << (sizeof(T) * 8 - 1)); break;
      default: x = static_cast<T>(r >> 3); break;
    }
  }
  return v;
}

template <typename T>
void gemm(const T* a, const T* b, T* c, std::size_t m, std::size_t k, std::size_t n);
template <>
void gemm<std::uint32_t>(const std::uint32_t* a, const std::uint32_t* b, std::uint32_t* c, std::size_t m, std::size_t k, std::size_t n) {
  gemm_u32(a, b, c, m, k, n);
}
template <>
void gemm<std::uint64_t>(const std::uint64_t* a, const std::uint64_t* b, std::uint64_t* c, std::size_t m, std::size_t k, std::size_t n) {
  gemm_u64(a, b, c, m, k, n);
}
template <typename T>
void ref(const T* a, const T* b, T* c, std::size_t m, std::size_t k, std::size_t n) {
  if constexpr (sizeof(T) == 4) gemm_ref_u32(a, b, c, m, k, n);
  else gemm_ref_u64(a, b, c, m, k, n);
}
template <typename T>
void pm1(const T* x, const std::uint64_t* bp, T* c, std::size_t m, std::size_t k, std::size_t n) {
  if constexpr (sizeof(T) == 4) gemm_pm1_u32(x, bp, c, m, k, n);
  else gemm_pm1_u64(x, bp, c, m, k, n);
}

template <typename T>
void check_gemm(std::size_t m, std::size_t k, std::size_t n) {
  auto a = rand_vec<T>(m * k), b = rand_vec<T>(k * n);
  std::vector<T> c(m * n, 7), r(m * n);
  gemm<T>(a.data(), b.data(), c.data(), m, k, n);
  ref<T>(a.data(), b.data(), r.data(), m, k, n);
  CHECK_MSG(c == r, "gemm u%zu %zux%zux%zu simd=%s threads=%u", sizeof(T) * 8, m, k, n, simd_name(simd_level()), num_threads());
}

template <typename T>
void check_pm1(std::size_t m, std::size_t k, std::size_t n) {
  const std::size_t words = (k + 63) / 64;
  auto x = rand_vec<T>(m * k);
  std::vector<std::uint64_t> bp(n * words);
  for (auto& w : bp) w = th::rnd();  // includes padding bits beyond k, which must be ignored
  std::vector<T> bpm(k * n);          // unpacked 1 − 2B
  for (std::size_t j = 0; j < n; ++j)
    for (std::size_t t = 0; t < k; ++t) bpm[t * n + j] = ((bp[j * words + t / 64] >> (t % 64)) & 1) ? static_cast<T>(~T{0}) : T{1};
  std::vector<T> c(m * n, 3), r(m * n);
  pm1<T>(x.data(), bp.data(), c.data(), m, k, n);
  ref<T>(x.data(), bpm.data(), r.data(), m, k, n);
  CHECK_MSG(c == r, "pm1 u%zu %zux%zux%zu simd=%s threads=%u", sizeof(T) * 8, m, k, n, simd_name(simd_level()), num_threads());
}

template <typename T>
void check_alias() {
  // out == a (m×k == m×n when k == n).
  const std::size_t m = 9, k = 17, n = 17;
  auto a = rand_vec<T>(m * k), b = rand_vec<T>(k * n);
  std::vector<T> r(m * n);
  ref<T>(a.data(), b.data(), r.data(), m, k, n);
  gemm<T>(a.data(), b.data(), a.data(), m, k, n);
  CHECK(a == r);
}

// Row-batched GEMM: row i of C is row i of A times its own k×n matrix B_i.
template <typename T>
void check_row_gemm(std::size_t m, std::size_t k, std::size_t n) {
  auto a = rand_vec<T>(m * k), b = rand_vec<T>(m * k * n);
  std::vector<T> c(m * n, T{7}), r(m * n, T{0});
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t p = 0; p < k; ++p)
      for (std::size_t j = 0; j < n; ++j) r[i * n + j] = static_cast<T>(r[i * n + j] + static_cast<T>(a[i * k + p] * b[(i * k + p) * n + j]));
  if constexpr (sizeof(T) == 4) row_gemm_u32(a.data(), b.data(), c.data(), m, k, n);
  else row_gemm_u64(a.data(), b.data(), c.data(), m, k, n);
  CHECK_MSG(c == r, "row_gemm u%zu %zux%zux%zu threads=%u", sizeof(T) * 8, m, k, n, num_threads());
}

int main() {
  const std::size_t shapes[][3] = {{1, 1, 1},   {1, 5, 1},    {3, 3, 3},    {2, 70, 3},   {7, 1, 33},  {65, 127, 3},
                                   {3, 65, 127}, {127, 3, 65}, {33, 257, 49}, {128, 300, 96}, {5, 0, 4},  {0, 4, 5},
                                   {4, 5, 0},    {17, 513, 40}, {100, 64, 130}};
  const SimdLevel det = detected_simd();
  for (int lv = 0; lv <= static_cast<int>(det); ++lv) {
    set_simd_level(static_cast<SimdLevel>(lv));
    for (unsigned th : {1u, 2u}) {
      set_num_threads(th);
      for (auto& s : shapes) {
        check_gemm<std::uint32_t>(s[0], s[1], s[2]);
        check_gemm<std::uint64_t>(s[0], s[1], s[2]);
        check_pm1<std::uint32_t>(s[0], s[1], s[2]);
        check_pm1<std::uint64_t>(s[0], s[1], s[2]);
        check_row_gemm<std::uint32_t>(s[0], s[1], s[2]);
        check_row_gemm<std::uint64_t>(s[0], s[1], s[2]);
      }
      check_alias<std::uint32_t>();
      check_alias<std::uint64_t>();
    }
    std::printf("simd %s checked\n", simd_name(static_cast<SimdLevel>(lv)));
  }
  TEST_MAIN_END();
}
