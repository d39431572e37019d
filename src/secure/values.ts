/**
 * Values of the secure forward and their local (communication-free) linear
 * operations. One type serves both phases so the offline and the online
 * program are the same code: offline a value carries only its mask (P0: r,
 * Pi: r_i — a `MaskOf`), online also the public masked m = x + r (a `Masked`).
 * Every operation here is linear with public structural constants (H, T),
 * so applying it to m and to r separately is exact (see sharing.ts).
 * Element work goes through the ring kernels (GEMM with a ones vector for row
 * sums, typed-array fill/set per row for layout) — no per-element JS loops.
 */
import { ShapeError } from '../errors.js';
import { concatArrays } from '../kernels/types.js';
import * as R from '../mpc/ring.js';
import type { Masked, MaskedShare, MaskOf } from '../mpc/sharing.js';

/** A Z_2^32 matrix value: mask (share) always, masked value online only. */
export interface SV {
  readonly l: 32;
  readonly shape: readonly [number, number];
  readonly r: Uint32Array;
  readonly m?: Uint32Array;
  /**
   * Online, a value left unopened (a residual, requantStep's `unopenedLast`):
   * this party's share of m instead of m; opened by the requant it is
   * added to (requantStep's `plus`). Only row selection applies to it.
   */
  readonly s?: Uint32Array;
}

export function asMasked(x: SV): Masked {
  if (!x.m) throw new ShapeError(x.s ? 'secure forward: an unopened value can only be added to a requant output' : 'secure forward: an online step got a value without its masked part');
  return x as unknown as Masked;
}

/** An unopened online value (SV.s) as the protocol's MaskedShare. */
export function asMaskedShare(x: SV): MaskedShare {
  if (!x.s) throw new ShapeError('secure forward: expected an unopened value (share of m)');
  return { l: 32, shape: x.shape, s: x.s, r: x.r };
}

export function asMaskOf(x: SV): MaskOf {
  return x as unknown as MaskOf;
}

/** A protocol result (Masked online, MaskOf offline) as an SV of shape rows×cols. */
export function sv(x: { r: unknown; m?: unknown; s?: unknown }, rows: number, cols: number): SV {
  const r = x.r as Uint32Array;
  if (!(r instanceof Uint32Array) || r.length !== rows * cols) throw new ShapeError(`secure forward: expected a ${rows}×${cols} value in Z_2^32`);
  if (x.s !== undefined) return { l: 32, shape: [rows, cols], r, s: x.s as Uint32Array };
  return x.m === undefined ? { l: 32, shape: [rows, cols], r } : { l: 32, shape: [rows, cols], r, m: x.m as Uint32Array };
}

function map(x: SV, shape: readonly [number, number], f: (a: Uint32Array) => Uint32Array): SV {
  if (x.s) return { l: 32, shape, r: f(x.r), s: f(x.s) };
  return x.m ? { l: 32, shape, r: f(x.r), m: f(x.m) } : { l: 32, shape, r: f(x.r) };
}

async function mapAsync(x: SV, shape: readonly [number, number], f: (a: Uint32Array) => Promise<Uint32Array>): Promise<SV> {
  if (!x.m) return { l: 32, shape, r: await f(x.r) };
  const [r, m] = await Promise.all([f(x.r), f(x.m)]);
  return { l: 32, shape, r, m };
}

/** The first `rows` rows. */
export function firstRows(x: SV, rows: number): SV {
  const [R0, C] = x.shape;
  if (rows === R0) return x;
  return map(x, [rows, C], (a) => a.slice(0, rows * C));
}

/** Columns c0 … c0+w−1. */
export function sliceCols(x: SV, c0: number, w: number): SV {
  const [rows, C] = x.shape;
  return map(x, [rows, w], (a) => {
    const o = new Uint32Array(rows * w);
    for (let i = 0; i < rows; i++) o.set(a.subarray(i * C + c0, i * C + c0 + w), i * w);
    return o;
  });
}

/** Rows r0 … r0+rows−1 (a view: row-major rows are contiguous). */
export function rowBlock(x: SV, r0: number, rows: number): SV {
  const C = x.shape[1];
  return map(x, [rows, C], (a) => a.subarray(r0 * C, (r0 + rows) * C));
}

