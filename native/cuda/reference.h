// Plain scalar C++ reference of every CUDA kernel, for test_cuda and
// bench_cuda. Why separate code: it is written the obvious way (values
// widened to uint64_t and masked to l bits, byte-oriented AES straight from
// FIPS-197), sharing nothing with the kernels it checks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace lutmpc_ref {

inline uint64_t ring_mask(int l) { return l == 64 ? ~0ull : ((1ull << l) - 1ull); }
inline size_t ring_bytes(int l) { return l == 64 ? 8 : l == 32 ? 4 : l == 16 ? 2 : 1; }

/** Element i of a ring array of width l (storage by ring_bytes). */
inline uint64_t load(const void* p, int l, size_t i) {
  switch (ring_bytes(l)) {
    case 1: return static_cast<const uint8_t*>(p)[i];
    case 2: return static_cast<const uint16_t*>(p)[i];
    case 4: return static_cast<const uint32_t*>(p)[i];
    default: return static_cast<const uint64_t*>(p)[i];
  }
}
inline void store(void* p, int l, size_t i, uint64_t v) {
  switch (ring_bytes(l)) {
    case 1: static_cast<uint8_t*>(p)[i] = static_cast<uint8_t>(v); break;
    case 2: static_cast<uint16_t*>(p)[i] = static_cast<uint16_t>(v); break;
    case 4: static_cast<uint32_t*>(p)[i] = static_cast<uint32_t>(v); break;
    default: static_cast<uint64_t*>(p)[i] = v; break;
  }
}

/** op codes as in lutmpc_cuda.h: 0 add 1 sub 2 mul 3 and 4 or 5 xor. */
inline uint64_t binary(int op, int l, uint64_t a, uint64_t b) {
  uint64_t r = 0;
  switch (op) {
    case 0: r = a + b; break;
    case 1: r = a - b; break;
    case 2: r = a * b; break;
    case 3: r = a & b; break;
    case 4: r = a | b; break;
    case 5: r = a ^ b; break;
  }
  return r & ring_mask(l);
}
/** 0 neg, 1 not. */
inline uint64_t unary(int op, int l, uint64_t a) { return (op == 0 ? 0 - a : ~a) & ring_mask(l); }
/** 0 shl, 1 shr, 2 sar; 0 <= k < l. */
inline uint64_t shift(int op, int l, uint64_t a, unsigned k) {
  const uint64_t m = ring_mask(l);
  a &= m;
  if (op == 0) return (a << k) & m;
  if (op == 1) return a >> k;
  const bool neg = (a >> (l - 1)) & 1;
  uint64_t r = a >> k;
  if (neg && k) r |= (m >> (l - k)) << (l - k);  // fill the top k bits of the l-bit word with ones
  return r & m;
}

/** C = A*B mod 2^l, l in {32, 64}, arrays of the ring's storage type. */
template <typename T>
void gemm(const T* a, const T* b, T* c, size_t m, size_t k, size_t n) {
  std::vector<uint64_t> row(n);
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = 0; j < n; ++j) row[j] = 0;
    for (size_t t = 0; t < k; ++t) {
      const uint64_t x = a[i * k + t];
      const T* br = b + t * n;
      for (size_t j = 0; j < n; ++j) row[j] += x * uint64_t(br[j]);
    }
    for (size_t j = 0; j < n; ++j) c[i * n + j] = static_cast<T>(row[j]);
  }
}

/** C = X*(1-2B) mod 2^l with B packed transposed (ceil(k/64) words per column). */
template <typename T>
void gemm_pm1(const T* x, const uint64_t* bp, T* c, size_t m, size_t k, size_t n) {
  const size_t W = (k + 63) / 64;
  for (size_t i = 0; i < m; ++i)
    for (size_t j = 0; j < n; ++j) {
      uint64_t s = 0;
      for (size_t t = 0; t < k; ++t) {
        const uint64_t bit = (bp[j * W + t / 64] >> (t % 64)) & 1;
        const uint64_t v = x[i * k + t];
        s += bit ? 0 - v : v;
      }
      c[i * n + j] = static_cast<T>(s);
    }
}

inline void gather_shared(int l, const void* table, unsigned bits, int idx_l, const void* idx, void* out, size_t n) {
  const uint64_t mask = (1ull << bits) - 1ull;
  for (size_t i = 0; i < n; ++i) store(out, l, i, load(table, l, load(idx, idx_l, i) & mask));
}
inline void gather_per_element(int l, const void* tables, unsigned bits, int idx_l, const void* idx, void* out,
                               size_t n) {
  const uint64_t mask = (1ull << bits) - 1ull;
  for (size_t i = 0; i < n; ++i) store(out, l, i, load(tables, l, (uint64_t(i) << bits) + (load(idx, idx_l, i) & mask)));
}

