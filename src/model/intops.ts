/**
 * The integer primitives of the compiled program — the only operations the
 * integer reference (and later the 3-party engine) may use. Every value is a
 * 32-bit two's-complement integer; arithmetic wraps mod 2^32.
 *
 * 1. matmulW(X, W, bias): X int8 [T×K] (or any small ints) × W [K×N] with
 *    entries in the layer's weight range (int8, int4 [−8,7] or ±1) + bias
 *    int32[N] → int32 [T×N], wrap mod 2^32. W and bias are the model owner's.
 *    gatherRows is matmulW with a one-hot X (embedding lookup) plus an
 *    owner-side additive int32 term per position.
 * 2. matmulXX(A, B) / mulXX(a, b): products of two activation tensors, int32
 *    result wrap mod 2^32 (exact mod 2^32 whatever the operand widths).
 * 3. Local linear ops with public integer constants: add, sub, row sums,
 *    multiplication by a public integer (e.g. the hidden size H).
 * 4. requant(y; s, n, tables): t = (y >> s) mod 2^n — an arithmetic (floor)
 *    shift by the secret 0 ≤ s ≤ S_MAX, then the low n bits read as an
 *    unsigned index; out_k = table_k[c][t] for each output table k and channel
 *    c (or one table for all elements). Wrap, not saturate, at the index: the
 *    compiler picks s with margin over calibrated ranges and bakes clipping
 *    into the table contents. One index may feed several tables (same
 *    rounds, one re-mask per output).
 * 5. lut2(t1, t2): a two-input table over n1 + n2 ≤ 12 index bits.
 *
 * S_MAX = 24: the engine realises secret s as a public shift by S_MAX after
 * multiplying the dealer's weights/bias (or the feeding table's entries) by
 * 2^(S_MAX − s); only bits s … s+n−1 of y matter, so y·2^(S_MAX−s) keeps
 * them at bits S_MAX … S_MAX+n−1 ≤ 31 for n ≤ 8. (n = 12 indices use s ≤ 20.)
 */
import { ShapeError } from '../errors.js';
import type { Kernels } from '../kernels/types.js';

export const S_MAX = 24;

/**
 * Public caps on the secret shifts, per requant role: format constants, the
 * same for every model, which the compiler enforces (shiftFor) and the
 * secure engine relies on. Why: the engine's public shift P(n) = 32 − n is
 * reached by scaling y by 2^(P − s), so y·2^(P − s) has at least P − cap low
 * bits that are zero for every input, and the borrow out of those bits is
 * always 0 (requant.ts `zeroLow`): the exact shift only has to resolve the
 * cap's bits, one chain link fewer for most requants. Each cap leaves
 * margin over the shifts calibration gives (2026-12-04: BERT-base shape,
 * random weights; bert-tiny-sst2):
 *   linear  q, k, v, o, FFN, pooler, embedding: 9–11, 6–11     cap 16
 *   score   Q·Kᵀ before exp: 9, 10                             cap 16
 *   lnCentre H·v − Σv (grows with log2 H): 18, 16              cap 20
 *   lnOut   d·(1/σ) (set by K_LN): 12, 12                      cap 16
 *   ctx     (E·V)·(1/Z) (set by K_Z = 22): 20–22, 21–23        cap 24 (= S_MAX)
 *   lnInv, zinv  12-bit indices: 10 and 4, 8 and 4             cap 15
 * A shift the calibration would want above its cap is clamped (the index
 * then wraps for the largest values); the compiler reports how many.
 */
export const SHIFT_CAPS = { linear: 16, score: 16, lnCentre: 20, lnOut: 16, ctx: 24, lnInv: 15, zinv: 15 } as const;
export type ShiftRole = keyof typeof SHIFT_CAPS;

/** One requant step (op 4): shift(s), index width, and the output tables. */
export interface Requant {
  /** Index width n (1…12). */
  bits: number;
  /** Shift per channel (length `channels`) or one shift (length 1). */
  shifts: Int32Array;
  /** Number of table channels (1 = one table for every element). */
  channels: number;
  /** Output tables: each `channels × 2^bits` int32 entries, channel-major. */
  tables: Int32Array[];
}

