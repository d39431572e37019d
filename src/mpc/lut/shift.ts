/**
 * Precision conversion without truncation error: exact right shift, ring
 * reduction and ring extension of masked values. Every result is bit-exact
 * with the plaintext integer operation for every input; nothing is
 * probabilistic.
 *
 * A masked value may be meaningful only modulo 2^bits with bits below its
 * storage ring (`MaskedBits`): m = x + r mod 2^bits. Table indices of width
 * n (requantization) and the intermediate values of a chunked shift are such
 * values; every message is still uniform over the whole storage ring.
 *
 * ## Exact shift (`shiftOffline` / `shift`)
 * x of width w, shift s, output width o ≤ w − s:
 *   unsigned: (x >> s) mod 2^o;  signed: floor(x / 2^s) mod 2^o (= `>>` on the
 *   two's-complement integer, reduced to o bits; o = w − s is the full result).
 * Math: with m = mh·2^c + ml, r = rh·2^c + rl (split at bit c), for unsigned
 * y = m − r mod 2^w:  y >> c = mh − rh − [ml < rl]  (mod 2^(w−c)). Signed x is
 * handled as y = x + 2^(w−1) (this adds 2^(w−1−c) to the high part) and the
 * result is corrected by −2^(w−1−s) — both public constants the dealer folds
 * into the tables. Shifts wider than the chunk c (default 8) go in ⌈s/c⌉
 * steps; step k keeps only the bits later steps use (remaining shift + o).
 *
 * Offline (one dealing, all steps):
 *   1. For each step k (input width w_k, chunk c_k, output width w_{k+1} in
 *      storage ring L_k) P0 deals a fresh mask ρ_k (seeds, no bytes) and, per
 *      element, shares of the borrow table
 *        B_i[j] = ρ_k,i − rh_i + K_k − [j < rl_i],  j ∈ [0, 2^c_k),
 *      (rh, rl: high/low parts of the step's input mask; K_k the public signed
 *      offsets) in Z_2^L_k: P1's from the P0–P1 stream, P2's correction sent.
 * Online (P1, P2), step k = one round (from the caller's RoundSeq):
 *   2. Pi reads its table share at ml = m mod 2^c_k (kernel gather); P1 adds
 *      mh = (m mod 2^w_k) >> c_k. The shares sum to z_{k+1} + ρ_k.
 *   3. The round opens m_{k+1} = z_{k+1} + ρ_k (N·ringBytes(L_k) each way).
 *
 * Cost (N elements, steps k with c_k, L_k): offline P0→P2 Σ_k N·2^c_k·b_k
 * (b_k = ringBytes(L_k)), P2 1 round; online P1↔P2 N·b_k each way per step,
 * ⌈s/c⌉ rounds. s = 0 is a reduction: free.
 *
 * ## Reduction (`reduce` / `reduceMask`): x mod 2^o — local on m and the
 * mask shares, zero cost.
 *
 * ## Extension (`extendOffline` / `extend`): x of width n ≤ 16 to Z_2^l,
 * unsigned (x) or signed (sign-extended): a lookup with the identity or
 * sign-extension table (see lut.ts; cost of `lut` with N, n, l).
 */
import { ShapeError } from '../../errors.js';
import { allocRing, type RingArray, type RingBits } from '../../kernels/types.js';
import { correction, NO_COST, type PhaseCost, type ProtocolCost } from '../cost.js';
import type { Dealing, Offline } from '../dealer.js';
import type { Material } from '../material.js';
import { item, tableItem, type TableShare } from '../protocols/common.js';
import * as R from '../ring.js';
import { shapeSize, type Masked, type MaskOf, type Shape } from '../sharing.js';
import { convert, highPart, keepLow, lookup, ringFor } from './local.js';
import type { RoundSeq } from './stages.js';
import { borrowTables, checkRing, extensionTable, lowBits } from './tables.js';
import { lut, lutCost, lutOffline } from './lut.js';
import type { Round } from '../round.js';

/** A masked value meaningful modulo 2^bits (bits ≤ l); `bits` absent means bits = l. */
export interface MaskedBits extends Masked {
  readonly bits?: number;
}
export interface MaskBitsOf extends MaskOf {
  readonly bits?: number;
}

export const DEFAULT_CHUNK = 8;

