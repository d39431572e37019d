// Tiny test harness: CHECK macros count failures; main returns nonzero on any.
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>

namespace th {
inline int& failures() {
  static int f = 0;
  return f;
}
inline std::mt19937_64& rng() {
  static std::mt19937_64 r(12345);
  return r;
}
inline std::uint64_t rnd() { return rng()(); }
}  // namespace th

#define CHECK(cond)                                                          \
  do {                                                                       \
    if (!(cond)) {                                                           \
      ++th::failures();                                                      \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      if (th::failures() > 20) std::exit(1);                                 \
    }                                                                        \
  } while (0)

#define CHECK_MSG(cond, ...)                                                 \
  do {                                                                       \
    if (!(cond)) {                                                           \
      ++th::failures();                                                      \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                     \
      std::fprintf(stderr, "\n");                                            \
      if (th::failures() > 20) std::exit(1);                                 \
    }                                                                        \
  } while (0)

#define TEST_MAIN_END()                                                      \
  do {                                                                       \
    if (th::failures()) {                                                    \
      std::fprintf(stderr, "%d failure(s)\n", th::failures());               \
      return 1;                                                              \
    }                                                                        \
    std::printf("ok\n");                                                     \
    return 0;                                                                \
  } while (0)
