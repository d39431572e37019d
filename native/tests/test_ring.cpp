// Element-wise ring ops against a per-element 64-bit reference, all widths,
// all ops, edge values (0, −1, 2^(l−1), wrap-around), in-place use.
#include <cstring>
#include <vector>

#include "harness.h"
#include "lutmpc/ring.h"
#include "lutmpc/threads.h"

using namespace lutmpc;

static std::uint64_t get(int l, const std::vector<std::uint8_t>& buf, std::size_t i) {
  switch (ring_elem_bytes(l)) {
    case 1: return buf[i];
    case 2: { std::uint16_t v; std::memcpy(&v, &buf[2 * i], 2); return v; }
    case 4: { std::uint32_t v; std::memcpy(&v, &buf[4 * i], 4); return v; }
    default: { std::uint64_t v; std::memcpy(&v, &buf[8 * i], 8); return v; }
  }
}

static std::vector<std::uint8_t> make(int l, std::size_t n) {
  std::vector<std::uint8_t> buf(n * ring_elem_bytes(l));
  const std::uint64_t mask = ring_mask(l);
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t r = th::rnd();
    std::uint64_t v;
    switch (r % 6) {
      case 0: v = 0; break;
      case 1: v = mask; break;
      case 2: v = (std::uint64_t{1} << (l - 1)); break;
      case 3: v = 1; break;
      default: v = (r >> 3) & mask; break;
    }
    std::memcpy(&buf[i * ring_elem_bytes(l)], &v, ring_elem_bytes(l));
  }
  return buf;
}

static std::uint64_t sext(int l, std::uint64_t v) {
  unsigned up = 64 - l;
  return static_cast<std::uint64_t>(static_cast<std::int64_t>(v << up) >> up);
}

int main() {
  const int ls[] = {1, 8, 16, 32, 64};
  for (unsigned threads : {1u, 2u}) {
    set_num_threads(threads);
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{37}, std::size_t{300000}}) {
      for (int l : ls) {
        const std::uint64_t M = ring_mask(l);
        auto a = make(l, n), b = make(l, n);
        std::vector<std::uint8_t> out(a.size());
        for (int op = 0; op < 6; ++op) {
          ring_binary(static_cast<BinOp>(op), l, a.data(), b.data(), out.data(), n);
          for (std::size_t i = 0; i < n; ++i) {
            std::uint64_t x = get(l, a, i), y = get(l, b, i), e = 0;
            switch (op) {
              case 0: e = x + y; break;
              case 1: e = x - y; break;
              case 2: e = x * y; break;
              case 3: e = x & y; break;
              case 4: e = x | y; break;
              case 5: e = x ^ y; break;
            }
            CHECK_MSG(get(l, out, i) == (e & M), "binary op %d l=%d i=%zu", op, l, i);
            if (get(l, out, i) != (e & M)) break;
          }
          // in place: out = a
          auto a2 = a;
          ring_binary(static_cast<BinOp>(op), l, a2.data(), b.data(), a2.data(), n);
          CHECK(a2 == out);
        }
        for (int op = 0; op < 2; ++op) {
          ring_unary(static_cast<UnOp>(op), l, a.data(), out.data(), n);
          for (std::size_t i = 0; i < n; ++i) {
            std::uint64_t x = get(l, a, i);
            std::uint64_t e = op == 0 ? (0 - x) : ~x;
            CHECK_MSG(get(l, out, i) == (e & M), "unary op %d l=%d", op, l);
            if (get(l, out, i) != (e & M)) break;
          }
        }
        for (std::uint64_t s : {std::uint64_t{0}, std::uint64_t{1}, ~std::uint64_t{0}, std::uint64_t{3} << 62, th::rnd()}) {
          ring_mul_scalar(l, a.data(), s, out.data(), n);
          for (std::size_t i = 0; i < n; ++i) {
            std::uint64_t e = (get(l, a, i) * s) & M;
            CHECK_MSG(get(l, out, i) == e, "mulScalar l=%d", l);
            if (get(l, out, i) != e) break;
          }
        }
        for (int op = 0; op < 3; ++op) {
          for (unsigned k = 0; k < static_cast<unsigned>(l); k += (l > 8 ? 5 : 1)) {
            ring_shift(static_cast<ShiftOp>(op), l, a.data(), k, out.data(), n);
            for (std::size_t i = 0; i < n; ++i) {
              std::uint64_t x = get(l, a, i), e = 0;
              if (op == 0) e = (x << k) & M;
              else if (op == 1) e = x >> k;
              else e = (sext(l, x) >> k | (sext(l, x) >> 63 ? ~(~std::uint64_t{0} >> k) : 0)) & M;
              CHECK_MSG(get(l, out, i) == e, "shift op %d l=%d k=%u x=%llu got %llu want %llu", op, l, k,
                        (unsigned long long)x, (unsigned long long)get(l, out, i), (unsigned long long)e);
              if (get(l, out, i) != e) break;
            }
          }
        }
      }
    }
  }
  TEST_MAIN_END();
}
