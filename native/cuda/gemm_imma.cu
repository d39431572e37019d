// Ring GEMM mod 2^32 on integer tensor cores (IMMA, sm_80+).
//
// Why it is exact: write a = sum_i a_i 2^(8i), b = sum_j b_j 2^(8j) with 8-bit
// limbs. Then a*b mod 2^32 = sum_{i+j<=3} a_i b_j 2^(8(i+j)) mod 2^32: limb
// pairs with i+j >= 4 are multiples of 2^32 and drop out. So C is
//   S_0 + 2^8 S_1 + 2^16 S_2 + 2^24 S_3  (mod 2^32),
//   S_s = sum_{i+j=s} A_i * B_j,
// ten u8 x u8 products, each accumulated exactly in int32 by
// mma.sync.m16n8k32.u8.u8.s32 (no .satfinite). Bound: S_3 holds 4 pairs of
// products <= 255^2, so k <= 8192 keeps every S_s < 2^31 with no overflow at
// all; longer k is split into launches that add into C.
// ±1 GEMM: X*(1-2B) = rowsum(X) - 2 X*B, and B's limbs are {bits, 0, 0, 0}, so
// only the four pairs (i, 0) run, each S_s exact for k < 2^23.
//
// Steps per call (cost): 1. split A into 4 limb planes (m x k bytes each,
// zero-padded to the tile grid); 2. split B (transposed, so the MMA's B
// operand is k-contiguous) or unpack the ±1 bits; 3. the MMA kernel
// (10 or 4 MMAs per 16x8x32 step per warp tile); 4. the epilogue recombines
// the four S_s and writes C (or adds to it for k chunks after the first).
//
// Tile: BM x 64 outputs per block (BM = 128, or 64 for small m), warps 32 x 32
// each, k step 32 bytes, 2-stage cp.async pipeline, shared rows padded to 48
// bytes so the 32-bit fragment loads are bank-conflict free.
#include "gemm_internal.cuh"

namespace lutmpc_cuda {
namespace {

constexpr int NA = 4;      // limbs of A
constexpr int BN = 64;     // block tile along n
constexpr int WN = 2;      // warps along n
constexpr int BK = 32;     // bytes of k per stage (one MMA k step)
constexpr int PITCH = 48;  // shared row pitch in bytes: 12 words -> the 8 rows x 4 words of a fragment hit 32 banks
constexpr int KT_MAX_GEMM = 8192 / BK;      // k tiles per launch keeping S_3 < 2^31
constexpr int KT_MAX_PM1 = (1 << 22) / BK;  // S_s < 255 * 2^22 < 2^31

__device__ __forceinline__ void cp_async16(void* smem, const void* gmem) {
  unsigned s = static_cast<unsigned>(__cvta_generic_to_shared(smem));
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(s), "l"(gmem));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N>
__device__ __forceinline__ void cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N));
}

