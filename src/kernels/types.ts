/**
 * The one kernel interface. Three backends implement it: native CUDA, native
 * CPU (C++ core through the addon) and plain TypeScript. The TypeScript
 * backend is complete and is the oracle every native kernel is tested against.
 *
 * Conventions (all backends):
 * - A ring Z_2^l is stored in an unsigned typed array: l = 1 and 8 in
 *   Uint8Array (l = 1 holds one bit per byte, values 0/1), 16 in Uint16Array,
 *   32 in Uint32Array, 64 in BigUint64Array. Arithmetic wraps mod 2^l.
 *   Signed values are two's complement.
 * - Matrices are dense and row-major.
 * - `out` may be the same array as an input (in-place). When omitted, a new
 *   array is allocated and returned.
 * - Element-wise ops are synchronous: they are memory-bound and take well
 *   under a millisecond for the tensor sizes of one BERT layer on the native
 *   backend. GEMMs, gathers over large tables and the PRG return Promises and
 *   run off the event loop on the native backends.
 */

export type RingBits = 1 | 8 | 16 | 32 | 64;
export const RING_BITS: readonly RingBits[] = [1, 8, 16, 32, 64];

/** The typed array that stores ring Z_2^l. */
export type RingArrayOf<L extends RingBits> = L extends 64
  ? BigUint64Array
  : L extends 32
    ? Uint32Array
    : L extends 16
      ? Uint16Array
      : Uint8Array;

export type RingArray = Uint8Array | Uint16Array | Uint32Array | BigUint64Array;

/** Element-wise binary ops. */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'and' | 'or' | 'xor';
/** Element-wise unary ops. `shl`, `shr` (logical) and `sar` (arithmetic) take a shift count. */
export type UnaryOp = 'neg' | 'not';
export type ShiftOp = 'shl' | 'shr' | 'sar';

/** Rings a GEMM runs in. */
export type GemmBits = 32 | 64;

/** Which backend runs. */
export type BackendName = 'cuda' | 'cpu' | 'ts';

export interface Kernels {
  readonly name: BackendName;
  /** Human-readable detail: SIMD level, thread count, device name. */
  readonly detail: string;

  // ---- element-wise ring ops (synchronous) ----------------------------------
  /** out[i] = a[i] op b[i] mod 2^l. */
  binary<L extends RingBits>(op: BinaryOp, l: L, a: RingArrayOf<L>, b: RingArrayOf<L>, out?: RingArrayOf<L>): RingArrayOf<L>;
  /** out[i] = op a[i] mod 2^l (neg: −a, not: bitwise complement within l bits). */
  unary<L extends RingBits>(op: UnaryOp, l: L, a: RingArrayOf<L>, out?: RingArrayOf<L>): RingArrayOf<L>;
  /** out[i] = a[i] · s mod 2^l for a public scalar s (any integer; reduced mod 2^l). */
  mulScalar<L extends RingBits>(l: L, a: RingArrayOf<L>, s: bigint, out?: RingArrayOf<L>): RingArrayOf<L>;
  /** Shift by k bits, 0 ≤ k < l: shl (mod 2^l), shr (logical), sar (arithmetic, sign bit is bit l−1). */
  shift<L extends RingBits>(op: ShiftOp, l: L, a: RingArrayOf<L>, k: number, out?: RingArrayOf<L>): RingArrayOf<L>;

  // ---- matrix products ----------------------------------------------------------
  /** C (m×n) = A (m×k) · B (k×n) mod 2^l. */
  gemm<L extends GemmBits>(l: L, a: RingArrayOf<L>, b: RingArrayOf<L>, m: number, k: number, n: number, out?: RingArrayOf<L>): Promise<RingArrayOf<L>>;
  /**
   * C (m×n) = X (m×k) · (1 − 2B) mod 2^l, where B is a k×n bit matrix stored
   * transposed and packed: row j of `bPacked` (⌈k/64⌉ words) holds column j of
   * B, bit t of word w being B[64w + t][j]. Padding bits beyond k are ignored.
   */
  gemmPm1<L extends GemmBits>(l: L, x: RingArrayOf<L>, bPacked: BigUint64Array, m: number, k: number, n: number, out?: RingArrayOf<L>): Promise<RingArrayOf<L>>;
  /**
   * Row-batched products: C[i] (1×n) = A[i] (1×k) · B_i (k×n) mod 2^l for
   * i < m, a different k×n matrix per row, stored back to back in `b`
   * (m·k·n). `out` must not overlap a or b.
   */
  rowGemm<L extends GemmBits>(l: L, a: RingArrayOf<L>, b: RingArrayOf<L>, m: number, k: number, n: number, out?: RingArrayOf<L>): Promise<RingArrayOf<L>>;