export interface ShiftOptions {
  /** Shift s ≥ 0 (s < input width). */
  s: number;
  /** Floor of the two's-complement value (true) or logical shift (false, default). */
  signed?: boolean;
  /** Output width o ≤ w − s (default w − s). Stored in the smallest ring ≥ o. */
  outBits?: number;
  /**
   * Bits removed per round: one width c (1…16, default 8; the last chunk
   * takes the rest) or an explicit schedule summing to s (e.g. [4, 4, 8, 8]
   * for s = 24: more rounds, smaller early tables in the wide rings).
   */
  chunk?: number | readonly number[];
}

export interface ShiftStep {
  /** Input width of the step. */
  w: number;
  /** Bits removed. */
  c: number;
  /** Output width. */
  wOut: number;
  /** Storage ring of the output. */
  L: RingBits;
}

function widthOf(x: { l: RingBits; bits?: number }): number {
  return x.bits ?? x.l;
}

/** The steps of a shift of a width-w value (also used by the cost formula). */
export function shiftPlan(w: number, opts: ShiftOptions): { steps: ShiftStep[]; outBits: number } {
  const { s } = opts;
  if (!Number.isInteger(s) || s < 0) throw new ShapeError(`shift: s=${String(s)} must be a non-negative integer`);
  if (s >= w) throw new ShapeError(`shift: a shift by ${s} bits is not narrower than the ${w}-bit value (need s < ${w})`);
  const chunk = opts.chunk ?? DEFAULT_CHUNK;
  const sizes = typeof chunk === 'number' ? [chunk] : [...chunk];
  for (const c of sizes) if (!Number.isInteger(c) || c < 1 || c > 16) throw new ShapeError(`shift: chunk=${String(c)} must be an integer in 1…16`);
  if (typeof chunk !== 'number' && sizes.reduce((a, b) => a + b, 0) !== s) throw new ShapeError(`shift: chunk schedule [${sizes.join(', ')}] does not sum to s=${s}`);
  const outBits = opts.outBits ?? w - s;
  if (!Number.isInteger(outBits) || outBits < 1 || outBits > w - s) {
    throw new ShapeError(`shift: output width ${String(outBits)} must be in 1…${w - s} (value width ${w} − shift ${s})`);
  }
  const steps: ShiftStep[] = [];
  let rem = s;
  let width = w;
  let i = 0;
  while (rem > 0) {
    const c = Math.min(typeof chunk === 'number' ? chunk : sizes[i++]!, rem);
    rem -= c;
    const wOut = rem + outBits;
    steps.push({ w: width, c, wOut, L: ringFor(wOut) });
    width = wOut;
  }
  return { steps, outBits };
}

export function shiftCost(s: { n: number; w: number } & ShiftOptions): ProtocolCost {
  const { steps } = shiftPlan(s.w, s);
  let off = 0;
  const online: PhaseCost = { rounds: {}, messages: [] };
  for (const st of steps) {
    off += s.n * 2 ** st.c * R.ringBytes(st.L);
    const b = R.wireBytes(st.L, s.n);
    online.messages.push({ from: 'P1', to: 'P2', bytes: b }, { from: 'P2', to: 'P1', bytes: b });
  }
  if (steps.length > 0) online.rounds = { P1: steps.length, P2: steps.length };
  return { name: 'shift', offline: correction(off), online: steps.length > 0 ? online : NO_COST };
}

/** a + k (public constant) mod 2^L, in place. */
function addConst(L: RingBits, a: RingArray, k: bigint): RingArray {
  if (k === 0n) return a;
  const c = allocRing(L, a.length) as RingArray;
  const v = BigInt.asUintN(L, k);
  if (c instanceof BigUint64Array) c.fill(v);
  else (c as Uint32Array).fill(Number(v));
  return R.add(L, a, c, a);
}

/** The public constant of step k (signed offsets, see the header). */
function stepConst(plan: { steps: ShiftStep[] }, k: number, signed: boolean, w0: number, s: number): bigint {
  if (!signed) return 0n;
  let K = 0n;
  const st = plan.steps[k]!;
  if (k === 0) K += 1n << BigInt(w0 - 1 - st.c); // y = x + 2^(w−1): bit w−1 lies in the high part
  if (k === plan.steps.length - 1) K -= 1n << BigInt(w0 - 1 - s); // floor(x/2^s) = (y >> s) − 2^(w−1−s)
  return K;
}

function checkShiftInput(x: { l: RingBits; bits?: number }): number {
  const w = widthOf(x);
  if (!Number.isInteger(w) || w < 1 || w > x.l) throw new ShapeError(`shift: value width ${String(w)} does not fit its ring Z_2^${x.l}`);
  return w;
}