__device__ __forceinline__ void mma_u8(int (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
  asm volatile(
      "mma.sync.aligned.m16n8k32.row.col.s32.u8.u8.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
      : "+r"(d[0]), "+r"(d[1]), "+r"(d[2]), "+r"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

constexpr size_t smem_bytes(int bm, int nb) { return size_t(2) * (NA * bm + nb * BN) * PITCH; }

/**
 * Al: [NA][Mp][Kp] limb planes of A, Bl: [NB][Np][Kp] limb planes of B^T.
 * Writes rows < m, columns < n of C (row-major, ld n). k tiles [kt0, kt1).
 */
template <int BM, int NB, bool PM1>
__global__ void __launch_bounds__((BM / 32) * WN * 32)
    imma_kernel(const uint8_t* __restrict__ Al, const uint8_t* __restrict__ Bl, uint32_t* __restrict__ C,
                const uint32_t* __restrict__ rowsum, int m, int n, size_t Mp, size_t Np, size_t Kp, int kt0, int kt1,
                bool accumulate) {
  constexpr int THREADS = (BM / 32) * WN * 32;
  extern __shared__ __align__(16) uint8_t smem[];
  uint8_t* As = smem;                         // [2][NA][BM][PITCH]
  uint8_t* Bs = smem + 2 * NA * BM * PITCH;  // [2][NB][BN][PITCH]
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int wm = warp / WN, wn = warp % WN;
  const int g = lane >> 2, t = lane & 3;
  const size_t m0 = size_t(blockIdx.y) * BM, n0 = size_t(blockIdx.x) * BN;

  auto load_stage = [&](int st, int kt) {
    const size_t kb = size_t(kt) * BK;
#pragma unroll
    for (int c = tid; c < NA * BM * 2; c += THREADS) {
      const int limb = c / (BM * 2), row = (c >> 1) % BM, half = c & 1;
      cp_async16(As + ((st * NA + limb) * BM + row) * PITCH + half * 16,
                 Al + (size_t(limb) * Mp + m0 + row) * Kp + kb + half * 16);
    }
#pragma unroll
    for (int c = tid; c < NB * BN * 2; c += THREADS) {
      const int limb = c / (BN * 2), row = (c >> 1) % BN, half = c & 1;
      cp_async16(Bs + ((st * NB + limb) * BN + row) * PITCH + half * 16,
                 Bl + (size_t(limb) * Np + n0 + row) * Kp + kb + half * 16);
    }
  };

  int acc[4][2][4][4];  // [shift group s][m16 tile][n8 tile][fragment]
#pragma unroll
  for (int s = 0; s < 4; ++s)
#pragma unroll
    for (int i = 0; i < 2; ++i)
#pragma unroll
      for (int j = 0; j < 4; ++j)
#pragma unroll
        for (int r = 0; r < 4; ++r) acc[s][i][j][r] = 0;

  load_stage(0, kt0);
  cp_async_commit();
  for (int kt = kt0; kt < kt1; ++kt) {
    const int st = (kt - kt0) & 1;
    if (kt + 1 < kt1) load_stage(st ^ 1, kt + 1);
    cp_async_commit();
    cp_async_wait<1>();
    __syncthreads();

    const uint8_t* Ast = As + st * NA * BM * PITCH;
    const uint8_t* Bst = Bs + st * NB * BN * PITCH;
    uint32_t bf[NB][4][2];
#pragma unroll
    for (int b = 0; b < NB; ++b)
#pragma unroll
      for (int nt = 0; nt < 4; ++nt) {
        const uint8_t* p = Bst + (b * BN + wn * 32 + nt * 8 + g) * PITCH + 4 * t;
        bf[b][nt][0] = *reinterpret_cast<const uint32_t*>(p);       // k = 4t..4t+3, column g
        bf[b][nt][1] = *reinterpret_cast<const uint32_t*>(p + 16);  // k = 16+4t..
      }
#pragma unroll
    for (int a = 0; a < NA; ++a) {
      uint32_t af[2][4];
#pragma unroll
      for (int mt = 0; mt < 2; ++mt) {
        const uint8_t* p = Ast + (a * BM + wm * 32 + mt * 16 + g) * PITCH + 4 * t;
        af[mt][0] = *reinterpret_cast<const uint32_t*>(p);                  // row g,   k 4t..
        af[mt][1] = *reinterpret_cast<const uint32_t*>(p + 8 * PITCH);      // row g+8, k 4t..
        af[mt][2] = *reinterpret_cast<const uint32_t*>(p + 16);             // row g,   k 16+4t..
        af[mt][3] = *reinterpret_cast<const uint32_t*>(p + 8 * PITCH + 16); // row g+8, k 16+4t..
      }
#pragma unroll
      for (int b = 0; b < NB; ++b) {
        if (a + b <= 3) {
#pragma unroll
          for (int mt = 0; mt < 2; ++mt)
#pragma unroll
            for (int nt = 0; nt < 4; ++nt) mma_u8(acc[a + b][mt][nt], af[mt], bf[b][nt]);
        }
      }
    }
    __syncthreads();
  }
  cp_async_wait<0>();

#pragma unroll
  for (int mt = 0; mt < 2; ++mt)
#pragma unroll
    for (int nt = 0; nt < 4; ++nt)
#pragma unroll
      for (int r = 0; r < 4; ++r) {
        const size_t row = m0 + wm * 32 + mt * 16 + g + (r >= 2 ? 8 : 0);
        const size_t col = n0 + wn * 32 + nt * 8 + 2 * t + (r & 1);
        if (row < size_t(m) && col < size_t(n)) {
          const uint32_t v = uint32_t(acc[0][mt][nt][r]) + (uint32_t(acc[1][mt][nt][r]) << 8) +
                             (uint32_t(acc[2][mt][nt][r]) << 16) + (uint32_t(acc[3][mt][nt][r]) << 24);
          uint32_t* out = C + row * size_t(n) + col;
          if (PM1) {
            const uint32_t base = accumulate ? *out : rowsum[row];
            *out = base - 2u * v;
          } else {
            *out = accumulate ? *out + v : v;
          }
        }
      }
}

/** A (m x k u32) -> Al[4][Mp][Kp] bytes; one thread per 4 consecutive k. */
__global__ void split_rows_kernel(const uint32_t* __restrict__ A, uint8_t* __restrict__ Al, size_t m, size_t k,
                                  size_t Mp, size_t Kp) {
  const size_t q4 = Kp / 4, total = Mp * q4;
  const size_t stride = size_t(gridDim.x) * blockDim.x;
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < total; i += stride) {
    const size_t row = i / q4, col = (i % q4) * 4;
    uint32_t v[4];
#pragma unroll
    for (int j = 0; j < 4; ++j) v[j] = (row < m && col + j < k) ? A[row * k + col + j] : 0u;
#pragma unroll
    for (int limb = 0; limb < 4; ++limb) {
      const int sh = 8 * limb;
      const uint32_t packed = ((v[0] >> sh) & 0xffu) | (((v[1] >> sh) & 0xffu) << 8) |
                              (((v[2] >> sh) & 0xffu) << 16) | (((v[3] >> sh) & 0xffu) << 24);
      *reinterpret_cast<uint32_t*>(Al + (limb * Mp + row) * Kp + col) = packed;
    }
  }
}

/** B (k x n u32) -> Bl[4][Np][Kp] bytes, Bl[l][j][t] = limb l of B[t][j]; 32 x 32 tiles via shared memory. */
__global__ void split_cols_kernel(const uint32_t* __restrict__ B, uint8_t* __restrict__ Bl, size_t k, size_t n,
                                  size_t Np, size_t Kp) {
  __shared__ uint32_t tile[32][33];
  const size_t j0 = size_t(blockIdx.x) * 32;
  const int tx = threadIdx.x, ty = threadIdx.y;
  for (size_t t0 = size_t(blockIdx.y) * 32; t0 < Kp; t0 += size_t(gridDim.y) * 32) {
#pragma unroll
    for (int r = 0; r < 4; ++r) {
      const size_t t = t0 + ty + 8 * r, j = j0 + tx;
      tile[ty + 8 * r][tx] = (t < k && j < n) ? B[t * n + j] : 0u;
    }
    __syncthreads();
#pragma unroll
    for (int r = 0; r < 4; ++r) {
      const size_t j = j0 + ty + 8 * r, t = t0 + tx;
      const uint32_t v = tile[tx][ty + 8 * r];  // B[t][j]
#pragma unroll
      for (int limb = 0; limb < 4; ++limb) Bl[(limb * Np + j) * Kp + t] = static_cast<uint8_t>(v >> (8 * limb));
    }
    __syncthreads();
  }
}

/** Packed transposed bits (n rows of W words) -> Bl[0][Np][Kp] bytes 0/1; bits past k become 0. */
__global__ void unpack_bits_kernel(const uint64_t* __restrict__ Bp, uint8_t* __restrict__ Bl, size_t k, size_t n,
                                   size_t W, size_t Np, size_t Kp) {
  const size_t q4 = Kp / 4, total = Np * q4;
  const size_t stride = size_t(gridDim.x) * blockDim.x;
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < total; i += stride) {
    const size_t j = i / q4, t = (i % q4) * 4;
    uint32_t packed = 0;
    if (j < n && t < k) {
      const uint64_t word = Bp[j * W + t / 64];
      const unsigned nib = static_cast<unsigned>(word >> (t % 64)) & 0xfu;
#pragma unroll
      for (int b = 0; b < 4; ++b)
        if (t + b < k) packed |= ((nib >> b) & 1u) << (8 * b);
    }
    *reinterpret_cast<uint32_t*>(Bl + j * Kp + t) = packed;
  }
}

template <int BM, int NB, bool PM1>
int launch_main(const uint8_t* al, const uint8_t* bl, uint32_t* c, const uint32_t* rs, size_t m, size_t n, size_t Mp,
                size_t Np, size_t Kp, cudaStream_t st) {
  auto kern = imma_kernel<BM, NB, PM1>;
  constexpr size_t smem = smem_bytes(BM, NB);
  LUTMPC_CK(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem)));
  const int kts = int(Kp / BK);
  const int step = PM1 ? KT_MAX_PM1 : KT_MAX_GEMM;
  dim3 grid(static_cast<unsigned>(Np / BN), static_cast<unsigned>(Mp / BM));
  for (int kt0 = 0; kt0 < kts; kt0 += step) {
    const int kt1 = kt0 + step < kts ? kt0 + step : kts;
    kern<<<grid, (BM / 32) * WN * 32, smem, st>>>(al, bl, c, rs, int(m), int(n), Mp, Np, Kp, kt0, kt1, kt0 > 0);
    LUTMPC_CK_LAUNCH("imma_gemm kernel");
  }
  return LUTMPC_CUDA_OK;
}

}  // namespace