  // ---- table reads ---------------------------------------------------------------
  /**
   * out[i] = table[idx[i] mod 2^bits] for one table of 2^bits entries shared by
   * all elements. `idx` holds the (masked) indices in any ring array; only the
   * low `bits` bits are used.
   */
  gatherShared<L extends RingBits>(table: RingArrayOf<L>, bits: number, idx: RingArray, out?: RingArrayOf<L>): Promise<RingArrayOf<L>>;
  /**
   * out[i] = tables[i · 2^bits + (idx[i] mod 2^bits)]: one table of 2^bits
   * entries per element, stored back to back (e.g. per-element rotated tables).
   */
  gatherPerElement<L extends RingBits>(tables: RingArrayOf<L>, bits: number, idx: RingArray, out?: RingArrayOf<L>): Promise<RingArrayOf<L>>;

  /**
   * The dealer's per-element rotated tables: for i < rot.length, j < 2^bits,
   * out[i·2^bits + j] = table[c(i)·2^bits + ((j − rot[i]) mod 2^bits)] with
   * c(i) = (i >> pairShift) mod channels, or with `blocks`
   * ⌊(i >> pairShift) / ((rot.length >> pairShift) / channels)⌋ (contiguous
   * blocks share a table; pairShift 1: elements 2e and 2e + 1 read e's
   * channel). Only the low `bits` bits of rot[i] are used. `table` holds
   * `channels` tables of 2^bits entries; every entry of out is written, and
   * out must not overlap table.
   */
  rotateTables<L extends RingBits>(table: RingArrayOf<L>, bits: number, rot: Uint32Array, channels: number, blocks: boolean, pairShift: 0 | 1, out?: RingArrayOf<L>): Promise<RingArrayOf<L>>;

  // ---- randomness -------------------------------------------------------------------
  /**
   * Fill `out` with the AES-128-CTR keystream for `key` (16 bytes) starting at
   * the 128-bit big-endian counter block `iv` (16 bytes), as node:crypto's
   * 'aes-128-ctr' produces it. `out.byteLength` may be any size.
   */
  prgFill(key: Uint8Array, iv: Uint8Array, out: Uint8Array): Promise<Uint8Array>;
  /**
   * In place, data[i] = data[i] − ks[i] ('sub') or data[i] ⊕ ks[i] ('xor'),
   * with ks the keystream of (key, iv) read as an array of Z_2^l (l ≥ 8,
   * little-endian). Equals `prgFill` into data.length elements followed by
   * `binary(op)`, in one pass and without the keystream buffer (the
   * dealer's correction of a table against P1's pseudo-random share).
   */
  prgMix<L extends RingBits>(key: Uint8Array, iv: Uint8Array, op: 'sub' | 'xor', l: L, data: RingArrayOf<L>): Promise<RingArrayOf<L>>;
  /**
   * Per-element reads of the keystream of (key, iv) seen as an array of
   * Z_2^l (l ≥ 8, little-endian) laid out like per-element tables:
   * out[i] = element i·2^bits + (idx[i] mod 2^bits). Equals `prgFill` over
   * idx.length·2^bits elements followed by `gatherPerElement`, without
   * materialising the tables (a party's pseudo-random table share).
   */
  prgGather<L extends RingBits>(key: Uint8Array, iv: Uint8Array, l: L, bits: number, idx: RingArray, out?: RingArrayOf<L>): Promise<RingArrayOf<L>>;
  /**
   * One link of the borrow chain (src/mpc/lut/borrow-chain.ts) on packed
   * per-element bit tables: element i's bit index is
   * j = ((m[i] >> off) mod 2^c) | (bit i of u) << c (no u term when u is
   * absent; m[i] >> off = 0 for off ≥ 32), and bit i of the result
   * (packed LSB first, ⌈n/8⌉ bytes) is bit j & 7 of byte
   * ((j >> 3) mod 2^byteBits) of element i's 2^byteBits-byte table at
   * i·2^byteBits in `tables`. u, when given, is packed (⌈n/8⌉ bytes).
   */
  bitLinkGather(tables: Uint8Array, byteBits: number, m: Uint32Array, off: number, c: number, u?: Uint8Array, out?: Uint8Array): Promise<Uint8Array>;
  /** `bitLinkGather` with the keystream of (key, iv) as the tables (a party's pseudo-random share of them). */
  prgBitLinkGather(key: Uint8Array, iv: Uint8Array, byteBits: number, m: Uint32Array, off: number, c: number, u?: Uint8Array, out?: Uint8Array): Promise<Uint8Array>;
}

