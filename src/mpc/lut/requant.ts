/**
 * Requantization (intops op 4) on masked accumulators: out_k = T_k,c(t) with
 * t = (y >> s) mod 2^n, for one or several output tables T_k (scale,
 * rounding, clipping and any nonlinearity baked in by the model owner),
 * shared by all elements or per channel (element i uses channel i mod C).
 * The shift is public (the engine uses S_MAX; secret per-channel shifts are
 * pre-scaled into the dealer's weights). `(y >> s) mod 2^n` has the same bits
 * for signed and unsigned y when s + n ≤ w, so no sign handling is needed.
 *
 * With `zeroLow: z` (low bits of y publicly zero) every step below runs on
 * y >> z with the shift s − z (shift.ts dropZeroLow, local and free).
 *
 * Offline:
 *   1. Borrow dealing for the s low bits in K = ⌈s/c⌉ chunks of c bits: a
 *      chain (borrow-chain.ts: one link per chunk), or with `borrow:
 *      'select'` and 3…5 chunks a carry select (borrow-select.ts: every
 *      chunk's candidate borrows at once, then one combining table); packed
 *      bit tables either way, P0 keeps the final borrow's mask bit ρ_K.
 *   2. One lookup dealing per output table over the (n + 1)-bit index
 *      (u_K, m_hi): element e's table is T_k,c(e) rotated by r_hi + (u ⊕ ρ_K)
 *      for u = 0, 1 (lut.ts; each party adds its share of the output mask
 *      when it reads). With `borrowOut: 'index'` the last borrow round
 *      opens the index j = t + r_hi + σ itself (borrow-chain.ts): the
 *      tables take the n-bit j, rotated once by r_hi + σ.
 *   (s = 0: no chain; the tables take the n-bit index m mod 2^n.)
 * Online (P1, P2; rounds from the caller's RoundSeq, so a layer's requants
 *   run in lockstep):
 *   3. The borrow rounds open XOR-masked bits: chain K rounds (1 bit each),
 *      select 2 rounds (2K − 1 bits then 1 bit per element); 'index': the
 *      last of them opens the n-bit index (8 or 16 bits on the wire).
 *   4. Every output table is read locally at u_K·2^n + m_hi (or j); one round opens
 *      all outputs (one slot each; a last output that is only ever summed
 *      opens its row sums only, `rowSumsOfLast`).
 *
 * Cost (N elements, K outputs in Z_2^l, b = ringBytes(l), index n' = n + 1
 * with a chain and 'bit' out, n otherwise):
 *   offline P0→P2 chain bytes + K·N·2^n'·b, P2 1 round;
 *   online the borrow rounds (B = K chain, 2 select; chainCost/selectCost),
 *   then one exchange of K·N·b each way (N/cols for a row-summed last
 *   output); rounds B + 1.
 */
import { ShapeError } from '../../errors.js';
import type { RingArray, RingBits } from '../../kernels/types.js';
import { correction, type ProtocolCost } from '../cost.js';
import type { Offline } from '../dealer.js';
import * as R from '../ring.js';
import { shapeSize, type Masked, type MaskedShare, type MaskOf } from '../sharing.js';
import { dealLut, lutWith, readMasked, type DealerTable } from './lut.js';
import { BORROW_OUTS, chainCost, chainPlan, dealChain, finalRotations, limb, runChain, takeChain, type BorrowOut, type ChainPlan } from './borrow-chain.js';
import { dealSelect, runSelect, selectApplies, selectCost, takeSelect } from './borrow-select.js';
import { dropZeroLow, dropZeroLowMask, reduce, reduceMask, type MaskBitsOf, type MaskedBits } from './shift.js';
import { item, tableItem, type TableShare } from '../protocols/common.js';
import { ProtocolError } from '../../errors.js';
import type { RoundSeq } from './stages.js';
import { checkIndexBits, checkTables, rotatePerElement, rotateTables } from './tables.js';

/** The borrow protocols of a requant's shift (RequantSpec.borrow). */
export const BORROWS = ['chain', 'select'] as const;
export type Borrow = (typeof BORROWS)[number];

