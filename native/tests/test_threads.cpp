// Thread pool: every index visited exactly once for many (n, grain, size)
// combinations, nested calls run inline, exceptions reach the caller, and
// concurrent callers (as from several libuv workers) all complete.
#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "harness.h"
#include "lutmpc/threads.h"

using namespace lutmpc;

static bool covers_once(std::size_t n, std::size_t grain) {
  std::vector<std::atomic<int>> hits(n);
  for (auto& h : hits) h = 0;
  parallel_for(n, grain, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) hits[i]++;
  });
  for (auto& h : hits)
    if (h != 1) return false;
  return true;
}

int main() {
  for (unsigned t : {1u, 2u, 3u, 8u}) {
    set_num_threads(t);
    CHECK(num_threads() == t);
    for (std::size_t n : {0, 1, 2, 7, 64, 1000, 100003})
      for (std::size_t g : {0, 1, 3, 1000, 200000}) CHECK_MSG(covers_once(n, g), "threads=%u n=%zu grain=%zu", t, n, g);

    // Nested parallel_for runs inline and still covers everything.
    std::atomic<long> sum{0};
    parallel_for(16, 1, [&](std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i)
        parallel_for(100, 1, [&](std::size_t b2, std::size_t e2) { sum += static_cast<long>(e2 - b2); });
    });
    CHECK(sum == 1600);

    // An exception in one chunk reaches the caller after all chunks finish.
    bool caught = false;
    try {
      parallel_for(1000, 1, [&](std::size_t b, std::size_t) {
        if (b == 0) throw std::runtime_error("boom");
      });
    } catch (const std::runtime_error&) {
      caught = true;
    }
    CHECK(caught);

    // Concurrent callers.
    std::vector<std::thread> callers;
    std::atomic<int> ok{0};
    for (int c = 0; c < 4; ++c)
      callers.emplace_back([&] {
        for (int r = 0; r < 50; ++r)
          if (covers_once(5000, 10)) ok++;
      });
    for (auto& th : callers) th.join();
    CHECK(ok == 200);

    // Many tiny jobs back to back from several callers: a worker that wakes
    // late must never take chunks of the next job (each element exactly once,
    // and every call returns; a lost completion count would hang here).
    std::vector<std::thread> rapid;
    std::atomic<int> rapidOk{0};
    for (int c = 0; c < 3; ++c)
      rapid.emplace_back([&] {
        int good = 0;
        for (int r = 0; r < 20000; ++r)
          if (covers_once(8 + static_cast<std::size_t>(r % 5), 1)) ++good;
        if (good == 20000) rapidOk++;
      });
    for (auto& th : rapid) th.join();
    CHECK(rapidOk == 3);
  }
  TEST_MAIN_END();
}
