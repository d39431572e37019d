/**
 * Environment for the party processes this package forks (secure and
 * CrypTen-algorithm parties, server roles).
 *
 * Why: a party allocates and drops large typed arrays every round
 * (openings, table reads, indices). With glibc's defaults every array above
 * the mmap threshold is a fresh mapping, and on the virtual machines we
 * measure on each first touch of a 4 KiB page costs 15–30 µs: writing a fresh
 * 1.5 MB index array took ~30 ns per element against ~3 ns for a reused one.
 *
 * Compute parties (P1, P2) and the client keep freed memory in the heap (no
 * mmap'd chunks, no trimming) with transparent huge pages on it, so later
 * arrays reuse pages that are already mapped. Measured on the 2-core VM,
 * BERT-base seq 128 (`lutmpc bench bert ...`): online 4.3 s → 2.7–2.9 s.
 * Their peak RSS barely moves (it is the high-water mark either way).
 *
 * The dealer (P0) builds and drops gigabytes of tables per segment; with
 * the same settings its heap fragments (peak 2.9 GB → up to 7 GB), so it
 * keeps huge arrays (≥ 32 MiB) as separate mappings that go back to the OS
 * and trims its heap above 512 MiB of free space (peak ~3 GB). Its work is
 * offline only.
 *
 * Only glibc reads GLIBC_TUNABLES (other C libraries ignore it), and it
 * reads it at process start, which is why it is set for the children here.
 * Tunables the user already set are kept and take precedence.
 */
export const COMPUTE_MALLOC_TUNABLES = 'glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=4294967295:glibc.malloc.trim_threshold=4294967295';
export const DEALER_MALLOC_TUNABLES = 'glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=536870912';

/** The environment of a forked party process: P0 (dealer) or a compute party / client / service role. */
export function partyProcessEnv(role: 'dealer' | 'compute', base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const ours = role === 'dealer' ? DEALER_MALLOC_TUNABLES : COMPUTE_MALLOC_TUNABLES;
  const user = base.GLIBC_TUNABLES;
  // glibc applies tunables left to right, so the user's come last and win.
  return { ...base, GLIBC_TUNABLES: user ? `${ours}:${user}` : ours };
}
