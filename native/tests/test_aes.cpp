// AES: FIPS-197 Appendix C.1 block, NIST SP 800-38A F.5.1 CTR-AES128 vectors,
// and every implementation (VAES, AES-NI, portable; 1 and 2 threads) equal
// on random keys, odd lengths and 64/128-bit counter carries.
#include <cstring>
#include <string>
#include <vector>

#include "harness.h"
#include "lutmpc/aes.h"
#include "lutmpc/cpu.h"
#include "lutmpc/gather.h"
#include "lutmpc/threads.h"

using namespace lutmpc;

static std::vector<std::uint8_t> hex(const std::string& s) {
  std::vector<std::uint8_t> v;
  for (std::size_t i = 0; i + 1 < s.size(); i += 2) v.push_back(static_cast<std::uint8_t>(std::stoul(s.substr(i, 2), nullptr, 16)));
  return v;
}

int main() {
  {
    auto key = hex("000102030405060708090a0b0c0d0e0f"), pt = hex("00112233445566778899aabbccddeeff");
    std::uint8_t ct[16];
    aes128_encrypt_block_portable(key.data(), pt.data(), ct);
    CHECK(std::memcmp(ct, hex("69c4e0d86a7b0430d8cdb78070b4c55a").data(), 16) == 0);
  }
  const auto key = hex("2b7e151628aed2a6abf7158809cf4f3c"), iv = hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
  const auto pt = hex(
      "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
  const auto ct = hex(
      "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee");

  std::vector<std::string> impls;
  for (int lv = 0; lv <= static_cast<int>(detected_simd()); ++lv)
    for (int aes = 0; aes <= (detected_aesni() ? 1 : 0); ++aes) {
      set_simd_level(static_cast<SimdLevel>(lv));
      set_aesni(aes == 1);
      for (unsigned threads : {1u, 2u}) {
        set_num_threads(threads);
        std::vector<std::uint8_t> ks(64);
        aes128_ctr_keystream(key.data(), iv.data(), ks.data(), 64);
        for (int i = 0; i < 64; ++i) CHECK_MSG((ks[i] ^ pt[i]) == ct[i], "SP800-38A byte %d impl %s", i, aes_impl_name());
        // Odd lengths and carries against the portable single-thread result.
        const char* ivs[] = {"00000000000000000000000000000000", "0000000000000000fffffffffffffff0",
                             "fffffffffffffffffffffffffffffffa", "0123456789abcdef0123456789abcdef"};
        for (const char* ivh : ivs)
          for (std::size_t len : {std::size_t{1}, std::size_t{15}, std::size_t{17}, std::size_t{255}, std::size_t{4097},
                                  std::size_t{(1 << 19) + 7}}) {
            std::vector<std::uint8_t> k2(16);
            for (auto& b : k2) b = static_cast<std::uint8_t>(th::rnd());
            auto iv2 = hex(ivh);
            std::vector<std::uint8_t> got(len), want(len);
            aes128_ctr_keystream(k2.data(), iv2.data(), got.data(), len);
            // Reference: portable block cipher on explicit counters.
            std::vector<std::uint8_t> ctr(iv2);
            for (std::size_t off = 0; off < len; off += 16) {
              std::uint8_t blk[16];
              aes128_encrypt_block_portable(k2.data(), ctr.data(), blk);
              std::memcpy(&want[off], blk, std::min<std::size_t>(16, len - off));
              for (int i = 15; i >= 0; --i)
                if (++ctr[i] != 0) break;
            }
            CHECK_MSG(got == want, "impl %s threads %u iv %s len %zu", aes_impl_name(), threads, ivh, len);
          }
      }
      impls.push_back(aes_impl_name());
    }
  // aes128_ctr_mix = keystream expansion, then an element-wise sub or xor in place.
  for (int aes = 0; aes <= (detected_aesni() ? 1 : 0); ++aes) {
    set_aesni(aes == 1);
    for (unsigned threads : {1u, 2u}) {
      set_num_threads(threads);
      for (std::size_t eb : {std::size_t{1}, std::size_t{2}, std::size_t{4}, std::size_t{8}})
        for (std::size_t len : {std::size_t{0}, eb, std::size_t{24}, std::size_t{4096 + 8}, std::size_t{(5 << 18) + 40}})
          for (bool x : {false, true}) {
            std::vector<std::uint8_t> k2(16), iv2(16);
            for (auto& b : k2) b = static_cast<std::uint8_t>(th::rnd());
            for (auto& b : iv2) b = 0xff;  // the counter wraps at once
            std::vector<std::uint8_t> data(len), ks(len);
            for (auto& b : data) b = static_cast<std::uint8_t>(th::rnd());
            aes128_ctr_keystream(k2.data(), iv2.data(), ks.data(), len);
            std::vector<std::uint8_t> want(data);
            for (std::size_t i = 0; i < len; i += eb) {
              std::uint64_t a = 0, b = 0;
              std::memcpy(&a, &want[i], eb);
              std::memcpy(&b, &ks[i], eb);
              a = x ? (a ^ b) : (a - b);
              std::memcpy(&want[i], &a, eb);
            }
            aes128_ctr_mix(k2.data(), iv2.data(), eb, x, data.data(), len);
            CHECK_MSG(data == want, "mix eb %zu len %zu xor %d threads %u aesni %d", eb, len, int(x), threads, aes);
          }
    }
  }
  // aes128_ctr_gather = full keystream expansion, then one entry per element.
  for (int aes = 0; aes <= (detected_aesni() ? 1 : 0); ++aes) {
    set_aesni(aes == 1);
    for (unsigned threads : {1u, 2u}) {
      set_num_threads(threads);
      for (std::size_t eb : {std::size_t{1}, std::size_t{2}, std::size_t{4}, std::size_t{8}})
        for (unsigned bits : {1u, 4u, 8u, 12u})
          for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{1000}, std::size_t{70000}}) {
            if (n << bits > (std::size_t{1} << 24)) continue;
            std::vector<std::uint8_t> k2(16);
            for (auto& b : k2) b = static_cast<std::uint8_t>(th::rnd());
            auto iv2 = hex("0000000000000000fffffffffffffff0");  // the counter carries inside the tables
            std::vector<std::uint8_t> full((n << bits) * eb + 16);
            aes128_ctr_keystream(k2.data(), iv2.data(), full.data(), (n << bits) * eb);
            std::vector<std::uint32_t> idx(n);
            for (auto& v : idx) v = static_cast<std::uint32_t>(th::rnd());  // high bits must be ignored
            std::vector<std::uint8_t> got(n * eb + 1), want(n * eb + 1);
            aes128_ctr_gather(k2.data(), iv2.data(), eb, bits, 4, idx.data(), got.data(), n);
            for (std::size_t i = 0; i < n; ++i) {
              const std::size_t e = (i << bits) + (idx[i] & ((1u << bits) - 1));
              std::memcpy(&want[i * eb], &full[e * eb], eb);
            }
            CHECK_MSG(got == want, "gather impl %s threads %u eb %zu bits %u n %zu", aes_impl_name(), threads, eb, bits, n);
          }
    }
  }
  // Borrow-chain links: bit_link_gather = a per-bit loop; the keystream variant =
  // keystream expansion + bit_link_gather (n around multiples of 8 and the threaded sizes).
  for (int aes = 0; aes <= (detected_aesni() ? 1 : 0); ++aes) {
    set_aesni(aes == 1);
    for (unsigned threads : {1u, 2u}) {
      set_num_threads(threads);
      for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{8}, std::size_t{13}, std::size_t{70001}})
        for (unsigned off : {0u, 8u, 40u})
          for (int withU = 0; withU < 2; ++withU) {
            const unsigned bb = 6, c = 8;
            std::vector<std::uint8_t> tables(n << bb);
            for (auto& b : tables) b = static_cast<std::uint8_t>(th::rnd());
            std::vector<std::uint32_t> m(n);
            for (auto& v : m) v = static_cast<std::uint32_t>(th::rnd());
            std::vector<std::uint8_t> u((n + 7) / 8);
            for (auto& b : u) b = static_cast<std::uint8_t>(th::rnd());
            const std::uint8_t* pu = withU ? u.data() : nullptr;
            std::vector<std::uint8_t> want((n + 7) / 8, 0), got((n + 7) / 8, 0xaa);
            for (std::size_t i = 0; i < n; ++i) {
              std::uint32_t j = off >= 32 ? 0u : (m[i] >> off) & 0xffu;
              if (withU) j |= static_cast<std::uint32_t>((u[i / 8] >> (i % 8)) & 1u) << c;
              if ((tables[(i << bb) + ((j >> 3) & 63u)] >> (j & 7)) & 1u) want[i / 8] |= static_cast<std::uint8_t>(1u << (i % 8));
            }
            bit_link_gather(tables.data(), bb, m.data(), n, off, c, pu, got.data());
            CHECK_MSG(got == want, "bit_link_gather threads %u n %zu off %u u %d", threads, n, off, withU);
            auto k2 = hex("000102030405060708090a0b0c0d0e0f"), iv2 = hex("0000000000000000fffffffffffffff0");
            std::vector<std::uint8_t> ks((n << bb) + 16);
            aes128_ctr_keystream(k2.data(), iv2.data(), ks.data(), n << bb);
            std::vector<std::uint8_t> wantK((n + 7) / 8, 0), gotK((n + 7) / 8, 0x55);
            bit_link_gather(ks.data(), bb, m.data(), n, off, c, pu, wantK.data());
            aes128_ctr_bit_link_gather(k2.data(), iv2.data(), bb, m.data(), n, off, c, pu, gotK.data());
            CHECK_MSG(gotK == wantK, "aes128_ctr_bit_link_gather impl %s threads %u n %zu off %u u %d", aes_impl_name(), threads, n, off, withU);
          }
    }
  }
  for (auto& s : impls) std::printf("checked %s\n", s.c_str());
  TEST_MAIN_END();
}
