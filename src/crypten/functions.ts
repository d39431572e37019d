/**
 * CrypTen's default approximations of non-linear functions, on CryptenEngine.
 * Written from crypten/common/functions/approximations.py, crypten/mpc/mpc.py,
 * crypten/mpc/max_helper.py and the defaults of crypten/config/default.yaml:
 *
 *   functions.exp_iterations: 8          exp(x) = (1 + x/2^8)^(2^8): 8 squarings
 *   functions.reciprocal_method: "NR"    Newton–Raphson y ← 2y − x·y²
 *   functions.reciprocal_nr_iters: 10    initial y0 = 3·exp(1 − 2x) + 0.003
 *   functions.reciprocal_all_pos: False  (softmax and sigmoid override it to True)
 *   functions.sqrt_nr_iters: 3           inv_sqrt: y ← y·(3 − x·y²)/2,
 *                                        y0 = 2.2·exp(−(x/2 + 0.2)) + 0.2 − x/1024
 *   functions.sigmoid_tanh_method: "reciprocal"
 *                                        sigmoid(x) = 1/(1 + exp(−|x|)) mirrored by
 *                                        the sign (temp config: exp_iterations 9,
 *                                        reciprocal_nr_iters 3, all_pos, initial 0.75);
 *                                        tanh(x) = 2·sigmoid(2x) − 1
 *   functions.max_method: "log_reduction"
 *                                        ⌊ln n⌋ halving steps of where(x ≥ y, x, y),
 *                                        then the pairwise O(n²) argmax on the rest
 *                                        with CrypTen's random tie-break
 *                                        (mpc.py `weighted_index`)
 *   relu(x) = x · [x > 0]  (comparison unscaled, so the product is not truncated)
 *
 * GELU: CrypTen has no GELU primitive in its default function set and its
 * erf (Taylor series, erf_iterations 8) diverges for |x| > ~2.5, so the
 * CrypTen BERT baseline evaluates the tanh form
 * 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) with CrypTen's tanh above.
 *
 * Every function here runs in both engine modes (offline dealing, online).
 */
import type { CryptenEngine, Shared } from './engine.js';
import { size } from './engine.js';

export const CRYPTEN_DEFAULTS = Object.freeze({
  expIterations: 8,
  reciprocalNrIters: 10,
  sqrtNrIters: 3,
  sigmoidExpIterations: 9,
  sigmoidReciprocalNrIters: 3,
  sigmoidReciprocalInitial: 0.75,
});

/** exp by the limit (1 + x/2^d)^(2^d): x/2^d is a local division, then d squarings (d rounds). */
export async function cexp(e: CryptenEngine, x: Shared, iters: number = CRYPTEN_DEFAULTS.expIterations): Promise<Shared> {
  let y = e.addPublic(e.divInt(x, 2 ** iters), 1);
  for (let i = 0; i < iters; i++) y = await e.square(y);
  return y;
}

/** 1/x for x > 0 (all_pos), Newton–Raphson; `initial` replaces 3·exp(1 − 2x) + 0.003. */
export async function creciprocalPos(e: CryptenEngine, x: Shared, iters: number = CRYPTEN_DEFAULTS.reciprocalNrIters, initial?: number): Promise<Shared> {
  let y: Shared;
  if (initial === undefined) {
    const t = await cexp(e, e.rsubPublic(1, e.mulInt(x, 2)));
    y = e.addPublic(e.mulInt(t, 3), 0.003);
  } else {
    y = e.addPublic(e.mulInt(x, 0), initial);
  }
  for (let i = 0; i < iters; i++) {
    // result += result − result.square().mul_(x)
    const y2 = await e.square(y);
    const t = await e.mul(y2, x);
    y = e.sub(e.mulInt(y, 2), t);
  }
  return y;
}

/** 1/x for any sign (reciprocal_all_pos False): sgn = 1 − 2·[x < 0], 1/x = sgn · recip(sgn · x). */
export async function creciprocal(e: CryptenEngine, x: Shared): Promise<Shared> {
  const sgn = e.rsubPublic(1, e.mulInt(await e.ltz(x), 2));
  const pos = await e.mul(sgn, x);
  return e.mul(sgn, await creciprocalPos(e, pos));
}