/** Reduction x mod 2^o of a mask (offline mirror of `reduce`; free). */
export function reduceMask(x: MaskBitsOf, o: number): MaskBitsOf {
  const w = checkShiftInput(x);
  if (!Number.isInteger(o) || o < 1 || o > w) throw new ShapeError(`reduce: output width ${String(o)} must be in 1…${w}`);
  const L = ringFor(o);
  const r = keepLow(L, convert(x.r, x.l, L), o);
  return o === L ? { l: L, shape: x.shape, r } : { l: L, shape: x.shape, r, bits: o };
}

/** Reduction x mod 2^o of a masked value: local, zero cost. */
export function reduce(x: MaskedBits, o: number): MaskedBits {
  const mr = reduceMask(x, o);
  const m = keepLow(mr.l, convert(x.m, x.l, mr.l), o);
  return { ...mr, m };
}

/**
 * A masked value whose z low bits are public zeros (x = x'·2^z) as [[x']]
 * of width w − z (offline mirror: dropZeroLowMask). Exact and free: m's low
 * z bits are r's, so no carry crosses bit z and m >> z = x' + (r >> z) mod
 * 2^(w − z). The bits dropped are mask bits only; they say nothing about x.
 */
export function dropZeroLow(x: MaskedBits, z: number): MaskedBits {
  const mr = dropZeroLowMask(x, z);
  return z === 0 ? x : { ...mr, m: highPart(x.l, x.m, widthOf(x), z, x.l) };
}

/** The mask of `dropZeroLow(x, z)`: r >> z, width w − z. */
export function dropZeroLowMask(x: MaskBitsOf, z: number): MaskBitsOf {
  const w = checkShiftInput(x);
  if (!Number.isInteger(z) || z < 0 || z >= w) throw new ShapeError(`zero low bits: ${String(z)} must be in 0…${w - 1}`);
  if (z === 0) return x;
  return { l: x.l, shape: x.shape, r: highPart(x.l, x.r, w, z, x.l), bits: w - z };
}

/**
 * Dealer math of step k (pure): the borrow tables B_i[j] = ρ_i − rh_i + K_k − [j < rl_i]
 * in Z_2^L_k, where (rh, rl) split the step's input mask `cur.r` (storage
 * ring cur.l, width steps[k].w) at bit c_k, ρ is the step's output mask and
 * K_k the signed offsets of an input of width w0 shifted by s in total.
 */
export function shiftStepTables(
  plan: { steps: ShiftStep[] },
  k: number,
  cur: { l: RingBits; r: RingArray },
  rho: RingArray,
  w0: number,
  s: number,
  signed: boolean,
): RingArray {
  const st = plan.steps[k]!;
  const rh = highPart(cur.l, cur.r, st.w, st.c, st.L);
  const base = R.sub(st.L, rho, rh, rh);
  addConst(st.L, base, stepConst(plan, k, signed, w0, s));
  return borrowTables(st.c, st.L, lowBits(cur.r, st.c), base);
}

/**
 * The party-side sum of step k without transport (tests, simulation): what
 * P1 + P2 open, given the full tables: tables[m mod 2^c] + (m mod 2^w) >> c.
 */
export async function shiftStepLocal(st: ShiftStep, cur: { l: RingBits; m: RingArray }, tables: RingArray): Promise<RingArray> {
  const v = await lookup(tables, st.c, cur.m);
  return R.add(st.L, v, highPart(cur.l, cur.m, st.w, st.c, st.L), v);
}

/**
 * Deal the steps of a planned shift inside dealing `d` (names `${prefix}r<k>`,
 * `${prefix}b<k>`). `x.r` is the full mask at P0, the share at Pi. Returns
 * the output's mask.
 */
export async function dealShift(
  d: Dealing,
  prefix: string,
  x: { l: RingBits; shape: Shape; r: RingArray },
  w: number,
  plan: { steps: ShiftStep[] },
  opts: ShiftOptions,
): Promise<MaskBitsOf> {
  const n = shapeSize(x.shape);
  const signed = opts.signed ?? false;
  let cur: { l: RingBits; r: RingArray } = { l: x.l, r: x.r };
  for (let k = 0; k < plan.steps.length; k++) {
    const st = plan.steps[k]!;
    const rho = await d.mask(`${prefix}r${k}`, st.L, n);
    const tables = d.role === 'P0' ? shiftStepTables(plan, k, cur, rho, w, opts.s, signed) : undefined;
    await d.shareTable(`${prefix}b${k}`, st.L, n * 2 ** st.c, tables);
    cur = { l: st.L, r: rho };
  }
  return outOf(plan.steps[plan.steps.length - 1]!, x.shape, cur.r);
}