/** A weight matrix of op 1, stored [K × N] row-major. */
export interface MatW {
  k: number;
  n: number;
  /** 8, 4 (values in [−8, 7]) or 1 (values ±1). */
  bits: 8 | 4 | 1;
  w: Int8Array;
  bias: Int32Array;
}

/** View an Int32Array as the ring array the kernels take (no copy). */
function u32(a: Int32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}
function i32(a: Uint32Array): Int32Array {
  return new Int32Array(a.buffer, a.byteOffset, a.length);
}

const wCache = new WeakMap<Int8Array, Uint32Array>();
function weightRing(m: MatW): Uint32Array {
  let r = wCache.get(m.w);
  if (!r) {
    r = new Uint32Array(m.w.length);
    for (let i = 0; i < r.length; i++) r[i] = m.w[i]! >>> 0;
    wCache.set(m.w, r);
  }
  return r;
}

/** Op 1: X [T×K] · W [K×N] + bias, wrap mod 2^32. */
export async function matmulW(kern: Kernels, x: Int32Array, rows: number, m: MatW): Promise<Int32Array> {
  if (x.length !== rows * m.k) throw new ShapeError(`matmulW: input has ${x.length} values, expected ${rows}×${m.k}`);
  const y = i32(await kern.gemm(32, u32(x), weightRing(m), rows, m.k, m.n));
  for (let r = 0; r < rows; r++) {
    const o = r * m.n;
    for (let j = 0; j < m.n; j++) y[o + j] = (y[o + j]! + m.bias[j]!) | 0;
  }
  return y;
}

/** Op 1 with one-hot X: rows of an int8 table plus an additive int32 term per position. */
export function gatherRows(table: Int8Array, width: number, ids: readonly number[], posTerm: Int32Array): Int32Array {
  const T = ids.length;
  const y = new Int32Array(T * width);
  for (let t = 0; t < T; t++) {
    const id = ids[t]!;
    for (let c = 0; c < width; c++) y[t * width + c] = (table[id * width + c]! + posTerm[t * width + c]!) | 0;
  }
  return y;
}

/** Op 2: A [m×k] · B [k×n], wrap mod 2^32. */
export async function matmulXX(kern: Kernels, a: Int32Array, b: Int32Array, m: number, k: number, n: number): Promise<Int32Array> {
  return i32(await kern.gemm(32, u32(a), u32(b), m, k, n));
}

/** Op 2 element-wise with a per-row factor: out[r, j] = a[r, j] · f[r] mod 2^32. */
export function mulRowXX(a: Int32Array, rows: number, cols: number, f: Int32Array): Int32Array {
  const y = new Int32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const v = f[r]!;
    for (let j = 0; j < cols; j++) y[r * cols + j] = Math.imul(a[r * cols + j]!, v);
  }
  return y;
}

/** Op 2 + op 3: out[r] = Σ_j a[r, j]² mod 2^32. */
export function rowSumSquares(a: Int32Array, rows: number, cols: number): Int32Array {
  const y = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s = (s + Math.imul(a[r * cols + j]!, a[r * cols + j]!)) | 0;
    y[r] = s;
  }
  return y;
}

/** Op 3: out[r] = Σ_j a[r, j] mod 2^32. */
export function rowSum(a: Int32Array, rows: number, cols: number): Int32Array {
  const y = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s = (s + a[r * cols + j]!) | 0;
    y[r] = s;
  }
  return y;
}

/** Op 3: LayerNorm centring with the public H: c[r, i] = H·v[r, i] − Σ_j v[r, j]. */
export function centre(v: Int32Array, rows: number, H: number): Int32Array {
  const s = rowSum(v, rows, H);
  const y = new Int32Array(rows * H);
  for (let r = 0; r < rows; r++) for (let i = 0; i < H; i++) y[r * H + i] = (Math.imul(H, v[r * H + i]!) - s[r]!) | 0;
  return y;
}