/** 1/√x, Newton–Raphson, 3 iterations (approximations.py `inv_sqrt`). */
export async function cinvSqrt(e: CryptenEngine, x: Shared, iters: number = CRYPTEN_DEFAULTS.sqrtNrIters): Promise<Shared> {
  const t = await cexp(e, e.mulInt(e.addPublic(e.divInt(x, 2), 0.2), -1));
  let y = e.sub(e.addPublic(e.mulPublic(t, 2.2), 0.2), e.divInt(x, 1024));
  for (let i = 0; i < iters; i++) {
    const y2 = await e.square(y);
    const xy2 = await e.mul(x, y2);
    y = e.divInt(await e.mul(y, e.rsubPublic(3, xy2)), 2);
  }
  return y;
}

/** x ≥ y as 0/1 (scaled to fixed point unless `scaled` is false): 1 − [x − y < 0]. */
export async function cge(e: CryptenEngine, x: Shared, y: Shared, scaled = true): Promise<Shared> {
  const lt = await e.ltz(e.sub(x, y), scaled);
  return scaled ? e.rsubPublic(1, lt) : e.rsubInt(1, lt);
}

/** x > y: [y − x < 0]. */
export function cgt(e: CryptenEngine, x: Shared, y: Shared, scaled = true): Promise<Shared> {
  return e.ltz(e.sub(y, x), scaled);
}

/**
 * where(c, x, y) = x·c + y·(1 − c) for a fixed-point 0/1 condition (mpc.py
 * `where`): two Beaver products, here stacked into one round (CrypTen issues
 * them one after the other; batching only helps the baseline).
 */
export async function cwhere(e: CryptenEngine, c: Shared, x: Shared, y: Shared): Promise<Shared> {
  const [a, b] = await e.mulMany([
    [x, c],
    [e.rsubPublic(1, c), y],
  ]);
  return e.add(a!, b!);
}

/** ReLU: x · [x > 0] with the comparison unscaled (no truncation after the product). */
export async function crelu(e: CryptenEngine, x: Shared): Promise<Shared> {
  const pos = await e.ltz(e.mulInt(x, -1), false);
  return e.mul(x, pos, false);
}

/** sigmoid by the "reciprocal" method (approximations.py `sigmoid`). */
export async function csigmoid(e: CryptenEngine, x: Shared): Promise<Shared> {
  const ltz = await e.ltz(x, true);
  const sign = e.rsubPublic(1, e.mulInt(ltz, 2));
  const pos = await e.mul(x, sign);
  const den = e.addPublic(await cexp(e, e.mulInt(pos, -1), CRYPTEN_DEFAULTS.sigmoidExpIterations), 1);
  const p = await creciprocalPos(e, den, CRYPTEN_DEFAULTS.sigmoidReciprocalNrIters, CRYPTEN_DEFAULTS.sigmoidReciprocalInitial);
  // pos_output.where(1 − ltz, 1 − pos_output)
  return cwhere(e, e.rsubPublic(1, ltz), p, e.rsubPublic(1, p));
}

/** tanh(x) = 2·sigmoid(2x) − 1. */
export async function ctanh(e: CryptenEngine, x: Shared): Promise<Shared> {
  return e.addPublic(e.mulInt(await csigmoid(e, e.mulInt(x, 2)), 2), -1);
}

/** GELU, tanh form, with CrypTen's tanh (see the file comment). */
export async function cgelu(e: CryptenEngine, x: Shared): Promise<Shared> {
  const x2 = await e.square(x);
  const x3 = await e.mul(x2, x);
  const inner = e.mulPublic(e.add(x, e.mulPublic(x3, 0.044715)), Math.sqrt(2 / Math.PI));
  const t = await ctanh(e, inner);
  return e.mul(e.mulPublic(x, 0.5), e.addPublic(t, 1));
}

// ---- row-wise helpers (rows × cols, row-major) -------------------------------------------------

/** Columns [from, to) of each row. */
export function cols(e: CryptenEngine, x: Shared, rows: number, n: number, from: number, to: number): Shared {
  const w = to - from;
  if (!e.online) return { shape: [rows, w], s: x.s };
  const out = new BigUint64Array(rows * w);
  for (let r = 0; r < rows; r++) out.set(x.s.subarray(r * n + from, r * n + to), r * w);
  return { shape: [rows, w], s: out };
}