int imma_gemm_u32(bool pm1, const uint32_t* a, const void* b, uint32_t* c, size_t m, size_t k, size_t n,
                  cudaStream_t st) {
  if (m == 0 || n == 0) return LUTMPC_CUDA_OK;
  if (k == 0) {  // empty sum: A*B = 0 and rowsum = 0
    LUTMPC_CK(cudaMemsetAsync(c, 0, m * n * sizeof(uint32_t), st));
    return LUTMPC_CUDA_OK;
  }
  int dev = 0, sms = 0;
  LUTMPC_CK(cudaGetDevice(&dev));
  LUTMPC_CK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev));
  // Large tiles halve the limb traffic per MMA; small m keeps more blocks in flight.
  const size_t tiles128 = ((m + 127) / 128) * ((n + BN - 1) / BN);
  const int bm = tiles128 >= size_t(sms) ? 128 : 64;
  const size_t Mp = round_up(m, bm), Np = round_up(n, BN), Kp = round_up(k, BK);
  if (Mp / bm > 65535) return fail(LUTMPC_CUDA_EINVAL, "gemm: m=%zu rows exceed the grid limit", m);
  const int nb = pm1 ? 1 : 4;

  DevBuf al, bl, rs;
  LUTMPC_TRY(al.alloc(NA * Mp * Kp, st, "gemm limb planes of A"));
  LUTMPC_TRY(bl.alloc(nb * Np * Kp, st, "gemm limb planes of B"));
  split_rows_kernel<<<grid_for(Mp * Kp / 4, 256, 16384), 256, 0, st>>>(a, al.as<uint8_t>(), m, k, Mp, Kp);
  LUTMPC_CK_LAUNCH("split_rows kernel");
  if (pm1) {
    const size_t W = (k + 63) / 64;
    unpack_bits_kernel<<<grid_for(Np * Kp / 4, 256, 16384), 256, 0, st>>>(static_cast<const uint64_t*>(b),
                                                                            bl.as<uint8_t>(), k, n, W, Np, Kp);
    LUTMPC_CK_LAUNCH("unpack_bits kernel");
    LUTMPC_TRY(rs.alloc(m * sizeof(uint32_t), st, "gemm_pm1 row sums"));
    LUTMPC_TRY(row_sums_u32(a, rs.as<uint32_t>(), m, k, st));
  } else {
    dim3 grid(static_cast<unsigned>(Np / 32), static_cast<unsigned>(Kp / 32 < 65535 ? Kp / 32 : 65535));
    split_cols_kernel<<<grid, dim3(32, 8), 0, st>>>(static_cast<const uint32_t*>(b), bl.as<uint8_t>(), k, n, Np,
                                                    Kp);
    LUTMPC_CK_LAUNCH("split_cols kernel");
  }
  const uint8_t* pa = al.as<uint8_t>();
  const uint8_t* pb = bl.as<uint8_t>();
  const uint32_t* prs = rs.as<uint32_t>();
  if (pm1) {
    return bm == 128 ? launch_main<128, 1, true>(pa, pb, c, prs, m, n, Mp, Np, Kp, st)
                     : launch_main<64, 1, true>(pa, pb, c, prs, m, n, Mp, Np, Kp, st);
  }
  return bm == 128 ? launch_main<128, 4, false>(pa, pb, c, prs, m, n, Mp, Np, Kp, st)
                   : launch_main<64, 4, false>(pa, pb, c, prs, m, n, Mp, Np, Kp, st);
}

}  // namespace lutmpc_cuda
