// Persistent pool: workers sleep on a condition variable; a job is a chunk
// counter that the caller and workers drain together.
#include "lutmpc/threads.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace lutmpc {
namespace {

thread_local bool t_in_pool_task = false;

class Pool {
 public:
  explicit Pool(unsigned n) { start(n); }
  ~Pool() { stop(); }

  unsigned size() const { return nthreads_; }

  void resize(unsigned n) {
    std::lock_guard<std::mutex> run(run_mtx_);
    stop();
    start(n);
  }

  void run(std::size_t n, std::size_t grain, const std::function<void(std::size_t, std::size_t)>& body) {
    if (n == 0) return;
    if (grain == 0) grain = 1;
    std::size_t chunks = (n + grain - 1) / grain;
    if (nthreads_ <= 1 || chunks <= 1 || t_in_pool_task) {
      body(0, n);
      return;
    }
    std::unique_lock<std::mutex> run(run_mtx_, std::try_to_lock);
    if (!run.owns_lock()) {  // another call is using the pool: do not wait for it
      body(0, n);
      return;
    }
    // Split into at most ~4 chunks per thread for balance.
    std::size_t maxChunks = static_cast<std::size_t>(nthreads_) * 4;
    if (chunks > maxChunks) chunks = maxChunks;
    std::size_t step = (n + chunks - 1) / chunks;
    chunks = (n + step - 1) / step;
    {
      std::lock_guard<std::mutex> lk(mtx_);
      body_ = &body;
      n_ = n;
      step_ = step;
      chunks_ = chunks;
      next_.store(0);
      done_ = 0;
      error_ = nullptr;
      ++generation_;
    }
    cv_.notify_all();
    work();
    std::unique_lock<std::mutex> lk(mtx_);
    done_cv_.wait(lk, [&] { return done_ == chunks_; });
    body_ = nullptr;
    std::exception_ptr err = error_;
    lk.unlock();
    if (err) std::rethrow_exception(err);
  }

 private:
  void start(unsigned n) {
    nthreads_ = std::max(1u, n);
    quit_ = false;
    for (unsigned i = 1; i < nthreads_; ++i) workers_.emplace_back([this] { loop(); });
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lk(mtx_);
      quit_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  // Drain chunks; called by the caller and by workers.
  void work() {
    bool was = t_in_pool_task;
    t_in_pool_task = true;
    std::size_t finished = 0;
    for (;;) {
      std::size_t c = next_.fetch_add(1);
      if (c >= chunks_) break;
      std::size_t b = c * step_, e = std::min(n_, b + step_);
      try {
        (*body_)(b, e);
      } catch (...) {
        std::lock_guard<std::mutex> lk(mtx_);
        if (!error_) error_ = std::current_exception();
      }
      ++finished;
    }
    t_in_pool_task = was;
    if (finished) {
      std::lock_guard<std::mutex> lk(mtx_);
      done_ += finished;
      if (done_ == chunks_) done_cv_.notify_all();
    }
  }

  void loop() {
    std::uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lk(mtx_);
        cv_.wait(lk, [&] { return quit_ || (generation_ != seen && body_ != nullptr); });
        if (quit_) return;
        seen = generation_;
      }
      work();
    }
  }

  unsigned nthreads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex run_mtx_;  // one parallel job at a time
  std::mutex mtx_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(std::size_t, std::size_t)>* body_ = nullptr;
  std::size_t n_ = 0, step_ = 1, chunks_ = 0, done_ = 0;
  std::atomic<std::size_t> next_{0};
  std::uint64_t generation_ = 0;
  bool quit_ = false;
  std::exception_ptr error_;
};

unsigned default_threads() {
  if (const char* e = std::getenv("LUTMPC_THREADS")) {
    long v = std::strtol(e, nullptr, 10);
    if (v >= 1 && v <= 1024) return static_cast<unsigned>(v);
  }
  unsigned hc = std::thread::hardware_concurrency();
  return hc ? hc : 1;
}

Pool& pool() {
  // Leaked on purpose: joining threads during static destruction at process
  // exit (e.g. inside a Node addon unload) can deadlock.
  static Pool* p = new Pool(default_threads());
  return *p;
}

}  // namespace

unsigned num_threads() { return pool().size(); }
void set_num_threads(unsigned n) { pool().resize(n); }

void parallel_for(std::size_t n, std::size_t grain, const std::function<void(std::size_t, std::size_t)>& body) {
  pool().run(n, grain, body);
}

}  // namespace lutmpc
