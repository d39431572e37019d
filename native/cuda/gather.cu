// Table reads: gatherShared (one table of 2^bits entries for all elements)
// and gatherPerElement (element i reads its own table at i * 2^bits).
// Why two kernels: a small shared table is staged in shared memory once per
// block (random reads then hit on-chip memory); per-element tables are read
// once each, so those go straight through the read-only cache.
#include "common.cuh"

namespace lutmpc_cuda {
namespace {

constexpr unsigned kBlock = 256;
constexpr size_t kSmemTableBytes = 16 * 1024;  // stage shared tables up to 16 KiB

template <typename T, typename I, bool STAGED>
__global__ void gather_shared_kernel(const T* __restrict__ table, unsigned long long mask, const I* __restrict__ idx,
                                     T* __restrict__ out, size_t n) {
  extern __shared__ __align__(16) unsigned char smem_raw[];
  const T* tab = table;
  if (STAGED) {
    T* s = reinterpret_cast<T*>(smem_raw);
    for (unsigned long long j = threadIdx.x; j <= mask; j += blockDim.x) s[j] = table[j];
    __syncthreads();
    tab = s;
  }
  const size_t stride = size_t(gridDim.x) * blockDim.x;
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += stride) {
    unsigned long long j = static_cast<unsigned long long>(idx[i]) & mask;
    out[i] = STAGED ? tab[j] : __ldg(&tab[j]);
  }
}

template <typename T, typename I>
__global__ void gather_per_element_kernel(const T* __restrict__ tables, unsigned bits, unsigned long long mask,
                                          const I* __restrict__ idx, T* __restrict__ out, size_t n) {
  const size_t stride = size_t(gridDim.x) * blockDim.x;
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += stride) {
    unsigned long long j = static_cast<unsigned long long>(idx[i]) & mask;
    out[i] = __ldg(&tables[(static_cast<unsigned long long>(i) << bits) + j]);
  }
}

template <typename T, typename I>
int launch_ti(bool per_element, const void* table, unsigned bits, const void* idx, void* out, size_t n,
              cudaStream_t st) {
  const unsigned long long mask = (1ull << bits) - 1ull;  // bits <= 40 checked by the caller
  const T* tab = static_cast<const T*>(table);
  const I* ix = static_cast<const I*>(idx);
  T* o = static_cast<T*>(out);
  unsigned grid = grid_for(n, kBlock, 8192);
  if (per_element) {
    gather_per_element_kernel<T, I><<<grid, kBlock, 0, st>>>(tab, bits, mask, ix, o, n);
  } else {
    const size_t entries = size_t(mask) + 1;
    const size_t table_bytes = entries * sizeof(T);
    // Staging costs one table load per block: only worth it when each block
    // reads at least as many entries as it stages, so the staged grid is capped.
    const unsigned staged_grid = grid_for(n, kBlock, 1024);
    if (table_bytes <= kSmemTableBytes && n / staged_grid >= entries) {
      gather_shared_kernel<T, I, true><<<staged_grid, kBlock, table_bytes, st>>>(tab, mask, ix, o, n);
    } else {
      gather_shared_kernel<T, I, false><<<grid, kBlock, 0, st>>>(tab, mask, ix, o, n);
    }
  }
  LUTMPC_CK_LAUNCH(per_element ? "gather_per_element kernel" : "gather_shared kernel");
  return LUTMPC_CUDA_OK;
}

template <typename T>
int launch_t(bool per_element, const void* table, unsigned bits, int idx_l, const void* idx, void* out, size_t n,
             cudaStream_t st) {
  switch (ring_bytes(idx_l)) {
    case 1: return launch_ti<T, uint8_t>(per_element, table, bits, idx, out, n, st);
    case 2: return launch_ti<T, uint16_t>(per_element, table, bits, idx, out, n, st);
    case 4: return launch_ti<T, uint32_t>(per_element, table, bits, idx, out, n, st);
    default: return launch_ti<T, unsigned long long>(per_element, table, bits, idx, out, n, st);
  }
}

int check_args(int l, unsigned bits, int idx_l, size_t n, bool per_element) {
  LUTMPC_TRY(check_ring(l, "table ring l"));
  LUTMPC_TRY(check_ring(idx_l, "index ring idx_l"));
  if (bits > 40) return fail(LUTMPC_CUDA_EINVAL, "bits=%u: table index width must be <= 40", bits);
  size_t entries = size_t(1) << bits, total = 0;
  if (per_element) LUTMPC_TRY(checked_mul(n, entries, &total, "per-element tables"));
  else total = entries;
  LUTMPC_TRY(checked_mul(total, ring_bytes(l), &total, "tables"));
  return LUTMPC_CUDA_OK;
}

int dispatch(bool per_element, int l, const void* table, unsigned bits, int idx_l, const void* idx, void* out,
             size_t n, cudaStream_t st) {
  LUTMPC_TRY(check_args(l, bits, idx_l, n, per_element));
  if (n == 0) return LUTMPC_CUDA_OK;
  switch (ring_bytes(l)) {
    case 1: return launch_t<uint8_t>(per_element, table, bits, idx_l, idx, out, n, st);
    case 2: return launch_t<uint16_t>(per_element, table, bits, idx_l, idx, out, n, st);
    case 4: return launch_t<uint32_t>(per_element, table, bits, idx_l, idx, out, n, st);
    default: return launch_t<unsigned long long>(per_element, table, bits, idx_l, idx, out, n, st);
  }
}

int host_call(bool per_element, int l, const void* table, unsigned bits, int idx_l, const void* idx, void* out,
              size_t n) {
  LUTMPC_TRY(check_args(l, bits, idx_l, n, per_element));
  LUTMPC_TRY(require_device());
  const size_t eb = ring_bytes(l);
  const size_t table_bytes = (per_element ? n : 1) * (size_t(1) << bits) * eb;
  cudaStream_t st = host_stream();
  DevBuf dt, di, dout;
  LUTMPC_TRY(upload(dt, table, table_bytes, st, "gather table"));
  LUTMPC_TRY(upload(di, idx, n * ring_bytes(idx_l), st, "gather indices"));
  LUTMPC_TRY(dout.alloc(n * eb, st, "gather output"));
  LUTMPC_TRY(dispatch(per_element, l, dt.get(), bits, idx_l, di.get(), dout.get(), n, st));
  return download_sync(out, dout, n * eb, st);
}

}  // namespace
}  // namespace lutmpc_cuda

using namespace lutmpc_cuda;

extern "C" int lutmpc_cuda_gather_shared(int l, const void* table, unsigned bits, int idx_l, const void* idx, void* out,
                                         size_t n) {
  clear_error();
  return host_call(false, l, table, bits, idx_l, idx, out, n);
}
extern "C" int lutmpc_cuda_gather_per_element(int l, const void* tables, unsigned bits, int idx_l, const void* idx,
                                              void* out, size_t n) {
  clear_error();
  return host_call(true, l, tables, bits, idx_l, idx, out, n);
}
extern "C" int lutmpc_cuda_gather_shared_dev(int l, const void* table, unsigned bits, int idx_l, const void* idx,
                                             void* out, size_t n, void* stream) {
  clear_error();
  return dispatch(false, l, table, bits, idx_l, idx, out, n, as_stream(stream));
}
extern "C" int lutmpc_cuda_gather_per_element_dev(int l, const void* tables, unsigned bits, int idx_l, const void* idx,
                                                  void* out, size_t n, void* stream) {
  clear_error();
  return dispatch(true, l, tables, bits, idx_l, idx, out, n, as_stream(stream));
}
