// Persistent pool: workers sleep on a condition variable; a job is a chunk
// counter that the caller and workers drain together.
#include "lutmpc/threads.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace lutmpc {
namespace {

thread_local bool t_in_pool_task = false;

// One parallel job: its own chunk counter and completion count, so a worker
// that wakes late can only ever work on the job it picked up (never on the
// next one's counters), and every chunk is counted exactly once.
struct Job {
  const std::function<void(std::size_t, std::size_t)>* body = nullptr;
  std::size_t n = 0, step = 1, chunks = 0;
  std::atomic<std::size_t> next{0};
  std::size_t done = 0;
  std::exception_ptr error;
  std::mutex m;
  std::condition_variable cv;
};

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
    auto job = std::make_shared<Job>();
    job->body = &body;
    job->n = n;
    job->step = step;
    job->chunks = chunks;
    {
      std::lock_guard<std::mutex> lk(mtx_);
      job_ = job;
      ++generation_;
    }
    cv_.notify_all();
    work(*job);
    {
      std::unique_lock<std::mutex> lk(job->m);
      job->cv.wait(lk, [&] { return job->done == job->chunks; });
    }
    {
      std::lock_guard<std::mutex> lk(mtx_);
      if (job_ == job) job_.reset();
    }
    if (job->error) std::rethrow_exception(job->error);
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

  // Drain one job's chunks; called by the caller and by workers.
  static void work(Job& j) {
    bool was = t_in_pool_task;
    t_in_pool_task = true;
    std::size_t finished = 0;
    for (;;) {
      std::size_t c = j.next.fetch_add(1);
      if (c >= j.chunks) break;
      std::size_t b = c * j.step, e = std::min(j.n, b + j.step);
      try {
        (*j.body)(b, e);
      } catch (...) {
        std::lock_guard<std::mutex> lk(j.m);
        if (!j.error) j.error = std::current_exception();
      }
      ++finished;
    }
    t_in_pool_task = was;
    if (finished) {
      std::lock_guard<std::mutex> lk(j.m);
      j.done += finished;
      if (j.done == j.chunks) j.cv.notify_all();
    }
  }

  void loop() {
    std::uint64_t seen = 0;
    for (;;) {
      std::shared_ptr<Job> j;
      {
        std::unique_lock<std::mutex> lk(mtx_);
        cv_.wait(lk, [&] { return quit_ || (generation_ != seen && job_ != nullptr); });
        if (quit_) return;
        seen = generation_;
        j = job_;
      }
      work(*j);
    }
  }

  unsigned nthreads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex run_mtx_;  // one parallel job at a time
  std::mutex mtx_;      // guards job_, generation_, quit_
  std::condition_variable cv_;
  std::shared_ptr<Job> job_;
  std::uint64_t generation_ = 0;
  bool quit_ = false;
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