export interface RequantSpec {
  /** Public shift s. */
  s: number;
  /** Index width n (1…15 with a shift: the final table takes one more bit; 1…16 when s = 0). */
  bits: number;
  /** Number of output tables. */
  outputs: number;
  /** Output ring. */
  l: RingBits;
  /** Borrow-chain chunk width or schedule summing to s (default 8; borrow-chain.ts). */
  chunk?: number | readonly number[];
  /**
   * Open the last output only as sums of consecutive groups of this many
   * elements (the row sums of a row-major matrix with this many columns):
   * for outputs that are only ever summed (Σ 2^k·d² in LayerNorm, Σ E in
   * softmax). Same material; the output is [N/cols, 1], masked by the row
   * sums of its per-element masks, and its opening costs N/cols elements.
   */
  rowSumsOfLast?: number;
  /**
   * How the borrow of the s low bits is found: 'chain' (default: one round
   * per chunk, one table read per chunk) or 'select' (borrow-select.ts: 2
   * rounds whatever the chunk count, 2K table reads; it applies to 3…5
   * chunks, other counts chain). Select trades local work for rounds: it
   * pays where a round costs more than reading the tables, as over a WAN.
   */
  borrow?: Borrow;
  /**
   * What the last borrow round opens (borrow-chain.ts BorrowOut): 'bit'
   * (default: one bit, output tables over n + 1 bits) or 'index' (the n-bit
   * output index, additively masked: tables over n bits, half the bytes of
   * each output, for a last link of 8- or 16-bit entries and L bits opened
   * instead of one). Only meaningful with a shift.
   */
  borrowOut?: BorrowOut;
  /**
   * Low bits of y that are zero for every input, publicly (0 ≤ zeroLow ≤ s;
   * default 0): y = y'·2^zeroLow, as the dealer's scaling by 2^(P − s) with
   * a capped secret s guarantees (intops SHIFT_CAPS). The borrow out of
   * those bits is always 0, so the protocol runs on m >> zeroLow with the
   * shift s − zeroLow (shift.ts dropZeroLow): fewer chunks, same result.
   * Exactness rests on the promise; the views do not (the dropped bits of m
   * are mask bits).
   */
  zeroLow?: number;
}

function check(x: { l: RingBits; bits?: number }, spec: RequantSpec): number {
  checkIndexBits('requant', spec.bits);
  const z = spec.zeroLow ?? 0;
  if (!Number.isInteger(z) || z < 0 || z > spec.s) throw new ShapeError(`requant: zeroLow=${String(spec.zeroLow)} must be an integer in 0…${spec.s} (the shift)`);
  const w = x.bits ?? x.l;
  if (spec.s + spec.bits > w) throw new ShapeError(`requant: shift ${spec.s} + index ${spec.bits} bits exceed the ${w}-bit accumulator`);
  if (spec.borrowOut !== undefined && !BORROW_OUTS.includes(spec.borrowOut)) throw new ShapeError(`requant: borrowOut '${String(spec.borrowOut)}' is not 'bit' or 'index'`);
  if (spec.s > 0 && spec.bits > 15 && out(spec) === 'bit') throw new ShapeError(`requant: a ${spec.bits}-bit index with a shift needs a ${spec.bits + 1}-bit final table (at most 15 index bits; borrowOut 'index' takes 16)`);
  if (!Number.isInteger(spec.outputs) || spec.outputs < 1) throw new ShapeError(`requant: outputs=${String(spec.outputs)} must be a positive integer`);
  return w;
}

/** The requant on y' = y >> zeroLow: the same spec with the shift s − zeroLow (RequantSpec.zeroLow). */
function withoutZeroLow<T extends RequantSpec>(spec: T): T {
  const z = spec.zeroLow ?? 0;
  return z === 0 ? spec : { ...spec, s: spec.s - z, zeroLow: 0 };
}

/** Elements of output k as opened: N, or N / cols for a row-summed last output. */
function openedCount(spec: RequantSpec, N: number, k: number): number {
  const cols = spec.rowSumsOfLast;
  if (cols === undefined || k !== spec.outputs - 1) return N;
  if (!Number.isInteger(cols) || cols < 1 || N % cols !== 0) throw new ShapeError(`requant: ${N} elements do not form rows of ${String(cols)} columns to sum`);
  return N / cols;
}

