// A small persistent thread pool shared by all kernels.
// Why: spawning threads per GEMM costs ~50 us; BERT runs thousands of calls.
// Size: std::thread::hardware_concurrency(), or env LUTMPC_THREADS.
#pragma once
#include <cstddef>
#include <functional>

namespace lutmpc {

/** Threads a parallel_for uses (including the caller). */
unsigned num_threads();
/** Change the pool size (>= 1); waits for running work. Used by tests and benches. */
void set_num_threads(unsigned n);

/**
 * Run body(begin, end) over [0, n) split into chunks of at least `grain`
 * items, on the pool plus the calling thread; returns when all are done.
 * If the pool is busy with another caller's work (concurrent async calls),
 * or called from inside a pool task, it runs serially on the calling thread.
 */
void parallel_for(std::size_t n, std::size_t grain, const std::function<void(std::size_t, std::size_t)>& body);

}  // namespace lutmpc