// ---- AES-128, byte-oriented (FIPS-197 sections 5.1-5.3) -----------------------

struct Aes128 {
  uint8_t sbox[256];
  uint8_t rk[176];

  static uint8_t mul(uint8_t a, uint8_t b) {
    uint8_t p = 0;
    for (int i = 0; i < 8; ++i) {
      if (b & 1) p ^= a;
      const bool hi = a & 0x80;
      a = static_cast<uint8_t>(a << 1);
      if (hi) a ^= 0x1b;
      b >>= 1;
    }
    return p;
  }

  explicit Aes128(const uint8_t key[16]) {
    // S-box via log/antilog tables of generator 3, then the affine map.
    uint8_t exp[256], log[256] = {0};
    uint8_t v = 1;
    for (int i = 0; i < 255; ++i) {
      exp[i] = v;
      log[v] = static_cast<uint8_t>(i);
      v = mul(v, 3);
    }
    for (int x = 0; x < 256; ++x) {
      const uint8_t inv = x == 0 ? 0 : exp[(255 - log[x]) % 255];
      uint8_t s = 0x63;
      for (int bit = 0; bit < 8; ++bit) {
        const int b = ((inv >> bit) & 1) ^ ((inv >> ((bit + 4) % 8)) & 1) ^ ((inv >> ((bit + 5) % 8)) & 1) ^
                      ((inv >> ((bit + 6) % 8)) & 1) ^ ((inv >> ((bit + 7) % 8)) & 1);
        s = static_cast<uint8_t>(s ^ (b << bit));
      }
      sbox[x] = s;
    }
    std::memcpy(rk, key, 16);
    uint8_t rcon = 1;
    for (int i = 16; i < 176; i += 4) {
      uint8_t t[4] = {rk[i - 4], rk[i - 3], rk[i - 2], rk[i - 1]};
      if (i % 16 == 0) {
        const uint8_t t0 = t[0];
        t[0] = static_cast<uint8_t>(sbox[t[1]] ^ rcon);
        t[1] = sbox[t[2]];
        t[2] = sbox[t[3]];
        t[3] = sbox[t0];
        rcon = mul(rcon, 2);
      }
      for (int j = 0; j < 4; ++j) rk[i + j] = static_cast<uint8_t>(rk[i - 16 + j] ^ t[j]);
    }
  }

  void encrypt(const uint8_t in[16], uint8_t out[16]) const {
    uint8_t s[16];  // s[r + 4c]
    for (int i = 0; i < 16; ++i) s[i] = static_cast<uint8_t>(in[i] ^ rk[i]);
    for (int round = 1; round <= 10; ++round) {
      for (int i = 0; i < 16; ++i) s[i] = sbox[s[i]];
      uint8_t t[16];
      for (int c = 0; c < 4; ++c)
        for (int r = 0; r < 4; ++r) t[r + 4 * c] = s[r + 4 * ((c + r) % 4)];  // ShiftRows
      if (round < 10) {
        for (int c = 0; c < 4; ++c) {  // MixColumns
          const uint8_t a0 = t[4 * c], a1 = t[4 * c + 1], a2 = t[4 * c + 2], a3 = t[4 * c + 3];
          t[4 * c] = static_cast<uint8_t>(mul(a0, 2) ^ mul(a1, 3) ^ a2 ^ a3);
          t[4 * c + 1] = static_cast<uint8_t>(a0 ^ mul(a1, 2) ^ mul(a2, 3) ^ a3);
          t[4 * c + 2] = static_cast<uint8_t>(a0 ^ a1 ^ mul(a2, 2) ^ mul(a3, 3));
          t[4 * c + 3] = static_cast<uint8_t>(mul(a0, 3) ^ a1 ^ a2 ^ mul(a3, 2));
        }
      }
      for (int i = 0; i < 16; ++i) s[i] = static_cast<uint8_t>(t[i] ^ rk[16 * round + i]);
    }
    std::memcpy(out, s, 16);
  }
};

/** AES-128-CTR keystream, 128-bit big-endian counter from iv (OpenSSL semantics). */
inline void aes_ctr(const uint8_t key[16], const uint8_t iv[16], uint8_t* out, size_t nbytes) {
  Aes128 aes(key);
  uint8_t ctr[16], ks[16];
  std::memcpy(ctr, iv, 16);
  for (size_t off = 0; off < nbytes; off += 16) {
    aes.encrypt(ctr, ks);
    const size_t take = nbytes - off < 16 ? nbytes - off : 16;
    std::memcpy(out + off, ks, take);
    for (int i = 15; i >= 0; --i)
      if (++ctr[i] != 0) break;
  }
}

}  // namespace lutmpc_ref