function out(spec: RequantSpec): BorrowOut {
  return spec.borrowOut ?? 'bit';
}

/** Index width of the output tables: the n bits above the shift, plus the last borrow bit when it opens as a bit. */
function finalBits(spec: RequantSpec): number {
  return spec.s > 0 && out(spec) === 'bit' ? spec.bits + 1 : spec.bits;
}

/**
 * Online choices that leave the material unchanged (RequantOnline): outputs
 * left unopened send nothing; an addend only changes what an opening carries.
 */
export interface RequantOnline {
  /** Output indices returned unopened (`MaskedShare`): no slot, no bytes. */
  unopened?: readonly number[];
  /**
   * Per output: an unopened value of the same shape, added before the
   * opening, so the output opens as [[T_k(t) + v]] (its mask the sum of
   * both masks; offline, requantOffline's `plus` adds the same masks). A residual that is only ever added to
   * one later requant output costs no opening of its own.
   */
  plus?: readonly (MaskedShare | undefined)[];
  /**
   * Row-major [rows, cols] elements whose column is ≥ `keep` output 0 (every
   * output): this party takes its share of the output mask instead of its
   * table read, so the opening is the bare mask. Online only, the same at
   * P1 and P2, and no part of the dealing: padded attention keys (forward.ts),
   * whose count P1 and P2 may know and P0 must not.
   */
  keepCols?: { cols: number; keep: number };
}

/** v[e] = ρ[e] for the elements whose column is ≥ keep (RequantOnline.keepCols); v and ρ share a ring. */
function zeroColumns(v: RingArray, rho: RingArray, k: { cols: number; keep: number }): RingArray {
  const dst = v as Uint32Array, src = rho as Uint32Array; // any one typed-array kind, the same for both
  for (let at = 0; at < v.length; at += k.cols) dst.set(src.subarray(at + k.keep, at + k.cols), at + k.keep);
  return v;
}

export function requantCost(spec: { n: number; w: number } & RequantSpec & { unopened?: readonly number[] }): ProtocolCost {
  check({ l: spec.l, bits: spec.w }, spec);
  const s = withoutZeroLow(spec);
  const ch = s.s > 0 ? borrowCost(s.n, chainPlan(s.s, s.chunk), s) : { offline: 0, online: { rounds: {}, messages: [] } };
  const offBytes = ch.offline + s.outputs * s.n * 2 ** finalBits(s) * R.ringBytes(s.l);
  let b = 0;
  for (let k = 0; k < s.outputs; k++) if (!s.unopened?.includes(k)) b += R.wireBytes(s.l, openedCount(s, s.n, k));
  const rounds = (ch.online.rounds.P1 ?? 0) + 1;
  return {
    name: 'requant',
    offline: correction(offBytes),
    online: {
      rounds: { P1: rounds, P2: rounds },
      messages: [...ch.online.messages, { from: 'P1', to: 'P2', bytes: b }, { from: 'P2', to: 'P1', bytes: b }],
    },
  };
}

/** Whether the borrow is selected (asked for, and 3…5 chunks: borrow-select.ts). */
function selects(spec: RequantSpec, plan: ChainPlan): boolean {
  if (spec.borrow !== undefined && !BORROWS.includes(spec.borrow)) throw new ShapeError(`requant: borrow '${String(spec.borrow)}' is not 'chain' or 'select'`);
  return spec.borrow === 'select' && selectApplies(plan);
}

/** The borrow of the low s bits: selected in two rounds, or chained (one round per chunk). */
function borrowCost(N: number, plan: ChainPlan, spec: RequantSpec): ReturnType<typeof chainCost> {
  return selects(spec, plan) ? selectCost(N, plan, out(spec), spec.bits) : chainCost(N, plan, out(spec), spec.bits);
}

/**
 * The tables of one output with the final index: per element, the table
 * rotated by r_hi + (u ⊕ ρ_K) for u = 0 then u = 1 (2^(n+1) entries); with
 * 'index' out once by r_hi + σ (2^n entries).
 */
