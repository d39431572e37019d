// Shared plumbing of the CUDA kernels: error reporting (thread-local message +
// status code), argument checks, stream-ordered device buffers and the
// host-pointer wrapper pattern (copy in, run the _dev variant, copy out).
// Why one header: every kernel file returns errors the same way, so the addon
// maps them to one JavaScript error class.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <cstdio>
#include <cstddef>
#include <string>

#include "lutmpc_cuda.h"

namespace lutmpc_cuda {

/** Record a failure message for lutmpc_cuda_last_error() and return `status`. */
int fail(int status, const char* fmt, ...);
/** Clear the calling thread's message (start of every API call). */
void clear_error();

/** Translate a CUDA error into a status with a message naming `what`. */
inline int cuda_fail(cudaError_t e, const char* what) {
  if (e == cudaErrorMemoryAllocation) return fail(LUTMPC_CUDA_ENOMEM, "%s: out of device memory", what);
  if (e == cudaErrorNoDevice || e == cudaErrorInsufficientDriver)
    return fail(LUTMPC_CUDA_ENODEV, "%s: %s", what, cudaGetErrorString(e));
  return fail(LUTMPC_CUDA_ECUDA, "%s: %s (%s)", what, cudaGetErrorString(e), cudaGetErrorName(e));
}

#define LUTMPC_CK(call)                                        \
  do {                                                          \
    cudaError_t e_ = (call);                                    \
    if (e_ != cudaSuccess) return ::lutmpc_cuda::cuda_fail(e_, #call); \
  } while (0)

/** Check the launch of the kernel just queued. */
#define LUTMPC_CK_LAUNCH(name)                                          \
  do {                                                                   \
    cudaError_t e_ = cudaGetLastError();                                 \
    if (e_ != cudaSuccess) return ::lutmpc_cuda::cuda_fail(e_, name);   \
  } while (0)

#define LUTMPC_TRY(expr)              \
  do {                                \
    int s_ = (expr);                  \
    if (s_ != LUTMPC_CUDA_OK) return s_; \
  } while (0)

inline cudaStream_t as_stream(void* s) { return static_cast<cudaStream_t>(s); }

/** Storage bytes of ring Z_2^l, 0 if l is not a ring width. */
inline size_t ring_bytes(int l) {
  switch (l) {
    case 1:
    case 8: return 1;
    case 16: return 2;
    case 32: return 4;
    case 64: return 8;
    default: return 0;
  }
}

inline int check_ring(int l, const char* arg) {
  if (ring_bytes(l) == 0) return fail(LUTMPC_CUDA_EINVAL, "%s: ring width l=%d is not one of 1, 8, 16, 32, 64", arg, l);
  return LUTMPC_CUDA_OK;
}

/** a*b into *out, failing with EINVAL on size_t overflow. */
inline int checked_mul(size_t a, size_t b, size_t* out, const char* what) {
  if (a != 0 && b > SIZE_MAX / a) return fail(LUTMPC_CUDA_EINVAL, "%s: size %zu x %zu overflows", what, a, b);
  *out = a * b;
  return LUTMPC_CUDA_OK;
}

/** Keep freed stream-ordered allocations cached on the current device (once per device). */
void tune_pool();

/** Fails with ENODEV unless a device is present (host-pointer entry points). */
int require_device();

/** Device buffer from the stream-ordered pool; freed on the same stream. */
class DevBuf {
 public:
  DevBuf() = default;
  DevBuf(const DevBuf&) = delete;
  DevBuf& operator=(const DevBuf&) = delete;
  ~DevBuf() {
    if (p_) cudaFreeAsync(p_, s_);
  }
  int alloc(size_t bytes, cudaStream_t s, const char* what) {
    s_ = s;
    tune_pool();
    if (bytes == 0) bytes = 1;  // keep a valid pointer for empty arrays
    cudaError_t e = cudaMallocAsync(&p_, bytes, s);
    if (e != cudaSuccess) {
      p_ = nullptr;
      return cuda_fail(e, what);
    }
    return LUTMPC_CUDA_OK;
  }
  template <typename T>
  T* as() const {
    return static_cast<T*>(p_);
  }
  void* get() const { return p_; }

 private:
  void* p_ = nullptr;
  cudaStream_t s_ = nullptr;
};

/** Copy `bytes` host -> new device buffer on stream s. */
inline int upload(DevBuf& d, const void* h, size_t bytes, cudaStream_t s, const char* what) {
  LUTMPC_TRY(d.alloc(bytes, s, what));
  if (bytes) LUTMPC_CK(cudaMemcpyAsync(d.get(), h, bytes, cudaMemcpyHostToDevice, s));
  return LUTMPC_CUDA_OK;
}

/** Copy device -> host and wait for the stream (end of a host-pointer call). */
inline int download_sync(void* h, const DevBuf& d, size_t bytes, cudaStream_t s) {
  if (bytes) LUTMPC_CK(cudaMemcpyAsync(h, d.get(), bytes, cudaMemcpyDeviceToHost, s));
  LUTMPC_CK(cudaStreamSynchronize(s));
  return LUTMPC_CUDA_OK;
}

/** Stream of host-pointer calls: each host thread gets its own. */
inline cudaStream_t host_stream() { return cudaStreamPerThread; }

/** Grid size for a grid-stride loop over `n` items. */
inline unsigned grid_for(size_t n, unsigned block, unsigned max_blocks = 65535u * 8u) {
  size_t g = (n + block - 1) / block;
  if (g == 0) g = 1;
  if (g > max_blocks) g = max_blocks;
  return static_cast<unsigned>(g);
}

inline size_t round_up(size_t x, size_t m) { return (x + m - 1) / m * m; }

}  // namespace lutmpc_cuda
