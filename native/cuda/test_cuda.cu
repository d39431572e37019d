// test_cuda: checks every CUDA kernel bit-exactly against the scalar CPU
// reference (reference.h) on random and edge inputs: all ring widths, odd
// shapes that do not fill a tile, k past the IMMA chunk bound, both GEMM
// engines for mod 2^32, published AES test vectors and counter wrap-around.
// Exit 77 (ctest SKIP_RETURN_CODE) when no driver or device is present.
// Usage: test_cuda [seed]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <cuda_runtime.h>

#include "lutmpc_cuda.h"
#include "reference.h"

#ifdef LUTMPC_CUDA_WITH_CORE
#include "lutmpc/aes.h"
#include "lutmpc/gather.h"
#include "lutmpc/gemm.h"
#include "lutmpc/ring.h"
#endif

namespace {

int g_pass = 0, g_fail = 0;

struct Rng {
  uint64_t s;
  uint64_t next() {  // splitmix64
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
};
Rng g_rng{12345};

void check(bool ok, const std::string& name, const std::string& detail = "") {
  if (ok) {
    ++g_pass;
  } else {
    ++g_fail;
    std::printf("FAIL %s %s\n", name.c_str(), detail.c_str());
  }
}

bool call_ok(int st, const std::string& name) {
  if (st != LUTMPC_CUDA_OK) {
    check(false, name, std::string("status ") + lutmpc_cuda_status_string(st) + ": " + lutmpc_cuda_last_error());
    return false;
  }
  return true;
}

/** Random ring array of n elements; the first few hold edge values (0, 1, max, 2^(l-1), 2^(l-1)-1). */
std::vector<uint8_t> ring_random(int l, size_t n, bool edges = true) {
  std::vector<uint8_t> v(n * lutmpc_ref::ring_bytes(l) + 16);
  const uint64_t m = lutmpc_ref::ring_mask(l);
  const uint64_t e[] = {0, 1, m, 1ull << (l - 1), (1ull << (l - 1)) - 1, m - 1};
  for (size_t i = 0; i < n; ++i) {
    uint64_t x = g_rng.next() & m;
    if (edges && i < 6) x = e[i] & m;
    lutmpc_ref::store(v.data(), l, i, x);
  }
  return v;
}

/** Compare n ring elements; report the first mismatch. */
void expect_equal(int l, const void* got, const void* want, size_t n, const std::string& name) {
  for (size_t i = 0; i < n; ++i) {
    const uint64_t g = lutmpc_ref::load(got, l, i), w = lutmpc_ref::load(want, l, i);
    if (g != w) {
      char d[160];
      std::snprintf(d, sizeof d, "first mismatch at %zu of %zu: got 0x%llx want 0x%llx", i, n, (unsigned long long)g,
                    (unsigned long long)w);
      check(false, name, d);
      return;
    }
  }
  check(true, name);
}

const int kRings[] = {1, 8, 16, 32, 64};

void test_elementwise() {
  const size_t sizes[] = {0, 1, 15, 16, 17, 1000, 100003};
  for (int l : kRings)
    for (size_t n : sizes) {
      auto a = ring_random(l, n), b = ring_random(l, n);
      // b's edge values shifted by one so a and b differ in the first elements
      if (n > 1) std::memmove(b.data() + lutmpc_ref::ring_bytes(l), b.data(), (n - 1) * lutmpc_ref::ring_bytes(l));
      std::vector<uint8_t> out(a.size()), want(a.size());
      const std::string tag = " l=" + std::to_string(l) + " n=" + std::to_string(n);
      for (int op = 0; op <= 5; ++op) {
        for (size_t i = 0; i < n; ++i)
          lutmpc_ref::store(want.data(), l, i,
                            lutmpc_ref::binary(op, l, lutmpc_ref::load(a.data(), l, i), lutmpc_ref::load(b.data(), l, i)));
        if (call_ok(lutmpc_cuda_binary(op, l, a.data(), b.data(), out.data(), n), "binary"))
          expect_equal(l, out.data(), want.data(), n, "binary op=" + std::to_string(op) + tag);
      }
      for (int op = 0; op <= 1; ++op) {
        for (size_t i = 0; i < n; ++i)
          lutmpc_ref::store(want.data(), l, i, lutmpc_ref::unary(op, l, lutmpc_ref::load(a.data(), l, i)));
        if (call_ok(lutmpc_cuda_unary(op, l, a.data(), out.data(), n), "unary"))
          expect_equal(l, out.data(), want.data(), n, "unary op=" + std::to_string(op) + tag);
      }
      const uint64_t scalars[] = {0, 1, ~0ull, 1ull << 63, 3, g_rng.next()};
      for (uint64_t s : scalars) {
        for (size_t i = 0; i < n; ++i)
          lutmpc_ref::store(want.data(), l, i, lutmpc_ref::binary(2, l, lutmpc_ref::load(a.data(), l, i), s));
        if (call_ok(lutmpc_cuda_mul_scalar(l, a.data(), s, out.data(), n), "mul_scalar"))
          expect_equal(l, out.data(), want.data(), n, "mul_scalar s=" + std::to_string(s) + tag);
      }
      if (n == 1000 || n == 17) {
        for (int op = 0; op <= 2; ++op)
          for (unsigned k = 0; k < unsigned(l); ++k) {
            for (size_t i = 0; i < n; ++i)
              lutmpc_ref::store(want.data(), l, i, lutmpc_ref::shift(op, l, lutmpc_ref::load(a.data(), l, i), k));
            if (call_ok(lutmpc_cuda_shift(op, l, a.data(), k, out.data(), n), "shift"))
              expect_equal(l, out.data(), want.data(), n,
                           "shift op=" + std::to_string(op) + " k=" + std::to_string(k) + tag);
          }
      }
    }
  // in-place on device with pointers one element off 16-byte alignment (scalar path)
  for (int l : kRings) {
    const size_t n = 4099, eb = lutmpc_ref::ring_bytes(l);
    auto a = ring_random(l, n + 1), b = ring_random(l, n + 1);
    std::vector<uint8_t> want(a.size()), out(a.size());
    for (size_t i = 1; i <= n; ++i)
      lutmpc_ref::store(want.data(), l, i,
                        lutmpc_ref::binary(0, l, lutmpc_ref::load(a.data(), l, i), lutmpc_ref::load(b.data(), l, i)));
    void *da = nullptr, *db = nullptr;
    cudaMalloc(&da, (n + 1) * eb);
    cudaMalloc(&db, (n + 1) * eb);
    cudaMemcpy(da, a.data(), (n + 1) * eb, cudaMemcpyHostToDevice);
    cudaMemcpy(db, b.data(), (n + 1) * eb, cudaMemcpyHostToDevice);
    char* pa = static_cast<char*>(da) + eb;
    char* pb = static_cast<char*>(db) + eb;
    if (call_ok(lutmpc_cuda_binary_dev(0, l, pa, pb, pa, n, nullptr), "binary_dev") &&
        call_ok(lutmpc_cuda_stream_synchronize(nullptr), "sync")) {
      cudaMemcpy(out.data(), da, (n + 1) * eb, cudaMemcpyDeviceToHost);
      expect_equal(l, out.data() + eb, want.data() + eb, n, "binary_dev in place, unaligned l=" + std::to_string(l));
    }
    cudaFree(da);
    cudaFree(db);
  }
  // argument errors are reported, not crashed on
  uint32_t x = 0;
  check(lutmpc_cuda_binary(0, 7, &x, &x, &x, 1) == LUTMPC_CUDA_EINVAL && std::strlen(lutmpc_cuda_last_error()) > 0,
        "binary rejects l=7 with a message");
  check(lutmpc_cuda_shift(0, 32, &x, 32, &x, 1) == LUTMPC_CUDA_EINVAL, "shift rejects k=l");
  check(lutmpc_cuda_binary(9, 32, &x, &x, &x, 1) == LUTMPC_CUDA_EINVAL, "binary rejects op=9");
}

struct Shape {
  size_t m, k, n;
};
const Shape kShapes[] = {{1, 1, 1},     {1, 7, 1},     {3, 5, 7},      {17, 33, 9},   {64, 64, 64},
                         {65, 100, 70}, {128, 96, 64}, {130, 96, 200}, {1, 3000, 3},  {5, 0, 4},
                         {0, 3, 4},     {257, 64, 129}, {200, 768, 300}, {33, 20000, 17}};

/** Matrix of ring-l values; mode 0 random, 1 all ones (max limbs), 2 random with edge values. */
template <typename T>
std::vector<T> matrix(size_t count, int mode) {
  std::vector<T> v(count ? count : 1);
  for (size_t i = 0; i < count; ++i) {
    T r = static_cast<T>(g_rng.next());
    if (mode == 1) r = static_cast<T>(~T(0));
    if (mode == 2 && i % 7 == 0) r = static_cast<T>(T(1) << (sizeof(T) * 8 - 1));
    if (mode == 2 && i % 11 == 0) r = static_cast<T>(~T(0));
    v[i] = r;
  }
  return v;
}

template <typename T>
void test_gemm_l(const char* engine) {
  const int l = int(sizeof(T) * 8);
  for (const Shape& s : kShapes)
    for (int mode = 0; mode < 3; ++mode) {
      if (mode != 0 && s.m * s.k * s.n > 20000000) continue;  // keep the CPU reference quick
      auto a = matrix<T>(s.m * s.k, mode), b = matrix<T>(s.k * s.n, mode);
      std::vector<T> c(s.m * s.n + 1, T(0x5a)), want(s.m * s.n + 1, T(0x5a));
      lutmpc_ref::gemm(a.data(), b.data(), want.data(), s.m, s.k, s.n);
      char tag[128];
      std::snprintf(tag, sizeof tag, "gemm[%s] l=%d %zux%zux%zu mode=%d", engine, l, s.m, s.k, s.n, mode);
      if (call_ok(lutmpc_cuda_gemm(l, a.data(), b.data(), c.data(), s.m, s.k, s.n), tag))
        expect_equal(l, c.data(), want.data(), s.m * s.n, tag);

      // ±1 GEMM on the same X with random bits, garbage in the padding bits
      const size_t W = (s.k + 63) / 64;
      std::vector<uint64_t> bp(s.n * W + 1);
      for (auto& w : bp) w = g_rng.next();
      if (mode == 1)
        for (auto& w : bp) w = ~0ull;
      lutmpc_ref::gemm_pm1(a.data(), bp.data(), want.data(), s.m, s.k, s.n);
      std::snprintf(tag, sizeof tag, "gemm_pm1[%s] l=%d %zux%zux%zu mode=%d", engine, l, s.m, s.k, s.n, mode);
      if (call_ok(lutmpc_cuda_gemm_pm1(l, a.data(), bp.data(), c.data(), s.m, s.k, s.n), tag))
        expect_equal(l, c.data(), want.data(), s.m * s.n, tag);
    }
}

void set_engine(const char* e) {
#ifdef _WIN32
  _putenv_s("LUTMPC_CUDA_GEMM", e);
#else
  setenv("LUTMPC_CUDA_GEMM", e, 1);
#endif
}

void test_gemm() {
  set_engine("imma");
  test_gemm_l<uint32_t>("imma");
  set_engine("simt");
  test_gemm_l<uint32_t>("simt");
  set_engine("");
  test_gemm_l<uint64_t>("simt");
  uint32_t x = 0;
  check(lutmpc_cuda_gemm(16, &x, &x, &x, 1, 1, 1) == LUTMPC_CUDA_EINVAL, "gemm rejects l=16");
}

void test_gather() {
  const unsigned bits_list[] = {0, 1, 4, 8, 12, 16, 20};
  for (int l : kRings)
    for (int il : kRings)
      for (unsigned bits : bits_list) {
        const size_t n = (l == 32 && il == 32 && bits == 8) ? 3000000 : 5003;  // one size large enough to stage
        auto table = ring_random(l, size_t(1) << bits, false);
        auto idx = ring_random(il, n, false);
        std::vector<uint8_t> out(n * lutmpc_ref::ring_bytes(l) + 8), want(out.size());
        lutmpc_ref::gather_shared(l, table.data(), bits, il, idx.data(), want.data(), n);
        char tag[96];
        std::snprintf(tag, sizeof tag, "gather_shared l=%d idx_l=%d bits=%u n=%zu", l, il, bits, n);
        if (call_ok(lutmpc_cuda_gather_shared(l, table.data(), bits, il, idx.data(), out.data(), n), tag))
          expect_equal(l, out.data(), want.data(), n, tag);
      }
  const unsigned pe_bits[] = {0, 1, 4, 8};
  for (int l : kRings)
    for (int il : {8, 32, 64})
      for (unsigned bits : pe_bits) {
        const size_t n = 3001;
        auto tables = ring_random(l, n << bits, false);
        auto idx = ring_random(il, n, false);
        std::vector<uint8_t> out(n * lutmpc_ref::ring_bytes(l) + 8), want(out.size());
        lutmpc_ref::gather_per_element(l, tables.data(), bits, il, idx.data(), want.data(), n);
        char tag[96];
        std::snprintf(tag, sizeof tag, "gather_per_element l=%d idx_l=%d bits=%u", l, il, bits);
        if (call_ok(lutmpc_cuda_gather_per_element(l, tables.data(), bits, il, idx.data(), out.data(), n), tag))
          expect_equal(l, out.data(), want.data(), n, tag);
      }
  uint8_t t = 0;
  check(lutmpc_cuda_gather_shared(8, &t, 41, 8, &t, &t, 1) == LUTMPC_CUDA_EINVAL, "gather rejects bits=41");
}

std::vector<uint8_t> hex(const char* s) {
  std::vector<uint8_t> v;
  for (size_t i = 0; s[i] && s[i + 1]; i += 2) v.push_back(static_cast<uint8_t>(std::strtoul(std::string(s + i, 2).c_str(), nullptr, 16)));
  return v;
}

void test_prg() {
  // NIST SP 800-38A F.5.1: keystream = ciphertext xor plaintext
  {
    auto key = hex("2b7e151628aed2a6abf7158809cf4f3c"), iv = hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
    auto pt = hex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
                  "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
    auto ct = hex("874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
                  "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee");
    std::vector<uint8_t> ks(64);
    if (call_ok(lutmpc_cuda_prg_fill(key.data(), iv.data(), ks.data(), ks.size()), "prg NIST")) {
      bool ok = true;
      for (size_t i = 0; i < 64; ++i) ok = ok && ((ks[i] ^ pt[i]) == ct[i]);
      check(ok, "prg matches NIST SP 800-38A F.5.1 (counter ff..fe -> ff..ff -> 00.. carries)");
    }
  }
  // FIPS-197 C.1: first keystream block = AES_k(iv)
  {
    auto key = hex("000102030405060708090a0b0c0d0e0f"), iv = hex("00112233445566778899aabbccddeeff");
    auto want = hex("69c4e0d86a7b0430d8cdb78070b4c55a");
    std::vector<uint8_t> ks(16);
    if (call_ok(lutmpc_cuda_prg_fill(key.data(), iv.data(), ks.data(), 16), "prg FIPS"))
      check(ks == want, "prg first block matches FIPS-197 C.1");
  }
  const size_t lens[] = {0, 1, 15, 16, 17, 1000, (size_t(1) << 20) + 5};
  for (int trial = 0; trial < 4; ++trial)
    for (size_t len : lens) {
      uint8_t key[16], iv[16];
      for (auto& x : key) x = static_cast<uint8_t>(g_rng.next());
      for (auto& x : iv) x = static_cast<uint8_t>(g_rng.next());
      if (trial == 1) std::memset(iv, 0xff, 16);                     // wrap mod 2^128
      if (trial == 2) std::memset(iv + 8, 0xff, 8);                  // carry into the high 64 bits
      if (trial == 3) std::memset(iv + 12, 0xff, 4), iv[11] = 0xfe;  // carry across a 32-bit word
      std::vector<uint8_t> got(len + 1), want(len + 1);
      lutmpc_ref::aes_ctr(key, iv, want.data(), len);
      char tag[64];
      std::snprintf(tag, sizeof tag, "prg trial=%d len=%zu", trial, len);
      if (call_ok(lutmpc_cuda_prg_fill(key, iv, got.data(), len), tag)) check(got == want, tag);
    }
  // device variant into an unaligned pointer (byte-wise path)
  {
    uint8_t key[16], iv[16];
    for (auto& x : key) x = static_cast<uint8_t>(g_rng.next());
    for (auto& x : iv) x = static_cast<uint8_t>(g_rng.next());
    const size_t len = 4099;
    std::vector<uint8_t> got(len), want(len);
    lutmpc_ref::aes_ctr(key, iv, want.data(), len);
    uint8_t* d = nullptr;
    cudaMalloc(&d, len + 3);
    if (call_ok(lutmpc_cuda_prg_fill_dev(key, iv, d + 3, len, nullptr), "prg_dev") &&
        call_ok(lutmpc_cuda_stream_synchronize(nullptr), "sync")) {
      cudaMemcpy(got.data(), d + 3, len, cudaMemcpyDeviceToHost);
      check(got == want, "prg_dev unaligned output");
    }
    cudaFree(d);
  }
}

/** Host-pointer calls from several threads at once (the addon's async workers): per-thread streams, no races. */
void test_threads() {
  const size_t m = 96, k = 300, n = 80;
  std::vector<std::vector<uint32_t>> as, bs, wants;
  for (int t = 0; t < 4; ++t) {
    as.push_back(matrix<uint32_t>(m * k, 0));
    bs.push_back(matrix<uint32_t>(k * n, 0));
    wants.emplace_back(m * n);
    lutmpc_ref::gemm(as[t].data(), bs[t].data(), wants[t].data(), m, k, n);
  }
  uint8_t key[16] = {9}, iv[16] = {8};
  std::vector<uint8_t> ks_want(100000);
  lutmpc_ref::aes_ctr(key, iv, ks_want.data(), ks_want.size());
  int ok[4] = {0, 0, 0, 0};
  std::vector<std::thread> th;
  for (int t = 0; t < 4; ++t)
    th.emplace_back([&, t] {
      bool good = true;
      for (int rep = 0; rep < 20 && good; ++rep) {
        std::vector<uint32_t> c(m * n);
        std::vector<uint8_t> ks(ks_want.size());
        good = lutmpc_cuda_gemm(32, as[t].data(), bs[t].data(), c.data(), m, k, n) == LUTMPC_CUDA_OK &&
               c == wants[t] && lutmpc_cuda_prg_fill(key, iv, ks.data(), ks.size()) == LUTMPC_CUDA_OK &&
               ks == ks_want;
      }
      ok[t] = good;
    });
  for (auto& x : th) x.join();
  for (int t = 0; t < 4; ++t) check(ok[t] == 1, "concurrent host calls, thread " + std::to_string(t));
}

#ifdef LUTMPC_CUDA_WITH_CORE
/** The same kernels once more, now against the CPU core library (the addon's CPU backend). */
void test_against_core() {
  const size_t n = 10007;
  for (int l : kRings) {
    auto a = ring_random(l, n), b = ring_random(l, n);
    std::vector<uint8_t> got(a.size()), want(a.size());
    const std::string tag = " vs core l=" + std::to_string(l);
    for (int op = 0; op <= 5; ++op) {
      lutmpc::ring_binary(static_cast<lutmpc::BinOp>(op), l, a.data(), b.data(), want.data(), n);
      if (call_ok(lutmpc_cuda_binary(op, l, a.data(), b.data(), got.data(), n), "binary"))
        expect_equal(l, got.data(), want.data(), n, "binary op=" + std::to_string(op) + tag);
    }
    for (int op = 0; op <= 1; ++op) {
      lutmpc::ring_unary(static_cast<lutmpc::UnOp>(op), l, a.data(), want.data(), n);
      if (call_ok(lutmpc_cuda_unary(op, l, a.data(), got.data(), n), "unary"))
        expect_equal(l, got.data(), want.data(), n, "unary op=" + std::to_string(op) + tag);
    }
    const uint64_t s = g_rng.next();
    lutmpc::ring_mul_scalar(l, a.data(), s, want.data(), n);
    if (call_ok(lutmpc_cuda_mul_scalar(l, a.data(), s, got.data(), n), "mul_scalar"))
      expect_equal(l, got.data(), want.data(), n, "mul_scalar" + tag);
    for (int op = 0; op <= 2; ++op)
      for (unsigned k : {0u, 1u, unsigned(l) / 2, unsigned(l) - 1}) {
        if (k >= unsigned(l)) continue;
        lutmpc::ring_shift(static_cast<lutmpc::ShiftOp>(op), l, a.data(), k, want.data(), n);
        if (call_ok(lutmpc_cuda_shift(op, l, a.data(), k, got.data(), n), "shift"))
          expect_equal(l, got.data(), want.data(), n, "shift op=" + std::to_string(op) + " k=" + std::to_string(k) + tag);
      }
  }
  const Shape shapes[] = {{17, 33, 9}, {130, 96, 200}, {64, 768, 96}, {3, 9000, 5}};
  for (const Shape& sh : shapes) {
    const size_t W = (sh.k + 63) / 64;
    std::vector<uint64_t> bp(sh.n * W + 1);
    for (auto& w : bp) w = g_rng.next();
    char tag[96];
    {
      auto a = matrix<uint32_t>(sh.m * sh.k, 2), b = matrix<uint32_t>(sh.k * sh.n, 2);
      std::vector<uint32_t> got(sh.m * sh.n + 1), want(sh.m * sh.n + 1);
      lutmpc::gemm_u32(a.data(), b.data(), want.data(), sh.m, sh.k, sh.n);
      std::snprintf(tag, sizeof tag, "gemm l=32 %zux%zux%zu vs core", sh.m, sh.k, sh.n);
      if (call_ok(lutmpc_cuda_gemm(32, a.data(), b.data(), got.data(), sh.m, sh.k, sh.n), tag))
        expect_equal(32, got.data(), want.data(), sh.m * sh.n, tag);
      lutmpc::gemm_pm1_u32(a.data(), bp.data(), want.data(), sh.m, sh.k, sh.n);
      std::snprintf(tag, sizeof tag, "gemm_pm1 l=32 %zux%zux%zu vs core", sh.m, sh.k, sh.n);
      if (call_ok(lutmpc_cuda_gemm_pm1(32, a.data(), bp.data(), got.data(), sh.m, sh.k, sh.n), tag))
        expect_equal(32, got.data(), want.data(), sh.m * sh.n, tag);
    }
    {
      auto a = matrix<uint64_t>(sh.m * sh.k, 2), b = matrix<uint64_t>(sh.k * sh.n, 2);
      std::vector<uint64_t> got(sh.m * sh.n + 1), want(sh.m * sh.n + 1);
      lutmpc::gemm_u64(a.data(), b.data(), want.data(), sh.m, sh.k, sh.n);
      std::snprintf(tag, sizeof tag, "gemm l=64 %zux%zux%zu vs core", sh.m, sh.k, sh.n);
      if (call_ok(lutmpc_cuda_gemm(64, a.data(), b.data(), got.data(), sh.m, sh.k, sh.n), tag))
        expect_equal(64, got.data(), want.data(), sh.m * sh.n, tag);
      lutmpc::gemm_pm1_u64(a.data(), bp.data(), want.data(), sh.m, sh.k, sh.n);
      std::snprintf(tag, sizeof tag, "gemm_pm1 l=64 %zux%zux%zu vs core", sh.m, sh.k, sh.n);
      if (call_ok(lutmpc_cuda_gemm_pm1(64, a.data(), bp.data(), got.data(), sh.m, sh.k, sh.n), tag))
        expect_equal(64, got.data(), want.data(), sh.m * sh.n, tag);
    }
  }
  for (int l : {8, 16, 32, 64})
    for (int il : {8, 16, 32, 64})
      for (unsigned bits : {1u, 8u, 13u, 24u}) {  // the core's range is 1..24
        auto table = ring_random(l, size_t(1) << bits, false);
        auto idx = ring_random(il, n, false);
        std::vector<uint8_t> got(n * lutmpc_ref::ring_bytes(l)), want(got.size());
        lutmpc::gather_shared(lutmpc_ref::ring_bytes(l), table.data(), bits, lutmpc_ref::ring_bytes(il), idx.data(),
                              want.data(), n);
        char tag[96];
        std::snprintf(tag, sizeof tag, "gather_shared l=%d idx_l=%d bits=%u vs core", l, il, bits);
        if (call_ok(lutmpc_cuda_gather_shared(l, table.data(), bits, il, idx.data(), got.data(), n), tag))
          expect_equal(l, got.data(), want.data(), n, tag);
        if (bits <= 8) {
          auto tables = ring_random(l, n << bits, false);
          lutmpc::gather_per_element(lutmpc_ref::ring_bytes(l), tables.data(), bits, lutmpc_ref::ring_bytes(il),
                                     idx.data(), want.data(), n);
          std::snprintf(tag, sizeof tag, "gather_per_element l=%d idx_l=%d bits=%u vs core", l, il, bits);
          if (call_ok(lutmpc_cuda_gather_per_element(l, tables.data(), bits, il, idx.data(), got.data(), n), tag))
            expect_equal(l, got.data(), want.data(), n, tag);
        }
      }
  for (size_t len : {size_t(1), size_t(33), size_t(100000), (size_t(1) << 22) + 9}) {
    uint8_t key[16], iv[16];
    for (auto& x : key) x = static_cast<uint8_t>(g_rng.next());
    for (auto& x : iv) x = static_cast<uint8_t>(g_rng.next());
    std::memset(iv + 9, 0xff, 7);  // carry across the 64-bit halves within the run
    std::vector<uint8_t> got(len), want(len);
    lutmpc::aes128_ctr_keystream(key, iv, want.data(), len);
    const std::string tag = "prg len=" + std::to_string(len) + " vs core (" + lutmpc::aes_impl_name() + ")";
    if (call_ok(lutmpc_cuda_prg_fill(key, iv, got.data(), len), tag)) check(got == want, tag);
  }
}
#endif

}  // namespace

int main(int argc, char** argv) {
  const int devices = lutmpc_cuda_device_count();
  if (devices == 0) {
    std::printf("no CUDA device (driver absent or no GPU): CUDA kernel tests skipped\n");
    return 77;
  }
  if (argc > 1) g_rng.s = std::strtoull(argv[1], nullptr, 10);
  char name[256] = "";
  int major = 0, minor = 0;
  lutmpc_cuda_device_info(0, name, sizeof name, &major, &minor);
  std::printf("device 0 of %d: %s (sm_%d%d), seed %llu\n", devices, name, major, minor, (unsigned long long)g_rng.s);
  struct {
    const char* name;
    void (*fn)();
  } suites[] = {{"elementwise", test_elementwise}, {"gemm", test_gemm}, {"gather", test_gather}, {"prg", test_prg},
                {"threads", test_threads}
#ifdef LUTMPC_CUDA_WITH_CORE
      , {"vs core", test_against_core}
#endif
  };
#ifndef LUTMPC_CUDA_WITH_CORE
  std::printf("CPU core library not linked: comparing with the scalar reference only\n");
#endif
  for (auto& s : suites) {
    const int p0 = g_pass, f0 = g_fail;
    s.fn();
    std::printf("%-12s %d passed, %d failed\n", s.name, g_pass - p0, g_fail - f0);
  }
  std::printf("%d passed, %d failed\n", g_pass, g_fail);
  return g_fail ? 1 : 0;
}
