// GPU routing of the addon's async kernels (CUDA-enabled build only, see
// CMakeLists.txt target lutmpc_addon_cuda). Why a size threshold: the
// host-pointer CUDA entry points copy inputs in and results out over PCIe, so
// only calls whose arithmetic outweighs those copies go to the GPU; smaller
// ones stay on the CPU core. Why a plain exception: the work runs inside
// KernelWorker::Execute on a libuv thread, whose catch turns it into
// SetError(message) and a rejected Promise. lutmpc_cuda_last_error() is
// thread-local, so it is read right after the failing call on that thread.
#pragma once
#ifdef LUTMPC_WITH_CUDA

#include <napi.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "lutmpc_cuda.h"

namespace lutmpc_addon {
namespace cuda {

// Routing thresholds: below them the CPU core is as fast or faster once the
// host<->device copies are counted.
constexpr std::size_t kMinMacs = std::size_t{1} << 24;   // GEMM multiply-adds m*k*n
constexpr std::size_t kMinElems = std::size_t{1} << 16;  // gather output elements
constexpr std::size_t kMinBytes = std::size_t{1} << 20;  // PRG keystream bytes

/** Devices seen at first use (probing the driver once; 0 without a driver or GPU). */
inline int device_count() {
  static const int n = lutmpc_cuda_device_count();
  return n;
}

/** Routing switch, on by default; configure({ cuda: false }) keeps everything on the CPU core. */
inline std::atomic<bool>& enabled_flag() {
  static std::atomic<bool> on{true};
  return on;
}

inline bool active() { return device_count() > 0 && enabled_flag().load(std::memory_order_relaxed); }

/** m*k*n >= kMinMacs without overflowing (m*k is already checked <= 2^48). */
inline bool gemm_on_gpu(std::size_t mk, std::size_t n) {
  return active() && n != 0 && mk >= (kMinMacs + n - 1) / n;
}
/**
 * Per-element tables never go: their host copy is 2^bits entries per element
 * read once each, so the PCIe transfer is 2^bits times the work (measured on
 * an H200 host, 393216 elements of 8-bit tables: 13.5 ms through the GPU, a
 * secure BERT-base forward 12x slower in its gather-bound LayerNorms).
 */
inline bool gather_on_gpu(std::size_t n, bool perElement) { return active() && !perElement && n >= kMinElems; }
inline bool prg_on_gpu(std::size_t bytes) { return active() && bytes >= kMinBytes; }

/** Ring width of an element size in bytes (table / index storage). */
inline int ring_of_bytes(std::size_t b) { return b == 8 ? 64 : b == 4 ? 32 : b == 2 ? 16 : 8; }

/** Throw the calling thread's CUDA error message when `status` is not OK. */
inline void check(int status, const char* fn) {
  if (status == LUTMPC_CUDA_OK) return;
  const char* msg = lutmpc_cuda_last_error();
  std::string m = std::string("CUDA ") + fn + ": " + (msg && *msg ? msg : lutmpc_cuda_status_string(status));
  throw std::runtime_error(m);
}

struct Device {
  std::string name;
  int major = 0, minor = 0;
};

/** Name and compute capability of `device`; the CUDA error message on failure. */
inline bool device_info(int device, Device& d, std::string& err) {
  char name[256] = {0};
  int st = lutmpc_cuda_device_info(device, name, sizeof name, &d.major, &d.minor);
  if (st != LUTMPC_CUDA_OK) {
    const char* msg = lutmpc_cuda_last_error();
    err = msg && *msg ? msg : lutmpc_cuda_status_string(st);
    return false;
  }
  d.name = name;
  return true;
}

}  // namespace cuda
}  // namespace lutmpc_addon

#endif  // LUTMPC_WITH_CUDA