function finalTables(t: DealerTable, n: number, l: RingBits, rHi: Uint32Array, last: RingArray, o: BorrowOut): Promise<RingArray> {
  if (o === 'index') {
    const rot = new Uint32Array(rHi.length);
    const mask = 2 ** n - 1;
    for (let e = 0; e < rot.length; e++) rot[e] = (rHi[e]! + Number(last[e]!)) & mask;
    return rotatePerElement(t.data, n, l, t.channels, rot, t.blocks ?? false, 0);
  }
  // Element-major pairs (2e + u) both read element e's channel (pairShift 1).
  return rotatePerElement(t.data, n, l, t.channels, finalRotations(rHi, last as Uint8Array, n), t.blocks ?? false, 1);
}

/**
 * Offline requant of [[y]] (P0 passes one DealerTable per output): one
 * dealing. Returns the outputs' masks (output k's plus `plus[k]`'s mask when
 * the online call adds that value before opening, RequantOnline.plus; an
 * output with `outMasks[k]` opens under that earlier-dealt mask).
 */
export function requantOffline(
  off: Offline,
  y: MaskBitsOf,
  spec: RequantSpec,
  tables?: readonly DealerTable[],
  plus?: readonly (MaskOf | undefined)[],
  /** Per output: a mask dealt earlier (fresh-mask.ts) to open under instead of a fresh one. */
  outMasks?: readonly (MaskOf | undefined)[],
): Promise<MaskOf[]> {
  check(y, spec);
  y = dropZeroLowMask(y, spec.zeroLow ?? 0);
  spec = withoutZeroLow(spec);
  const n = shapeSize(y.shape);
  if (off.party.id === 'P0') {
    if (!tables || tables.length !== spec.outputs) throw new ShapeError(`requant: P0 must pass ${spec.outputs} table(s), got ${tables?.length ?? 0}`);
    for (const t of tables) checkTables('requant', t.data, spec.bits, spec.l, t.channels, n);
  } else if (tables) throw new ProtocolError('requant: only P0 knows the tables');
  const fb = finalBits(spec);
  return off.deal('requant', async (d) => {
    let build: (t: DealerTable) => Promise<RingArray>;
    if (spec.s > 0) {
      const plan = chainPlan(spec.s, spec.chunk);
      const r = d.role === 'P0' ? y.r : undefined;
      const o = out(spec);
      const last = selects(spec, plan) ? await dealSelect(d, 's.', plan, n, r, o, spec.bits) : await dealChain(d, 's.', plan, n, r, o, spec.bits);
      const rHi = d.role === 'P0' ? limb(y.r, spec.s, spec.bits) : undefined;
      build = (t) => finalTables(t, spec.bits, spec.l, rHi!, last!, o);
    } else {
      const idx = reduceMask(y, spec.bits);
      build = (t) => rotateTables(t.data, spec.bits, spec.l, t.channels, idx.r, t.blocks);
    }
    const outs: MaskOf[] = [];
    for (let k = 0; k < spec.outputs; k++) {
      const t = tables?.[k];
      const rho = await dealLut(d, `o${k}.`, n, fb, spec.l, true, () => build(t!), outMasks?.[k]?.r);
      const rows = openedCount(spec, n, k);
      const pk = plus?.[k];
      if (pk && (rows !== n || pk.r.length !== n)) throw new ShapeError(`requant: output ${k}'s addend has ${pk.r.length} elements, expected ${n} (and no row sums)`);
      if (pk) outs.push({ l: spec.l, shape: y.shape, r: R.add(spec.l, rho!, pk.r) });
      else outs.push(rows === n ? { l: spec.l, shape: y.shape, r: rho! } : { l: spec.l, shape: [rows, 1], r: await R.rowSums(spec.l, rho!, rows, n / rows) });
    }
    return outs;
  });
}

/**
 * Online requant: the borrow rounds (K chain, 2 select), then one round for all opened outputs
 * (rounds from `seq`). Unopened outputs (`on.unopened`) come back as this
 * party's share of m, to be opened inside a later requant (`on.plus`).
 */
