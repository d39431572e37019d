// Memory advice for large buffers (material tables, corrections, GEMM operands).
#pragma once
#include <cstddef>

namespace lutmpc {

/** Huge-page granularity the advice works at (2 MiB on x86-64 Linux). */
constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;

/**
 * Ask the kernel to back the 2 MiB-aligned interior of [p, p + bytes) with
 * transparent huge pages (Linux madvise MADV_HUGEPAGE; a no-op elsewhere).
 * Call it before the pages are first written, so that they are faulted in as
 * huge pages. Returns the number of bytes advised (0 when the range holds no
 * aligned 2 MiB block or the system refuses). Contents are never changed.
 */
std::size_t advise_huge_pages(void* p, std::size_t bytes);

}  // namespace lutmpc