/** Op 3: attention offset, out[i, j] = s[i, j] − s[i, i] for the first `rows` query rows of a [rows × T] score matrix. */
export function subDiagonal(s: Int32Array, rows: number, T: number): Int32Array {
  if (rows > T || s.length !== rows * T) throw new ShapeError(`subDiagonal: ${s.length} scores for ${rows}×${T}`);
  const y = new Int32Array(rows * T);
  for (let i = 0; i < rows; i++) {
    const d = s[i * T + i]!;
    for (let j = 0; j < T; j++) y[i * T + j] = (s[i * T + j]! - d) | 0;
  }
  return y;
}

/** Op 3: a + b mod 2^32. */
export function addXX(a: Int32Array, b: Int32Array): Int32Array {
  if (a.length !== b.length) throw new ShapeError(`add: lengths ${a.length} and ${b.length} differ`);
  const y = new Int32Array(a.length);
  for (let i = 0; i < a.length; i++) y[i] = (a[i]! + b[i]!) | 0;
  return y;
}

/** Index of op 4: (y >> s) mod 2^n as an unsigned n-bit value. */
export function requantIndex(y: number, s: number, bits: number): number {
  return (y >> s) & ((1 << bits) - 1);
}

/**
 * Counter of op-4 indices that fell outside the window the compiler meant
 * (signed windows for signed inputs): diagnostics only, never changes values.
 */
export interface WrapStats {
  checked: number;
  wrapped: number;
}

/**
 * Op 4 over a [rows × cols] tensor. `channelOf` maps a column to its table
 * channel: per-column (channels = cols) or one table (channels = 1).
 * `signed` states how the compiler meant the window (for WrapStats only).
 */
export function requant(y: Int32Array, cols: number, rq: Requant, signed: boolean, stats?: WrapStats): Int32Array[] {
  const n = rq.bits;
  const size = 1 << n;
  const mask = size - 1;
  if (rq.channels !== 1 && rq.channels !== cols) throw new ShapeError(`requant: ${rq.channels} table channels for ${cols} columns`);
  if (rq.shifts.length !== 1 && rq.shifts.length !== cols) throw new ShapeError(`requant: ${rq.shifts.length} shifts for ${cols} columns`);
  const outs = rq.tables.map(() => new Int32Array(y.length));
  const perShift = rq.shifts.length !== 1;
  const perTab = rq.channels !== 1;
  const lo = signed ? -(size >> 1) : 0;
  const hi = signed ? (size >> 1) - 1 : size - 1;
  let wrapped = 0;
  for (let i = 0; i < y.length; i++) {
    const c = i % cols;
    const q = y[i]! >> rq.shifts[perShift ? c : 0]!;
    if (q < lo || q > hi) wrapped++;
    const t = (q & mask) + (perTab ? c * size : 0);
    for (let k = 0; k < outs.length; k++) outs[k]![i] = rq.tables[k]![t]!;
  }
  if (stats) {
    stats.checked += y.length;
    stats.wrapped += wrapped;
  }
  return outs;
}

/** Op 5: out[i] = table[(t1[i] mod 2^n1) · 2^n2 + (t2[i] mod 2^n2)], n1 + n2 ≤ 12. */
export function lut2(t1: Int32Array, n1: number, t2: Int32Array, n2: number, table: Int32Array): Int32Array {
  if (n1 + n2 > 12 || table.length !== 1 << (n1 + n2)) throw new ShapeError(`lut2: ${n1}+${n2} index bits need a 2^${n1 + n2}-entry table (≤ 12 bits)`);
  const y = new Int32Array(t1.length);
  for (let i = 0; i < y.length; i++) y[i] = table[((t1[i]! & ((1 << n1) - 1)) << n2) | (t2[i]! & ((1 << n2) - 1))]!;
  return y;
}