export function requant(seq: RoundSeq, y: MaskedBits, spec: RequantSpec): Promise<Masked[]>;
export function requant(seq: RoundSeq, y: MaskedBits, spec: RequantSpec, on: RequantOnline): Promise<(Masked | MaskedShare)[]>;
export async function requant(seq: RoundSeq, y: MaskedBits, spec: RequantSpec, on: RequantOnline = {}): Promise<(Masked | MaskedShare)[]> {
  check(y, spec);
  y = dropZeroLow(y, spec.zeroLow ?? 0);
  spec = withoutZeroLow(spec);
  const unopened = new Set(on.unopened ?? []);
  for (const k of unopened) if (!Number.isInteger(k) || k < 0 || k >= spec.outputs) throw new ShapeError(`requant: unopened output ${k} outside 0..${spec.outputs - 1}`);
  if (on.plus && on.plus.length > spec.outputs) throw new ShapeError(`requant: ${on.plus.length} addends for ${spec.outputs} output(s)`);
  const n = shapeSize(y.shape);
  const fb = finalBits(spec);
  const plan = spec.s > 0 ? chainPlan(spec.s, spec.chunk) : undefined;
  const { tag, items } = seq.party.take('requant');
  const select = plan !== undefined && selects(spec, plan);
  const links = plan ? (select ? takeSelect : takeChain)(items, tag, 's.', plan, n, out(spec), spec.bits) : [];
  const om = Array.from({ length: spec.outputs }, (_, k) => ({
    t: tableItem(items, tag, `o${k}.t`, spec.l, n * 2 ** fb),
    rho: item(items, tag, `o${k}.r`, spec.l, n),
  }));
  // The output tables' public index (its mask is inside the tables; r unused).
  const t: Masked = plan ? { l: 32, shape: y.shape, m: await (select ? runSelect : runChain)(seq, y.m, plan, spec.bits, links, out(spec)), r: R.allocRing(32, 0) as RingArray } : reduce(y, spec.bits);
  const r = seq.next();
  const keep = on.keepCols;
  if (keep && (!Number.isInteger(keep.keep) || keep.keep < 1 || keep.keep > keep.cols || n % keep.cols !== 0)) throw new ShapeError(`requant: keep ${keep.keep} of ${keep.cols} columns does not fit ${n} elements`);
  // This party's share of output k: its table read (and mask share), or the bare mask share in padded columns.
  const read = (o: { t: TableShare; rho: RingArray }): Promise<RingArray> => readMasked(spec.l, o.t, fb, t.m, o.rho).then((v) => (keep && keep.keep < keep.cols ? zeroColumns(v, o.rho, keep) : v));
  return Promise.all(
    om.map((o, k): Promise<Masked | MaskedShare> => {
      const rows = openedCount(spec, n, k);
      const plus = on.plus?.[k];
      if (plus && (plus.s.length !== n || rows !== n)) throw new ShapeError(`requant: output ${k}'s addend has ${plus.s.length} elements, expected ${n} (and no row sums)`);
      if (unopened.has(k)) {
        if (rows !== n || plus) throw new ShapeError(`requant: output ${k} is unopened: it takes no row sums and no addend`);
        return read(o).then((s) => ({ l: spec.l, shape: y.shape, s, r: o.rho }));
      }
      if (plus) {
        const slot = r.reserve(spec.l, n, 'requant');
        return read(o).then(async (v) => ({ l: spec.l, shape: y.shape, m: await slot.open(R.add(spec.l, v, plus.s, v)), r: R.add(spec.l, o.rho, plus.r) }));
      }
      if (rows === n && !keep) return lutWith(r, t, { bits: fb, l: spec.l }, o.t, o.rho, 'requant');
      if (rows === n) {
        const slot = r.reserve(spec.l, n, 'requant');
        return read(o).then(async (v) => ({ l: spec.l, shape: y.shape, m: await slot.open(v), r: o.rho }));
      }
      // Row-summed output: read every element's share, open only the row sums.
      const slot = r.reserve(spec.l, rows, 'requant');
      const cols = n / rows;
      return read(o).then(async (v) => {
        const [sv, sr] = await Promise.all([R.rowSums(spec.l, v, rows, cols), R.rowSums(spec.l, o.rho, rows, cols)]);
        return { l: spec.l, shape: [rows, 1], m: await slot.open(sv), r: sr };
      });
    }),
  );
}

/** Element count helper for callers building per-channel tables. */
export function requantElements(y: { shape: readonly number[] }): number {
  return shapeSize(y.shape);
}