/** The material of a planned shift from a taken entry. */
export function takeShift(items: Material, tag: string, prefix: string, plan: { steps: ShiftStep[] }, n: number): { rho: RingArray; b: TableShare }[] {
  return plan.steps.map((st, k) => ({ rho: item(items, tag, `${prefix}r${k}`, st.L, n), b: tableItem(items, tag, `${prefix}b${k}`, st.L, n * 2 ** st.c) }));
}

/** Run the planned steps online, one round each from `seq`. */
export async function runShift(seq: RoundSeq, x: MaskedBits, plan: { steps: ShiftStep[] }, mats: { rho: RingArray; b: TableShare }[]): Promise<MaskedBits> {
  let cur: { l: RingBits; m: RingArray } = { l: x.l, m: x.m };
  for (let k = 0; k < plan.steps.length; k++) {
    const st = plan.steps[k]!;
    cur = { l: st.L, m: await shiftStep(seq.next(), cur, st, mats[k]!.b) };
  }
  const out = outOf(plan.steps[plan.steps.length - 1]!, x.shape, mats[mats.length - 1]!.rho);
  return { ...out, m: cur.m };
}

/**
 * Offline part of the exact shift (all parties run it; P0's `x.r` is the full
 * mask). Returns the output's mask (width `outBits`).
 */
export function shiftOffline(off: Offline, x: MaskBitsOf, opts: ShiftOptions): Promise<MaskBitsOf> {
  const w = checkShiftInput(x);
  const plan = shiftPlan(w, opts);
  if (plan.steps.length === 0) return Promise.resolve(reduceMask(x, plan.outBits));
  return off.deal('shift', (d) => dealShift(d, '', x, w, plan, opts));
}

function outOf(last: ShiftStep, shape: Shape, r: RingArray): MaskBitsOf {
  return last.wOut === last.L ? { l: last.L, shape, r } : { l: last.L, shape, r, bits: last.wOut };
}

/** One step of the shift (batched into round `r`): the next masked value. */
function shiftStep(r: Round, cur: { l: RingBits; m: RingArray }, st: ShiftStep, table: TableShare): Promise<RingArray> {
  const n = cur.m.length;
  const slot = r.reserve(st.L, n, 'shift');
  return lookup(table, st.c, cur.m).then((v) => {
    if (r.party.id === 'P1') R.add(st.L, v, highPart(cur.l, cur.m, st.w, st.c, st.L), v);
    return slot.open(v);
  });
}

/** Online exact shift: one round per chunk, taken from `seq`. */
export async function shift(seq: RoundSeq, x: MaskedBits, opts: ShiftOptions): Promise<MaskedBits> {
  const w = checkShiftInput(x);
  const plan = shiftPlan(w, opts);
  if (plan.steps.length === 0) return reduce(x, plan.outBits);
  const { tag, items } = seq.party.take('shift');
  return runShift(seq, x, plan, takeShift(items, tag, '', plan, shapeSize(x.shape)));
}

// ---- ring extension ----------------------------------------------------------------

export interface ExtendOptions {
  /** Target ring. */
  l: RingBits;
  /** Sign-extend (two's complement) instead of zero-extend. */
  signed?: boolean;
}

function checkExtend(x: { l: RingBits; bits?: number }, opts: ExtendOptions): number {
  const n = widthOf(x);
  checkRing('extend', opts.l);
  if (n > 16) throw new ShapeError(`extend: a ${n}-bit value is wider than the 16-bit table limit (shift or reduce it first)`);
  if (opts.l < n) throw new ShapeError(`extend: target ring Z_2^${opts.l} is narrower than the ${n}-bit value (use reduce)`);
  return n;
}

export function extendCost(s: { n: number; bits: number } & ExtendOptions): ProtocolCost {
  return { ...lutCost({ n: s.n, bits: s.bits, l: s.l }), name: 'extend' };
}

/** Offline part of the extension Z_2^n → Z_2^l (n = the value's width ≤ 16). */
export function extendOffline(off: Offline, x: MaskBitsOf, opts: ExtendOptions): Promise<MaskOf> {
  const n = checkExtend(x, opts);
  const table = off.party.id === 'P0' ? { data: extensionTable(n, opts.l, opts.signed ?? false), channels: 1 } : undefined;
  return lutOffline(off, x, { bits: n, l: opts.l }, table) as Promise<MaskOf>;
}

/** Online extension (one round from `r`, batched). */
export function extend(r: Round, x: MaskedBits, opts: ExtendOptions): Promise<Masked> {
  const n = checkExtend(x, opts);
  return lut(r, x, { bits: n, l: opts.l });
}
