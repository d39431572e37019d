// Register-tiled integer GEMMs on the CUDA cores, for mod 2^64 (and as the
// reference second path for mod 2^32). Unsigned multiply-add wraps, so the
// arithmetic is exact mod 2^l with no extra work: for u64 the compiler emits
// IMAD.WIDE + two IMADs per product (the low 64 bits only).
//
// Tiling: 64 x 64 output tile per block of 256 threads, each thread a 4 x 4
// register tile (rows ty + 16i, columns tx + 16j), k staged 16 (GEMM) or 64
// (±1 GEMM, one packed word) at a time through shared memory.
#include "gemm_internal.cuh"

namespace lutmpc_cuda {
namespace {

constexpr int BM = 64, BN = 64, BK = 16, THREADS = 256;

template <typename T>
__global__ void __launch_bounds__(THREADS) simt_gemm_kernel(const T* __restrict__ A, const T* __restrict__ B,
                                                            T* __restrict__ C, int m, int k, int n) {
  __shared__ T As[BK][BM + 1];  // transposed; +1 keeps the transposing stores conflict-free
  __shared__ T Bs[BK][BN];
  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  const int m0 = blockIdx.y * BM, n0 = blockIdx.x * BN;
  T acc[4][4];
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j) acc[i][j] = 0;

  for (int k0 = 0; k0 < k; k0 += BK) {
#pragma unroll
    for (int r = 0; r < BM * BK / THREADS; ++r) {
      int e = tid + r * THREADS;
      int row = e / BK, kk = e % BK;
      int gr = m0 + row, gk = k0 + kk;
      As[kk][row] = (gr < m && gk < k) ? A[size_t(gr) * k + gk] : T(0);
    }
#pragma unroll
    for (int r = 0; r < BN * BK / THREADS; ++r) {
      int e = tid + r * THREADS;
      int kk = e / BN, col = e % BN;
      int gk = k0 + kk, gc = n0 + col;
      Bs[kk][col] = (gk < k && gc < n) ? B[size_t(gk) * n + gc] : T(0);
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < BK; ++kk) {
      T a[4], b[4];
#pragma unroll
      for (int i = 0; i < 4; ++i) a[i] = As[kk][ty + 16 * i];
#pragma unroll
      for (int j = 0; j < 4; ++j) b[j] = Bs[kk][tx + 16 * j];
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) acc[i][j] += a[i] * b[j];
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      int r = m0 + ty + 16 * i, c = n0 + tx + 16 * j;
      if (r < m && c < n) C[size_t(r) * n + c] = acc[i][j];
    }
}

/**
 * C = X * (1 - 2B) = rowsum(X) - 2 * (X * B): accumulate x & mask(bit) over
 * the set bits, then fold in the row sum. X entries past k load as 0, so the
 * padding bits of the last word never contribute.
 */
template <typename T>
__global__ void __launch_bounds__(THREADS) simt_pm1_kernel(const T* __restrict__ X, const uint64_t* __restrict__ Bp,
                                                           T* __restrict__ C, int m, int k, int n, int W) {
  constexpr int KW = 64;
  __shared__ T Xs[KW][BM + 1];
  __shared__ unsigned long long Bw[BN];
  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  const int m0 = blockIdx.y * BM, n0 = blockIdx.x * BN;
  T acc[4][4], rs[4];
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    rs[i] = 0;
#pragma unroll
    for (int j = 0; j < 4; ++j) acc[i][j] = 0;
  }
  for (int w = 0; w < W; ++w) {
    const int k0 = w * KW;
#pragma unroll 4
    for (int r = 0; r < BM * KW / THREADS; ++r) {
      int e = tid + r * THREADS;
      int row = e / KW, kk = e % KW;
      int gr = m0 + row, gk = k0 + kk;
      Xs[kk][row] = (gr < m && gk < k) ? X[size_t(gr) * k + gk] : T(0);
    }
    if (tid < BN) {
      int gc = n0 + tid;
      Bw[tid] = gc < n ? Bp[size_t(gc) * W + w] : 0ull;
    }
    __syncthreads();
    unsigned long long bw[4];
#pragma unroll
    for (int j = 0; j < 4; ++j) bw[j] = Bw[tx + 16 * j];
#pragma unroll 8
    for (int kk = 0; kk < KW; ++kk) {
      T a[4];
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        a[i] = Xs[kk][ty + 16 * i];
        rs[i] += a[i];
      }
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const T mask = T(0) - T((bw[j] >> kk) & 1ull);
#pragma unroll
        for (int i = 0; i < 4; ++i) acc[i][j] += a[i] & mask;
      }
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      int r = m0 + ty + 16 * i, c = n0 + tx + 16 * j;
      if (r < m && c < n) C[size_t(r) * n + c] = rs[i] - T(2) * acc[i][j];
    }
}

