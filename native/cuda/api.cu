// Device discovery and error reporting of the CUDA backend.
// Why: the Node loader probes lutmpc_cuda_device_count() on every start, also
// on machines without a driver, so it must turn every CUDA error into 0.
#include <atomic>
#include <cstdarg>

#include "common.cuh"

namespace lutmpc_cuda {

namespace {
thread_local std::string g_last_error;
}

int fail(int status, const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  g_last_error = buf;
  return status;
}

void clear_error() { g_last_error.clear(); }

const char* last_error_cstr() { return g_last_error.c_str(); }

void tune_pool() {
  // The default pool returns freed memory to the driver at every synchronize;
  // each host-pointer call allocates and frees its buffers, so keep up to
  // 1 GiB cached per device to make repeated calls allocation-free.
  static std::atomic<bool> done[64];
  int dev = 0;
  if (cudaGetDevice(&dev) != cudaSuccess || dev < 0 || dev >= 64) return;
  if (done[dev].exchange(true)) return;
  cudaMemPool_t pool;
  if (cudaDeviceGetDefaultMemPool(&pool, dev) == cudaSuccess) {
    uint64_t threshold = uint64_t(1) << 30;
    cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &threshold);
  }
  (void)cudaGetLastError();
}

int require_device() {
  if (lutmpc_cuda_device_count() <= 0) return fail(LUTMPC_CUDA_ENODEV, "no CUDA device (driver absent or no GPU)");
  return LUTMPC_CUDA_OK;
}

}  // namespace lutmpc_cuda

using namespace lutmpc_cuda;

extern "C" int lutmpc_cuda_device_count(void) {
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) {
    (void)cudaGetLastError();  // clear the (non-sticky) error so later calls start clean
    return 0;
  }
  return n < 0 ? 0 : n;
}

extern "C" int lutmpc_cuda_device_info(int device, char* name, size_t name_len, int* cc_major, int* cc_minor) {
  clear_error();
  int count = lutmpc_cuda_device_count();
  if (device < 0 || device >= count)
    return fail(count == 0 ? LUTMPC_CUDA_ENODEV : LUTMPC_CUDA_EINVAL, "device %d: %d CUDA device(s) present", device,
                count);
  cudaDeviceProp p;
  LUTMPC_CK(cudaGetDeviceProperties(&p, device));
  if (name && name_len) {
    std::snprintf(name, name_len, "%s", p.name);
  }
  if (cc_major) *cc_major = p.major;
  if (cc_minor) *cc_minor = p.minor;
  return LUTMPC_CUDA_OK;
}

extern "C" int lutmpc_cuda_set_device(int device) {
  clear_error();
  int count = lutmpc_cuda_device_count();
  if (device < 0 || device >= count)
    return fail(count == 0 ? LUTMPC_CUDA_ENODEV : LUTMPC_CUDA_EINVAL, "device %d: %d CUDA device(s) present", device,
                count);
  LUTMPC_CK(cudaSetDevice(device));
  return LUTMPC_CUDA_OK;
}

extern "C" const char* lutmpc_cuda_last_error(void) { return last_error_cstr(); }

extern "C" const char* lutmpc_cuda_status_string(int status) {
  switch (status) {
    case LUTMPC_CUDA_OK: return "ok";
    case LUTMPC_CUDA_EINVAL: return "invalid argument";
    case LUTMPC_CUDA_ENODEV: return "no CUDA device";
    case LUTMPC_CUDA_ECUDA: return "CUDA error";
    case LUTMPC_CUDA_ENOMEM: return "out of device memory";
    default: return "unknown status";
  }
}

extern "C" int lutmpc_cuda_stream_synchronize(void* stream) {
  clear_error();
  LUTMPC_CK(cudaStreamSynchronize(as_stream(stream)));
  return LUTMPC_CUDA_OK;
}