/** Element byte size of each ring's storage. */
export function ringBytes(l: RingBits): number {
  return l === 64 ? 8 : l === 32 ? 4 : l === 16 ? 2 : 1;
}

/** Allocations of at least this many bytes are passed to the large-allocation advisor. */
export const LARGE_ALLOC_BYTES = 8 << 20;

let largeAllocAdvisor: ((a: ArrayBufferView) => unknown) | undefined;

/**
 * Install (or remove) the hook that `allocRing` calls on every fresh array of
 * at least LARGE_ALLOC_BYTES, before anything is written to it. The native
 * backend installs one that asks for transparent huge pages: material tables
 * are read at random long after they were written, and 4 KiB pages make each
 * such read a cold page walk (see native/core/src/memory.cpp).
 */
export function setLargeAllocAdvisor(f: ((a: ArrayBufferView) => unknown) | undefined): void {
  largeAllocAdvisor = f;
}

function fresh<A extends ArrayBufferView>(a: A): A {
  if (largeAllocAdvisor !== undefined && a.byteLength >= LARGE_ALLOC_BYTES) largeAllocAdvisor(a);
  return a;
}

/** The arrays one after another, in a new array of the given type. */
export function concatArrays<A extends Uint8Array | Uint16Array | Uint32Array | BigUint64Array>(parts: readonly A[], make: new (n: number) => A): A {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new make(n);
  let off = 0;
  for (const p of parts) {
    out.set(p as never, off);
    off += p.length;
  }
  return out;
}

/** Allocate a zeroed array for n elements of ring Z_2^l. */
export function allocRing<L extends RingBits>(l: L, n: number): RingArrayOf<L> {
  switch (l) {
    case 64:
      return fresh(new BigUint64Array(n)) as RingArrayOf<L>;
    case 32:
      return fresh(new Uint32Array(n)) as RingArrayOf<L>;
    case 16:
      return fresh(new Uint16Array(n)) as RingArrayOf<L>;
    case 8:
    case 1:
      return fresh(new Uint8Array(n)) as RingArrayOf<L>;
    default:
      throw new RangeError(`ring width l=${String(l)} is not supported (use one of ${RING_BITS.join(', ')})`);
  }
}

/** Arrays below this many bytes come zeroed from `allocRingUninit` too (the heap's small chunks; nothing to save). */
export const UNINIT_MIN_BYTES = 1 << 16;

/**
 * An array for n elements of Z_2^l whose contents are NOT initialised: for
 * buffers that are written whole before anything reads them (frame payloads
 * as they arrive, rotated tables, keystream output). A zeroed allocation
 * that reuses freed heap memory is a memset of the whole buffer (glibc
 * calloc), ~0.7 s of the receiving party's CPU per 10 GB of offline
 * material; this skips it. The memory may hold this process's own earlier
 * data until written, never another process's. Same huge-page advice as
 * allocRing.
 */
export function allocRingUninit<L extends RingBits>(l: L, n: number): RingArrayOf<L> {
  const bytes = n * ringBytes(l);
  if (!Number.isInteger(n) || n < 0 || bytes < UNINIT_MIN_BYTES || !RING_BITS.includes(l)) return allocRing(l, n);
  const buf = Buffer.allocUnsafeSlow(bytes).buffer;
  switch (l) {
    case 64:
      return fresh(new BigUint64Array(buf, 0, n)) as RingArrayOf<L>;
    case 32:
      return fresh(new Uint32Array(buf, 0, n)) as RingArrayOf<L>;
    case 16:
      return fresh(new Uint16Array(buf, 0, n)) as RingArrayOf<L>;
    default:
      return fresh(new Uint8Array(buf, 0, n)) as RingArrayOf<L>;
  }
}

/** The ring width an array's type can store, for argument checks (Uint8Array → 8, also valid for l = 1). */
export function arrayRingBits(a: unknown): RingBits | undefined {
  if (a instanceof BigUint64Array) return 64;
  if (a instanceof Uint32Array) return 32;
  if (a instanceof Uint16Array) return 16;
  if (a instanceof Uint8Array) return 8;
  return undefined;
}
