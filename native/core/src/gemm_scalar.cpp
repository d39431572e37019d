// Portable microkernels (baseline ISA: SSE2 on x86-64, NEON/scalar elsewhere).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "gemm_isa.h"

namespace lutmpc {
namespace detail {
namespace {
#define LUTMPC_VB 16
#include "gemm_micro.inc"
#undef LUTMPC_VB
void m32(std::size_t kc, const std::uint32_t* ap, const std::uint32_t* bp, std::uint32_t* c, std::size_t ldc, bool acc,
         std::size_t mr, std::size_t nr) {
  micro_body<std::uint32_t, 4, 2>(kc, ap, bp, c, ldc, acc, mr, nr);
}
void m64(std::size_t kc, const std::uint64_t* ap, const std::uint64_t* bp, std::uint64_t* c, std::size_t ldc, bool acc,
         std::size_t mr, std::size_t nr) {
  micro_body<std::uint64_t, 4, 2>(kc, ap, bp, c, ldc, acc, mr, nr);
}
void p32(const std::uint32_t* x, std::size_t ldx, const std::uint64_t* const cols[4], std::size_t words, std::uint32_t s[4][4]) {
  pm1_body<std::uint32_t>(x, ldx, cols, words, s);
}
void p64(const std::uint64_t* x, std::size_t ldx, const std::uint64_t* const cols[4], std::size_t words, std::uint64_t s[4][4]) {
  pm1_body<std::uint64_t>(x, ldx, cols, words, s);
}
}  // namespace

MicroKernel<std::uint32_t> micro_u32_scalar() { return {4, 8, &m32}; }
MicroKernel<std::uint64_t> micro_u64_scalar() { return {4, 4, &m64}; }
Pm1Tile<std::uint32_t> pm1_u32_scalar() { return &p32; }
Pm1Tile<std::uint64_t> pm1_u64_scalar() { return &p64; }

}  // namespace detail
}  // namespace lutmpc