/** Matrices of equal width stacked vertically (row-major: one concatenation). */
export function stackRows(parts: readonly SV[]): SV {
  const C = parts[0]!.shape[1];
  if (parts.some((p) => p.shape[1] !== C)) throw new ShapeError(`stackRows: widths ${parts.map((p) => p.shape[1]).join(', ')} differ`);
  const rows = parts.reduce((a, p) => a + p.shape[0], 0);
  const r = concatArrays(parts.map((p) => p.r), Uint32Array);
  return parts[0]!.m ? { l: 32, shape: [rows, C], r, m: concatArrays(parts.map((p) => p.m!), Uint32Array) } : { l: 32, shape: [rows, C], r };
}

/** Side-by-side concatenation of equal-height matrices. */
export function concatCols(parts: readonly SV[]): SV {
  const rows = parts[0]!.shape[0];
  const C = parts.reduce((a, p) => a + p.shape[1], 0);
  const cat = (pick: (p: SV) => Uint32Array): Uint32Array => {
    const o = new Uint32Array(rows * C);
    let c0 = 0;
    for (const p of parts) {
      const w = p.shape[1];
      const a = pick(p);
      for (let i = 0; i < rows; i++) o.set(a.subarray(i * w, (i + 1) * w), i * C + c0);
      c0 += w;
    }
    return o;
  };
  const r = cat((p) => p.r);
  return parts[0]!.m ? { l: 32, shape: [rows, C], r, m: cat((p) => p.m!) } : { l: 32, shape: [rows, C], r };
}

export function transpose(x: SV): SV {
  const [a, b] = x.shape;
  return map(x, [b, a], (v) => R.transpose(v, a, b) as Uint32Array);
}

export function add(x: SV, y: SV): SV {
  if (x.shape[0] !== y.shape[0] || x.shape[1] !== y.shape[1]) throw new ShapeError(`secure add: shapes ${x.shape.join('×')} and ${y.shape.join('×')} differ`);
  if (x.s || y.s) throw new ShapeError('secure add: an unopened value is added inside the requant that opens it (requantStep plus)');
  const r = R.add(32, x.r, y.r) as Uint32Array;
  return x.m && y.m ? { l: 32, shape: x.shape, r, m: R.add(32, x.m, y.m) as Uint32Array } : { l: 32, shape: x.shape, r };
}

const onesCache = new Map<number, Uint32Array>();
function ones(n: number): Uint32Array {
  let o = onesCache.get(n);
  if (!o) onesCache.set(n, (o = new Uint32Array(n).fill(1)));
  return o;
}

/** Row sums: rows×cols → rows×1 (one GEMM with a ones vector). */
export function rowSum(x: SV): Promise<SV> {
  const [rows, cols] = x.shape;
  return mapAsync(x, [rows, 1], async (a) => (await R.matmul(32, a, ones(cols), rows, cols, 1)) as Uint32Array);
}

function bcast(v: Uint32Array, rows: number, cols: number): Uint32Array {
  return R.repeatEach(32, v.subarray(0, rows), cols) as Uint32Array;
}

/** rows×1 → rows×cols (each row repeats its value). */
export function broadcastRows(x: SV, cols: number): SV {
  const rows = x.shape[0];
  return map(x, [rows, cols], (a) => bcast(a, rows, cols));
}

/** Attention offset: d[i, j] = s[i, j] − s[i, i] (rows ≤ T query rows). */
export function subDiagonal(x: SV): SV {
  const [rows, T] = x.shape;
  return map(x, x.shape, (a) => {
    const diag = new Uint32Array(rows);
    for (let i = 0; i < rows; i++) diag[i] = a[i * T + i]!;
    return R.sub(32, a, bcast(diag, rows, T)) as Uint32Array;
  });
}

/** LayerNorm centring with the public H: c = H·v − Σ_j v. */
export async function centre(x: SV): Promise<SV> {
  const H = x.shape[1];
  const s = broadcastRows(await rowSum(x), H);
  return map(x, x.shape, (a) => {
    const pick = a === x.r ? s.r : s.m!;
    return R.sub(32, R.mulScalar(32, a, BigInt(H)), pick) as Uint32Array;
  });
}