/** Concatenate two row-major blocks side by side. */
export function hcat(e: CryptenEngine, a: Shared, b: Shared, rows: number): Shared {
  const wa = size(a.shape) / rows;
  const wb = size(b.shape) / rows;
  if (!e.online) return { shape: [rows, wa + wb], s: a.s };
  const out = new BigUint64Array(rows * (wa + wb));
  for (let r = 0; r < rows; r++) {
    out.set(a.s.subarray(r * wa, (r + 1) * wa), r * (wa + wb));
    out.set(b.s.subarray(r * wb, (r + 1) * wb), r * (wa + wb) + wa);
  }
  return { shape: [rows, wa + wb], s: out };
}

/** Sum of each row (local). */
export function rowSum(e: CryptenEngine, x: Shared, rows: number, n: number): Shared {
  if (!e.online) return { shape: [rows, 1], s: x.s };
  const out = new BigUint64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0n;
    for (let j = 0; j < n; j++) s += x.s[r * n + j]!;
    out[r] = BigInt.asUintN(64, s);
  }
  return { shape: [rows, 1], s: out };
}

/** Repeat a per-row value across n columns (broadcast). */
export function rowBroadcast(e: CryptenEngine, v: Shared, rows: number, n: number): Shared {
  if (!e.online) return { shape: [rows, n], s: v.s };
  const out = new BigUint64Array(rows * n);
  for (let r = 0; r < rows; r++) out.fill(v.s[r]!, r * n, (r + 1) * n);
  return { shape: [rows, n], s: out };
}

/** Repeat a length-n vector on every row. */
export function colBroadcast(e: CryptenEngine, v: Shared, rows: number, n: number): Shared {
  if (!e.online) return { shape: [rows, n], s: v.s };
  const out = new BigUint64Array(rows * n);
  for (let r = 0; r < rows; r++) out.set(v.s, r * n);
  return { shape: [rows, n], s: out };
}

/**
 * Row maximum by CrypTen's log_reduction (max_helper.py
 * `_max_helper_log_reduction`): ⌊ln n⌋ steps halve each row with
 * where(x ≥ y, x, y); the remaining r values go through the pairwise
 * argmax (`_argmax_helper_pairwise`: r(r−1) comparisons unscaled, product
 * tree over the r−1 results, one-hot scaled), the random tie-break
 * (`weighted_index`: cumsum, r = rand · total, [cumsum > r], difference with
 * its shift) and max = Σ x · onehot.
 */
export async function crowMax(e: CryptenEngine, x: Shared, rows: number, n: number): Promise<Shared> {
  if (n === 1) return x;
  let cur = x;
  let m = n;
  const steps = Math.floor(Math.log(n));
  for (let s = 0; s < steps && m > 1; s++) {
    const h = Math.floor(m / 2);
    const a = cols(e, cur, rows, m, 0, h);
    const b = cols(e, cur, rows, m, h, 2 * h);
    const c = await cge(e, a, b);
    const best = await cwhere(e, c, a, b);
    cur = m % 2 === 1 ? hcat(e, best, cols(e, cur, rows, m, 2 * h, m), rows) : best;
    m = h + (m % 2);
  }
  if (m === 1) return cur;
  // pairwise argmax over m values: compare each with its m−1 cyclic rolls.
  const r = m;
  const A: Shared[] = [];
  const B: Shared[] = [];
  for (let i = 1; i < r; i++) {
    A.push(cur);
    B.push(rollCols(e, cur, rows, r, i));
  }
  const big = (xs: Shared[]): Shared => (e.online ? { shape: [xs.length * rows * r], s: catAll(xs.map((t) => t.s)) } : { shape: [xs.length * rows * r], s: xs[0]!.s });
  const ge = await cge(e, big(A), big(B), false);
  // product over the r−1 comparison blocks, halving (arithmetic.py `prod`), scale-1 products: no truncation
  let blocks = splitBlocks(e, ge, r - 1, rows * r);
  while (blocks.length > 1) {
    const h = Math.floor(blocks.length / 2);
    const prods = await e.mulMany(blocks.slice(0, h).map((b, i) => [b, blocks[h + i]!] as const), false);
    blocks = blocks.length % 2 === 1 ? [...prods, blocks[2 * h]!] : prods;
  }
  const onehot = e.mulInt(blocks[0]!, 2 ** 16);
  // weighted_index tie-break
  const cum = cumsumRows(e, onehot, rows, r);
  const total = cols(e, cum, rows, r, r - 1, r);
  const u = await e.rand([rows, 1]);
  const thr = await e.mul(u, total);
  const gt = await cgt(e, cum, rowBroadcast(e, thr, rows, r));
  const shifted = shiftRight1(e, gt, rows, r);
  const pick = e.sub(gt, shifted);
  const prod = await e.mul(cur, pick);
  return rowSum(e, prod, rows, r);
}

