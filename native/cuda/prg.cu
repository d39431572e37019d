// AES-128-CTR keystream (the dealer's PRG) on the GPU.
// Why CTR: every 16-byte block is independent, so one thread encrypts one
// counter block. The counter is the 128-bit big-endian value iv + i (mod
// 2^128), exactly OpenSSL's / node:crypto's 'aes-128-ctr'.
//
// Cipher: the classic 32-bit T-table formulation of AES (FIPS-197): per round
// 16 table reads + xors; the 1 KiB table lives in shared memory and the other
// three tables are byte rotations of it. S-box and tables are computed on the
// host from the GF(2^8) definition, not typed in.
#include <mutex>

#include "common.cuh"

namespace lutmpc_cuda {
namespace {

struct RoundKeys {
  uint32_t w[44];  // 11 round keys, big-endian column words
};

uint8_t g_sbox[256];
uint32_t g_te0[256];  // (2s, s, s, 3s) as a big-endian word
std::once_flag g_tables_once;

uint8_t xtime(uint8_t x) { return static_cast<uint8_t>((x << 1) ^ ((x & 0x80) ? 0x1b : 0)); }
uint8_t gmul(uint8_t a, uint8_t b) {
  uint8_t p = 0;
  while (b) {
    if (b & 1) p ^= a;
    a = xtime(a);
    b >>= 1;
  }
  return p;
}
uint8_t rotl8(uint8_t x, int k) { return static_cast<uint8_t>((x << k) | (x >> (8 - k))); }

void build_tables() {
  for (int x = 0; x < 256; ++x) {
    uint8_t inv = 0;
    if (x)
      for (int y = 1; y < 256; ++y)
        if (gmul(static_cast<uint8_t>(x), static_cast<uint8_t>(y)) == 1) {
          inv = static_cast<uint8_t>(y);
          break;
        }
    g_sbox[x] = static_cast<uint8_t>(inv ^ rotl8(inv, 1) ^ rotl8(inv, 2) ^ rotl8(inv, 3) ^ rotl8(inv, 4) ^ 0x63);
  }
  for (int x = 0; x < 256; ++x) {
    uint8_t s = g_sbox[x];
    uint8_t s2 = xtime(s), s3 = static_cast<uint8_t>(s2 ^ s);
    g_te0[x] = (uint32_t(s2) << 24) | (uint32_t(s) << 16) | (uint32_t(s) << 8) | uint32_t(s3);
  }
}

RoundKeys expand_key(const uint8_t key[16]) {
  RoundKeys rk;
  for (int i = 0; i < 4; ++i)
    rk.w[i] = (uint32_t(key[4 * i]) << 24) | (uint32_t(key[4 * i + 1]) << 16) | (uint32_t(key[4 * i + 2]) << 8) |
              uint32_t(key[4 * i + 3]);
  uint8_t rcon = 1;
  for (int i = 4; i < 44; ++i) {
    uint32_t t = rk.w[i - 1];
    if (i % 4 == 0) {
      t = (t << 8) | (t >> 24);  // RotWord
      t = (uint32_t(g_sbox[t >> 24]) << 24) | (uint32_t(g_sbox[(t >> 16) & 0xff]) << 16) |
          (uint32_t(g_sbox[(t >> 8) & 0xff]) << 8) | uint32_t(g_sbox[t & 0xff]);
      t ^= uint32_t(rcon) << 24;
      rcon = xtime(rcon);
    }
    rk.w[i] = rk.w[i - 4] ^ t;
  }
  return rk;
}

struct Te0 {
  uint32_t t[256];
};

__host__ __device__ __forceinline__ uint32_t ror(uint32_t x, int k) { return (x >> k) | (x << (32 - k)); }

/**
 * Encrypt the counter block (hi, lo) = iv + b; o[] receives the 4 big-endian
 * output words. T0 is Te0, S the S-box. Host-callable so the cipher core can be
 * checked against FIPS-197 without a GPU.
 */
__host__ __device__ __forceinline__ void aes_block(const RoundKeys& rk, const uint32_t* T0, const uint8_t* S,
                                                   unsigned long long hi, unsigned long long lo, uint32_t o[4]) {
  uint32_t s0 = static_cast<uint32_t>(hi >> 32) ^ rk.w[0];
  uint32_t s1 = static_cast<uint32_t>(hi) ^ rk.w[1];
  uint32_t s2 = static_cast<uint32_t>(lo >> 32) ^ rk.w[2];
  uint32_t s3 = static_cast<uint32_t>(lo) ^ rk.w[3];
#ifdef __CUDA_ARCH__
#pragma unroll
#endif
  for (int r = 1; r < 10; ++r) {
    const uint32_t t0 = T0[s0 >> 24] ^ ror(T0[(s1 >> 16) & 0xff], 8) ^ ror(T0[(s2 >> 8) & 0xff], 16) ^
                        ror(T0[s3 & 0xff], 24) ^ rk.w[4 * r];
    const uint32_t t1 = T0[s1 >> 24] ^ ror(T0[(s2 >> 16) & 0xff], 8) ^ ror(T0[(s3 >> 8) & 0xff], 16) ^
                        ror(T0[s0 & 0xff], 24) ^ rk.w[4 * r + 1];
    const uint32_t t2 = T0[s2 >> 24] ^ ror(T0[(s3 >> 16) & 0xff], 8) ^ ror(T0[(s0 >> 8) & 0xff], 16) ^
                        ror(T0[s1 & 0xff], 24) ^ rk.w[4 * r + 2];
    const uint32_t t3 = T0[s3 >> 24] ^ ror(T0[(s0 >> 16) & 0xff], 8) ^ ror(T0[(s1 >> 8) & 0xff], 16) ^
                        ror(T0[s2 & 0xff], 24) ^ rk.w[4 * r + 3];
    s0 = t0;
    s1 = t1;
    s2 = t2;
    s3 = t3;
  }
  o[0] = ((uint32_t(S[s0 >> 24]) << 24) | (uint32_t(S[(s1 >> 16) & 0xff]) << 16) |
          (uint32_t(S[(s2 >> 8) & 0xff]) << 8) | uint32_t(S[s3 & 0xff])) ^ rk.w[40];
  o[1] = ((uint32_t(S[s1 >> 24]) << 24) | (uint32_t(S[(s2 >> 16) & 0xff]) << 16) |
          (uint32_t(S[(s3 >> 8) & 0xff]) << 8) | uint32_t(S[s0 & 0xff])) ^ rk.w[41];
  o[2] = ((uint32_t(S[s2 >> 24]) << 24) | (uint32_t(S[(s3 >> 16) & 0xff]) << 16) |
          (uint32_t(S[(s0 >> 8) & 0xff]) << 8) | uint32_t(S[s1 & 0xff])) ^ rk.w[42];
  o[3] = ((uint32_t(S[s3 >> 24]) << 24) | (uint32_t(S[(s0 >> 16) & 0xff]) << 16) |
          (uint32_t(S[(s1 >> 8) & 0xff]) << 8) | uint32_t(S[s2 & 0xff])) ^ rk.w[43];
}

/** 128-bit big-endian counter iv + b (mod 2^128) as (hi, lo). */
__host__ __device__ __forceinline__ void counter_add(uint4 iv, unsigned long long b, unsigned long long* hi,
                                                     unsigned long long* lo) {
  const unsigned long long l0 = (static_cast<unsigned long long>(iv.z) << 32) | iv.w;
  *hi = ((static_cast<unsigned long long>(iv.x) << 32) | iv.y) + ((l0 + b < l0) ? 1ull : 0ull);
  *lo = l0 + b;
}

constexpr unsigned kBlock = 256;

/** One thread per 16-byte counter block; the last block may be partial. */
__global__ void aes_ctr_kernel(RoundKeys rk, Te0 te0, uint4 iv_words, uint8_t* __restrict__ out, size_t nbytes) {
  __shared__ uint32_t T0[256];
  __shared__ uint8_t S[256];
  for (int i = threadIdx.x; i < 256; i += blockDim.x) {
    T0[i] = te0.t[i];
    S[i] = static_cast<uint8_t>(te0.t[i] >> 16);
  }
  __syncthreads();

  const size_t nblocks = (nbytes + 15) / 16;
  const size_t stride = size_t(gridDim.x) * blockDim.x;
  for (size_t b = blockIdx.x * size_t(blockDim.x) + threadIdx.x; b < nblocks; b += stride) {
    unsigned long long hi, lo;
    counter_add(iv_words, b, &hi, &lo);
    uint32_t o[4];
    aes_block(rk, T0, S, hi, lo, o);
    const size_t off = b * 16;
    if (off + 16 <= nbytes && (reinterpret_cast<uintptr_t>(out + off) & 15u) == 0) {
      // bytes are big-endian within each word: swap to memory order
      uint4 v = make_uint4(__byte_perm(o[0], 0, 0x0123), __byte_perm(o[1], 0, 0x0123), __byte_perm(o[2], 0, 0x0123),
                           __byte_perm(o[3], 0, 0x0123));
      *reinterpret_cast<uint4*>(out + off) = v;
    } else {
      for (int j = 0; j < 16 && off + j < nbytes; ++j) out[off + j] = static_cast<uint8_t>(o[j / 4] >> (24 - 8 * (j % 4)));
    }
  }
}

int prg_dev(const uint8_t key[16], const uint8_t iv[16], uint8_t* out, size_t nbytes, cudaStream_t st) {
  if (!key || !iv) return fail(LUTMPC_CUDA_EINVAL, "prg: key and iv must be 16-byte host buffers");
  if (nbytes == 0) return LUTMPC_CUDA_OK;
  std::call_once(g_tables_once, build_tables);
  RoundKeys rk = expand_key(key);
  Te0 te;
  for (int i = 0; i < 256; ++i) te.t[i] = g_te0[i];
  auto be = [&](int i) {
    return (uint32_t(iv[4 * i]) << 24) | (uint32_t(iv[4 * i + 1]) << 16) | (uint32_t(iv[4 * i + 2]) << 8) |
           uint32_t(iv[4 * i + 3]);
  };
  uint4 ivw = make_uint4(be(0), be(1), be(2), be(3));
  const size_t nblocks = (nbytes + 15) / 16;
  aes_ctr_kernel<<<grid_for(nblocks, kBlock, 8192), kBlock, 0, st>>>(rk, te, ivw, out, nbytes);
  LUTMPC_CK_LAUNCH("aes_ctr kernel");
  return LUTMPC_CUDA_OK;
}

}  // namespace
}  // namespace lutmpc_cuda

using namespace lutmpc_cuda;

extern "C" int lutmpc_cuda_prg_fill(const uint8_t key[16], const uint8_t iv[16], uint8_t* out, size_t nbytes) {
  clear_error();
  LUTMPC_TRY(require_device());
  cudaStream_t st = host_stream();
  DevBuf d;
  LUTMPC_TRY(d.alloc(nbytes, st, "prg output"));
  LUTMPC_TRY(prg_dev(key, iv, d.as<uint8_t>(), nbytes, st));
  return download_sync(out, d, nbytes, st);
}

extern "C" int lutmpc_cuda_prg_fill_dev(const uint8_t key[16], const uint8_t iv[16], uint8_t* out, size_t nbytes,
                                        void* stream) {
  clear_error();
  return prg_dev(key, iv, out, nbytes, as_stream(stream));
}
