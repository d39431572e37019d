// Gathers against plain loops: all table widths, all index widths, bits 1..24
// (high index bits must be ignored), per-element tables, in-place on idx;
// the dealer's table rotations against their definition.
#include <algorithm>
#include <cstring>
#include <vector>

#include "harness.h"
#include "lutmpc/gather.h"
#include "lutmpc/threads.h"

using namespace lutmpc;

static std::uint64_t rd(const std::vector<std::uint8_t>& b, std::size_t w, std::size_t i) {
  std::uint64_t v = 0;
  std::memcpy(&v, &b[i * w], w);
  return v;
}

static std::vector<std::uint8_t> rnd_bytes(std::size_t n) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; i += 8) {
    std::uint64_t r = th::rnd();
    std::memcpy(&v[i], &r, std::min<std::size_t>(8, n - i));
  }
  return v;
}

int main() {
  for (unsigned threads : {1u, 2u}) {
    set_num_threads(threads);
    for (std::size_t eb : {1, 2, 4, 8})
      for (unsigned bits : {1u, 3u, 8u, 12u, 24u}) {
        const std::size_t T = std::size_t{1} << bits;
        auto table = rnd_bytes(T * eb);  // one table per (width, bits): 2^24 entries are big
        const std::size_t np = bits <= 3 ? 70000 : bits <= 8 ? 20000 : 300;  // per-element: np·2^bits entries
        auto tables = bits <= 12 ? rnd_bytes(np * T * eb) : std::vector<std::uint8_t>();
        for (std::size_t ib : {1, 2, 4, 8}) {
          std::size_t n = bits >= 20 ? 1000 : (bits <= 8 ? 70000 : 5000);
          auto idx = rnd_bytes(n * ib);
          std::vector<std::uint8_t> out(n * eb);
          gather_shared(eb, table.data(), bits, ib, idx.data(), out.data(), n);
          for (std::size_t i = 0; i < n; ++i) {
            std::uint64_t e = rd(table, eb, rd(idx, ib, i) & (T - 1));
            CHECK_MSG(rd(out, eb, i) == e, "shared eb=%zu ib=%zu bits=%u i=%zu", eb, ib, bits, i);
            if (rd(out, eb, i) != e) break;
          }
          if (bits <= 12) {
            gather_per_element(eb, tables.data(), bits, ib, idx.data(), out.data(), np);
            for (std::size_t i = 0; i < np; ++i) {
              std::uint64_t e = rd(tables, eb, i * T + (rd(idx, ib, i) & (T - 1)));
              CHECK_MSG(rd(out, eb, i) == e, "per-element eb=%zu ib=%zu bits=%u i=%zu", eb, ib, bits, i);
              if (rd(out, eb, i) != e) break;
            }
          }
          if (eb == ib) {  // in place on idx
            auto idx2 = idx;
            gather_shared(eb, table.data(), bits, ib, idx2.data(), idx2.data(), n);
            gather_shared(eb, table.data(), bits, ib, idx.data(), out.data(), n);
            CHECK(idx2 == out);
          }
        }
      }
  }
  // rotate_tables against the definition: every width, per-column / shared / per-element / block
  // channels, single and paired elements, rotations 0, S − 1 and random.
  for (unsigned threads : {1u, 2u}) {
    set_num_threads(threads);
    for (std::size_t eb : {1, 2, 4, 8})
      for (unsigned bits : {1u, 4u, 9u})
        for (unsigned ps : {0u, 1u})
          for (bool blocks : {false, true})
            for (std::size_t channels : {std::size_t{1}, std::size_t{6}, std::size_t{3000}}) {
              const std::size_t S = std::size_t{1} << bits, n = 6000;
              if (((n >> ps) % channels) != 0) continue;
              auto table = rnd_bytes(channels * S * eb);
              std::vector<std::uint32_t> rot(n);
              for (std::size_t i = 0; i < n; ++i) rot[i] = i % 7 == 0 ? 0 : i % 7 == 1 ? static_cast<std::uint32_t>(S - 1) : static_cast<std::uint32_t>(th::rnd() % S);
              std::vector<std::uint8_t> out(n * S * eb, 0xA5);
              rotate_tables(eb, table.data(), bits, channels, blocks, ps, rot.data(), out.data(), n);
              const std::size_t per = (n >> ps) / channels;
              bool ok = true;
              for (std::size_t i = 0; i < n && ok; ++i) {
                const std::size_t c = blocks ? (i >> ps) / per : (i >> ps) % channels;
                for (std::size_t j = 0; j < S && ok; ++j) {
                  const std::uint64_t want = rd(table, eb, c * S + ((j - rot[i]) & (S - 1)));
                  ok = rd(out, eb, i * S + j) == want;
                  CHECK_MSG(ok, "rotate_tables eb=%zu bits=%u ps=%u blocks=%d channels=%zu i=%zu j=%zu", eb, bits, ps, int(blocks), channels, i, j);
                }
              }
            }
  }
  TEST_MAIN_END();
}