function catAll(xs: BigUint64Array[]): BigUint64Array {
  const out = new BigUint64Array(xs.reduce((a, b) => a + b.length, 0));
  let o = 0;
  for (const x of xs) {
    out.set(x, o);
    o += x.length;
  }
  return out;
}

function splitBlocks(e: CryptenEngine, x: Shared, count: number, len: number): Shared[] {
  return Array.from({ length: count }, (_, i) => ({ shape: [len], s: e.online ? x.s.subarray(i * len, (i + 1) * len) : x.s }));
}

/** Each row rolled right by k (torch.roll): out[j] = x[(j − k) mod n]. */
function rollCols(e: CryptenEngine, x: Shared, rows: number, n: number, k: number): Shared {
  if (!e.online) return x;
  const out = new BigUint64Array(rows * n);
  for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) out[r * n + j] = x.s[r * n + ((j - k + n) % n)]!;
  return { shape: [rows, n], s: out };
}

function cumsumRows(e: CryptenEngine, x: Shared, rows: number, n: number): Shared {
  if (!e.online) return x;
  const out = new BigUint64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    let s = 0n;
    for (let j = 0; j < n; j++) {
      s = BigInt.asUintN(64, s + x.s[r * n + j]!);
      out[r * n + j] = s;
    }
  }
  return { shape: [rows, n], s: out };
}

/** Shift each row right by one, filling column 0 with 0. */
function shiftRight1(e: CryptenEngine, x: Shared, rows: number, n: number): Shared {
  if (!e.online) return x;
  const out = new BigUint64Array(rows * n);
  for (let r = 0; r < rows; r++) out.set(x.s.subarray(r * n, r * n + n - 1), r * n + 1);
  return { shape: [rows, n], s: out };
}

/**
 * Softmax over each row (approximations.py `softmax`): subtract the row max,
 * exp, sum, reciprocal with all_pos, multiply (broadcast to every element).
 */
export async function csoftmax(e: CryptenEngine, x: Shared, rows: number, n: number): Promise<Shared> {
  if (n === 1) return e.addPublic(e.mulInt(x, 0), 1);
  const mx = await crowMax(e, x, rows, n);
  const num = await cexp(e, e.sub(x, rowBroadcast(e, mx, rows, n)));
  const inv = await creciprocalPos(e, rowSum(e, num, rows, n));
  return e.mul(num, rowBroadcast(e, inv, rows, n));
}

/**
 * LayerNorm over each row (crypten/nn/module.py `LayerNorm`): mean and
 * variance by local division by H, inv_sqrt(var + eps), times γ plus β.
 * eps = 1e-12 encodes to 0 at 16 fractional bits.
 */
export async function clayerNorm(e: CryptenEngine, x: Shared, rows: number, n: number, gamma: Shared, beta: Shared, eps: number): Promise<Shared> {
  const mean = e.divInt(rowSum(e, x, rows, n), n);
  const xc = e.sub(x, rowBroadcast(e, mean, rows, n));
  const sq = await e.square(xc);
  const variance = e.divInt(rowSum(e, sq, rows, n), n);
  const inv = await cinvSqrt(e, e.addPublic(variance, eps));
  const z = await e.mul(xc, rowBroadcast(e, inv, rows, n));
  const g = await e.mul(z, colBroadcast(e, gamma, rows, n));
  return e.add(g, colBroadcast(e, beta, rows, n));
}
