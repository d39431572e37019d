/**
 * Environment for the party processes this package forks (secure and
 * CrypTen-algorithm parties, server roles).
 *
 * Why: a party allocates and drops large typed arrays every round
 * (openings, table reads, indices). With glibc's defaults every array above
 * the mmap threshold is a fresh mapping, and on the virtual machines we
 * measure on each first touch of a 4 KiB page costs 15–30 µs: writing a fresh
 * 1.5 MB index array took ~30 ns per element against ~3 ns for a reused one.
 * Keeping freed memory in the heap (no mmap'd chunks, no trimming) and asking
 * for transparent huge pages on it lets later arrays reuse pages that are
 * already mapped. Measured on the 2-core VM, 2-layer BERT-base-width
 * forward: online 1.10–1.22 s → 0.87–0.92 s, offline 33–36 s → 23–29 s.
 * The peak RSS is unchanged (it is the high-water mark either way), but the
 * process does not hand freed memory back to the OS until it exits.
 *
 * Only glibc reads GLIBC_TUNABLES (other C libraries ignore it), and it
 * reads it at process start, which is why it is set for the children here.
 * Tunables the user already set are kept and take precedence.
 */
export const PARTY_MALLOC_TUNABLES = 'glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=4294967295:glibc.malloc.trim_threshold=4294967295';

export function partyProcessEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const user = base.GLIBC_TUNABLES;
  // glibc applies tunables left to right, so the user's come last and win.
  return { ...base, GLIBC_TUNABLES: user ? `${PARTY_MALLOC_TUNABLES}:${user}` : PARTY_MALLOC_TUNABLES };
}