template <typename T>
__global__ void row_sums_kernel(const T* __restrict__ X, T* __restrict__ out, size_t m, size_t k) {
  const size_t warps = blockDim.x / 32;
  const size_t row = blockIdx.x * warps + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (row >= m) return;
  T s = 0;
  for (size_t t = lane; t < k; t += 32) s += X[row * k + t];
#pragma unroll
  for (int off = 16; off > 0; off >>= 1) s += __shfl_down_sync(0xffffffffu, s, off);
  if (lane == 0) out[row] = s;
}

template <typename T>
int gemm_t(const T* a, const T* b, T* c, size_t m, size_t k, size_t n, cudaStream_t st) {
  if (m == 0 || n == 0) return LUTMPC_CUDA_OK;
  dim3 grid(static_cast<unsigned>((n + BN - 1) / BN), static_cast<unsigned>((m + BM - 1) / BM));
  simt_gemm_kernel<T><<<grid, THREADS, 0, st>>>(a, b, c, int(m), int(k), int(n));
  LUTMPC_CK_LAUNCH("simt_gemm kernel");
  return LUTMPC_CUDA_OK;
}

template <typename T>
int pm1_t(const T* x, const uint64_t* bp, T* c, size_t m, size_t k, size_t n, cudaStream_t st) {
  if (m == 0 || n == 0) return LUTMPC_CUDA_OK;
  const int W = int((k + 63) / 64);
  dim3 grid(static_cast<unsigned>((n + BN - 1) / BN), static_cast<unsigned>((m + BM - 1) / BM));
  simt_pm1_kernel<T><<<grid, THREADS, 0, st>>>(x, bp, c, int(m), int(k), int(n), W);
  LUTMPC_CK_LAUNCH("simt_pm1 kernel");
  return LUTMPC_CUDA_OK;
}

}  // namespace

int simt_gemm_u32(const uint32_t* a, const uint32_t* b, uint32_t* c, size_t m, size_t k, size_t n, cudaStream_t st) {
  return gemm_t<uint32_t>(a, b, c, m, k, n, st);
}
int simt_gemm_u64(const uint64_t* a, const uint64_t* b, uint64_t* c, size_t m, size_t k, size_t n, cudaStream_t st) {
  return gemm_t<unsigned long long>(reinterpret_cast<const unsigned long long*>(a),
                                    reinterpret_cast<const unsigned long long*>(b),
                                    reinterpret_cast<unsigned long long*>(c), m, k, n, st);
}
int simt_pm1_u32(const uint32_t* x, const uint64_t* bp, uint32_t* c, size_t m, size_t k, size_t n, cudaStream_t st) {
  return pm1_t<uint32_t>(x, bp, c, m, k, n, st);
}
int simt_pm1_u64(const uint64_t* x, const uint64_t* bp, uint64_t* c, size_t m, size_t k, size_t n, cudaStream_t st) {
  return pm1_t<unsigned long long>(reinterpret_cast<const unsigned long long*>(x), bp,
                                   reinterpret_cast<unsigned long long*>(c), m, k, n, st);
}

int row_sums_u32(const uint32_t* x, uint32_t* out, size_t m, size_t k, cudaStream_t st) {
  if (m == 0) return LUTMPC_CUDA_OK;
  constexpr unsigned block = 256, warps = block / 32;
  row_sums_kernel<uint32_t><<<static_cast<unsigned>((m + warps - 1) / warps), block, 0, st>>>(x, out, m, k);
  LUTMPC_CK_LAUNCH("row_sums kernel");
  return LUTMPC_CUDA_OK;
}

}  // namespace lutmpc_cuda
