/**
 * The comparison family as tables.
 *
 * - `sign`, `relu`, `positive`: a lookup with a public table on a masked
 *   signed n-bit value (cost of `lut`).
 * - `max(a, b) = b + relu(a − b)` for signed w-bit values held in a ring
 *   Z_2^L with L > w (a − b needs w + 1 bits; w + 1 ≤ 16):
 *   Offline: 1. P0 deals a fresh mask ρ; 2. P0 deals shares of the rotated
 *     ReLU tables of d = a − b (mask r_a − r_b) with ρ − r_b added to every
 *     entry. Online: 3. d's masked value m_a − m_b is local; Pi reads its
 *     share at it; P1 adds m_b; 4. the caller's round opens max + ρ.
 *   Cost (N pairs, b = ringBytes(L)): offline N·2^(w+1)·b; online N·b each
 *   way, 1 round.
 * - `rowMax` over R rows × C columns: a tree of pairwise maxes of adjacent
 *   columns (an odd last column is carried), ⌈log2 C⌉ levels, one round
 *   each (rounds from the caller's RoundSeq), one dealing for all levels.
 *   Cost: Σ_levels (pairs_k)·2^(w+1)·b offline; Σ_levels pairs_k·b each way
 *   online; ⌈log2 C⌉ rounds.
 * - `rowArgmax`: the same tree carrying the index of the first maximum. Per
 *   level a second table gives the selection bit s = [a ≥ b] (masked, in the
 *   same round as the max); the index is idx_b + s·(idx_a − idx_b): at the
 *   first level idx_a − idx_b = −1 is public (local), later levels multiply
 *   two masked values with a dealt product correlation; that product rides
 *   in the next level's round (pipelined), so only the last one adds a round.
 *   Cost (T = ⌈log2 C⌉ levels, p_k pairs at level k): offline
 *   Σ_k p_k·(2·2^(w+1) + [k ≥ 1])·b; online round k: (2·p_k + [k ≥ 2]·p_{k−1})·b
 *   each way, plus a last round of p_{T−1}·b when T ≥ 2; rounds T + [T ≥ 2].
 */
import { ProtocolError, ShapeError } from '../../errors.js';
import type { RingArray, RingBits } from '../../kernels/types.js';
import { correction, type PhaseCost, type ProtocolCost } from '../cost.js';
import type { Dealing, Offline } from '../dealer.js';
import type { Material } from '../material.js';
import { item, tableItem, type TableShare } from '../protocols/common.js';
import * as R from '../ring.js';
import type { Round } from '../round.js';
import { matDims, shapeSize, type Masked, type MaskOf } from '../sharing.js';
import { lookup } from './local.js';
import { addPerElement, lut, lutCost, lutOffline, type LutSpec } from './lut.js';
import type { RoundSeq } from './stages.js';
import { positiveTable, reluTable, rotateTables, signTable, tableFrom, signedOf, checkIndexBits } from './tables.js';
import type { MaskBitsOf, MaskedBits } from './shift.js';

// ---- single-value tables ------------------------------------------------------------

export type CompareKind = 'sign' | 'relu' | 'positive';

function publicTable(kind: CompareKind, bits: number, l: RingBits): RingArray {
  return kind === 'sign' ? signTable(bits, l) : kind === 'relu' ? reluTable(bits, l) : positiveTable(bits, l);
}

export function compareCost(s: { n: number; bits: number; l: RingBits }): ProtocolCost {
  return lutCost(s);
}

/** Offline sign / relu / [x > 0] of a signed `spec.bits`-bit value (public table, built by P0). */
export function compareOffline(off: Offline, kind: CompareKind, x: MaskBitsOf, spec: LutSpec): Promise<MaskOf> {
  const t = off.party.id === 'P0' ? { data: publicTable(kind, spec.bits, spec.l), channels: 1 } : undefined;
  return lutOffline(off, x, spec, t) as Promise<MaskOf>;
}

/** Online sign / relu / [x > 0] (one round from `r`). */
export function compare(r: Round, x: MaskedBits, spec: LutSpec): Promise<Masked> {
  return lut(r, x, spec);
}

// ---- max of two ---------------------------------------------------------------------------

function checkPair(what: string, a: { l: RingBits; shape: readonly number[] }, b: { l: RingBits; shape: readonly number[] }, w: number): number {
  checkIndexBits(`${what} (difference of ${w}-bit values)`, w + 1);
  if (a.l !== b.l) throw new ShapeError(`${what}: rings differ (Z_2^${a.l} vs Z_2^${b.l})`);
  if (a.l < w + 1) throw new ShapeError(`${what}: the ring Z_2^${a.l} cannot hold differences of ${w}-bit values (needs ${w + 1} bits)`);
  const n = shapeSize(a.shape);
  if (n !== shapeSize(b.shape)) throw new ShapeError(`${what}: operands hold ${n} and ${shapeSize(b.shape)} elements`);
  return n;
}

export function maxCost(s: { n: number; w: number; l: RingBits }): ProtocolCost {
  return { ...lutCost({ n: s.n, bits: s.w + 1, l: s.l }), name: 'max' };
}

/** Deal one max (names `${p}t`, `${p}r`): returns ρ. `ra`, `rb`: masks (P0 full). */
async function dealMax(d: Dealing, p: string, L: RingBits, w: number, ra: RingArray, rb: RingArray): Promise<RingArray> {
  const n = ra.length;
  const rho = await d.mask(`${p}r`, L, n);
  let t: RingArray | undefined;
  if (d.role === 'P0') {
    t = await rotateTables(reluTable(w + 1, L), w + 1, L, 1, R.sub(L, ra, rb));
    addPerElement(L, t, w + 1, R.sub(L, rho, rb));
  }
  await d.shareTable(`${p}t`, L, n * 2 ** (w + 1), t);
  return rho;
}

/** Online max with material taken: reserves one slot of `r` now. */
function maxWith(r: Round, L: RingBits, w: number, ma: RingArray, mb: RingArray, t: TableShare): Promise<RingArray> {
  const slot = r.reserve(L, ma.length, 'max');
  return lookup(t, w + 1, R.sub(L, ma, mb)).then((v) => {
    if (r.party.id === 'P1') R.add(L, v, mb, v);
    return slot.open(v);
  });
}

/** Offline max(a, b) of signed w-bit values. */
export function maxOffline(off: Offline, a: MaskOf, b: MaskOf, w: number): Promise<MaskOf> {
  checkPair('max', a, b, w);
  return off.deal('max', async (d) => ({ l: a.l, shape: a.shape, r: await dealMax(d, '', a.l, w, a.r, b.r) }));
}

/** Online max(a, b) (one round from `r`). */
export function max(r: Round, a: Masked, b: Masked, w: number): Promise<Masked> {
  const n = checkPair('max', a, b, w);
  const { tag, items } = r.party.take('max');
  const t = tableItem(items, tag, 't', a.l, n * 2 ** (w + 1));
  const rho = item(items, tag, 'r', a.l, n);
  return maxWith(r, a.l, w, a.m, b.m, t).then((m) => ({ l: a.l, shape: a.shape, m, r: rho }));
}

// ---- tree layout ----------------------------------------------------------------------

/** Even columns, odd columns and the carried last column of a rows × cols matrix. */
function split(a: RingArray, rows: number, cols: number): { even: RingArray; odd: RingArray; carry: RingArray | undefined } {
  const h = Math.floor(cols / 2);
  const C = a.constructor as new (n: number) => RingArray;
  const even = new C(rows * h), odd = new C(rows * h);
  const carry = cols % 2 === 1 ? new C(rows) : undefined;
  const src = a as unknown as { [i: number]: number | bigint };
  const e = even as unknown as { [i: number]: number | bigint }, o = odd as unknown as { [i: number]: number | bigint };
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < h; j++) {
      e[i * h + j] = src[i * cols + 2 * j]!;
      o[i * h + j] = src[i * cols + 2 * j + 1]!;
    }
    if (carry) (carry as unknown as { [i: number]: number | bigint })[i] = src[i * cols + cols - 1]!;
  }
  return { even, odd, carry };
}

/** Rows of `pairs` (rows × h) followed by the carried column (if any). */
function join(pairs: RingArray, carry: RingArray | undefined, rows: number, h: number): RingArray {
  if (!carry) return pairs;
  const C = pairs.constructor as new (n: number) => RingArray;
  const out = new C(rows * (h + 1));
  const o = out as unknown as { [i: number]: number | bigint }, p = pairs as unknown as { [i: number]: number | bigint }, c = carry as unknown as { [i: number]: number | bigint };
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < h; j++) o[i * (h + 1) + j] = p[i * h + j]!;
    o[i * (h + 1) + h] = c[i]!;
  }
  return out;
}

/** Column counts per level: cols, ⌈cols/2⌉, …, 1. */
function levels(cols: number): number[] {
  const out: number[] = [];
  for (let c = cols; c > 1; c = Math.ceil(c / 2)) out.push(c);
  return out;
}

function checkRows(what: string, x: { l: RingBits; shape: readonly number[] }, w: number): [number, number] {
  const [rows, cols] = matDims(x.shape);
  checkPair(what, x, x, w);
  if (cols < 1) throw new ShapeError(`${what}: rows need at least one column`);
  return [rows, cols];
}

export function rowMaxCost(s: { rows: number; cols: number; w: number; l: RingBits }): ProtocolCost {
  const b = R.ringBytes(s.l);
  let off = 0;
  const online: PhaseCost = { rounds: {}, messages: [] };
  for (const c of levels(s.cols)) {
    const pairs = s.rows * Math.floor(c / 2);
    off += pairs * 2 ** (s.w + 1) * b;
    online.messages.push({ from: 'P1', to: 'P2', bytes: pairs * b }, { from: 'P2', to: 'P1', bytes: pairs * b });
  }
  const k = levels(s.cols).length;
  if (k > 0) online.rounds = { P1: k, P2: k };
  return { name: 'rowMax', offline: correction(off), online };
}

/** Offline row max of a rows × cols matrix of signed w-bit values: output rows (shape [...leading]). */
export function rowMaxOffline(off: Offline, x: MaskOf, w: number): Promise<MaskOf> {
  const [rows, cols] = checkRows('rowMax', x, w);
  const shape = x.shape.slice(0, -1);
  if (cols === 1) return Promise.resolve({ l: x.l, shape, r: x.r.slice() as RingArray });
  return off.deal('rowMax', async (d) => {
    let r = x.r;
    let k = 0;
    for (const c of levels(cols)) {
      const { even, odd, carry } = split(r, rows, c);
      const rho = await dealMax(d, `L${k++}.`, x.l, w, even, odd);
      r = join(rho, carry, rows, Math.floor(c / 2));
    }
    return { l: x.l, shape, r };
  });
}

/** Online row max (⌈log2 cols⌉ rounds from `seq`). */
export async function rowMax(seq: RoundSeq, x: Masked, w: number): Promise<Masked> {
  const [rows, cols] = checkRows('rowMax', x, w);
  const shape = x.shape.slice(0, -1);
  if (cols === 1) return { l: x.l, shape, m: x.m.slice() as RingArray, r: x.r.slice() as RingArray };
  const { tag, items } = seq.party.take('rowMax');
  const L = x.l;
  let m = x.m, r = x.r;
  let k = 0;
  for (const c of levels(cols)) {
    const h = Math.floor(c / 2);
    const t = tableItem(items, tag, `L${k}.t`, L, rows * h * 2 ** (w + 1));
    const rho = item(items, tag, `L${k}.r`, L, rows * h);
    k++;
    const sm = split(m, rows, c), sr = split(r, rows, c);
    const mm = await maxWith(seq.next(), L, w, sm.even, sm.odd, t);
    m = join(mm, sm.carry, rows, h);
    r = join(rho, sr.carry, rows, h);
  }
  return { l: L, shape, m, r };
}

// ---- argmax ---------------------------------------------------------------------------------

/** [a ≥ b] of the signed (w+1)-bit difference d = a − b. */
function geTable(bits: number, L: RingBits): RingArray {
  return tableFrom(bits, L, (j) => (signedOf(j, bits) >= 0 ? 1 : 0));
}

export function rowArgmaxCost(s: { rows: number; cols: number; w: number; l: RingBits }): ProtocolCost {
  const b = R.ringBytes(s.l);
  const lv = levels(s.cols);
  const pairs = lv.map((c) => s.rows * Math.floor(c / 2));
  let off = 0;
  const online: PhaseCost = { rounds: {}, messages: [] };
  const round = (bytes: number) => online.messages.push({ from: 'P1', to: 'P2', bytes }, { from: 'P2', to: 'P1', bytes });
  pairs.forEach((p, k) => {
    off += 2 * p * 2 ** (s.w + 1) * b + (k >= 1 ? p * b : 0);
    round(2 * p * b + (k >= 2 ? pairs[k - 1]! * b : 0));
  });
  if (pairs.length >= 2) round(pairs[pairs.length - 1]! * b);
  const rounds = pairs.length + (pairs.length >= 2 ? 1 : 0);
  if (rounds > 0) online.rounds = { P1: rounds, P2: rounds };
  return { name: 'rowArgmax', offline: correction(off), online };
}

/** Public column indices 0…cols−1 of every row (mask 0). */
function publicIndex(L: RingBits, rows: number, cols: number): RingArray {
  const a = R.allocRing(L, rows * cols) as RingArray;
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) (a as unknown as { [k: number]: number | bigint })[i * cols + j] = L === 64 ? BigInt(j) : j;
  return a;
}

/**
 * Offline row argmax (first maximum) of a rows × cols matrix of signed w-bit
 * values: returns the masks of [max, index] (both rows-shaped, ring of x).
 */
export function rowArgmaxOffline(off: Offline, x: MaskOf, w: number): Promise<[MaskOf, MaskOf]> {
  const [rows, cols] = checkRows('rowArgmax', x, w);
  if (cols >= 2 ** Math.min(x.l, 53)) throw new ShapeError(`rowArgmax: ${cols} columns do not fit Z_2^${x.l}`);
  const shape = x.shape.slice(0, -1);
  const L = x.l;
  if (cols === 1) return Promise.resolve([{ l: L, shape, r: x.r.slice() as RingArray }, { l: L, shape, r: R.allocRing(L, rows) as RingArray }]);
  return off.deal('rowArgmax', async (d) => {
    let r = x.r;
    let ri = R.allocRing(L, rows * cols) as RingArray; // index masks: public indices at first
    let k = 0;
    for (const c of levels(cols)) {
      const h = Math.floor(c / 2);
      const p = `L${k}.`;
      const sv = split(r, rows, c), si = split(ri, rows, c);
      const rho = await dealMax(d, p, L, w, sv.even, sv.odd);
      // Selection bit s = [a ≥ b], masked by σ.
      const sigma = await d.mask(`${p}sr`, L, rows * h);
      let st: RingArray | undefined;
      if (d.role === 'P0') {
        st = await rotateTables(geTable(w + 1, L), w + 1, L, 1, R.sub(L, sv.even, sv.odd));
        addPerElement(L, st, w + 1, sigma);
      }
      await d.shareTable(`${p}st`, L, rows * h * 2 ** (w + 1), st);
      let idxMask: RingArray;
      if (k === 0) {
        idxMask = R.neg(L, sigma); // idx = b_idx − s: mask −σ
      } else {
        // z = s · (idx_a − idx_b), masked by ζ; c = σ·δ + ζ shared (δ: mask of the difference).
        const zeta = await d.mask(`${p}zr`, L, rows * h);
        const delta = R.sub(L, si.even, si.odd);
        await d.share(`${p}c`, L, rows * h, d.role === 'P0' ? R.add(L, R.mul(L, sigma, delta), zeta) : undefined);
        idxMask = R.add(L, si.odd, zeta);
      }
      r = join(rho, sv.carry, rows, h);
      ri = join(idxMask, si.carry, rows, h);
      k++;
    }
    return [
      { l: L, shape, r },
      { l: L, shape, r: ri },
    ];
  });
}

function takeLevel(items: Material, tag: string, k: number, L: RingBits, pairs: number, w: number) {
  const p = `L${k}.`;
  return {
    t: tableItem(items, tag, `${p}t`, L, pairs * 2 ** (w + 1)),
    rho: item(items, tag, `${p}r`, L, pairs),
    st: tableItem(items, tag, `${p}st`, L, pairs * 2 ** (w + 1)),
    sigma: item(items, tag, `${p}sr`, L, pairs),
    zeta: k >= 1 ? item(items, tag, `${p}zr`, L, pairs) : undefined,
    c: k >= 1 ? item(items, tag, `${p}c`, L, pairs) : undefined,
  };
}

/** Online row argmax: returns [max, index of the first maximum] (⌈log2 cols⌉ + 1 rounds from `seq`, cols > 2). */
export async function rowArgmax(seq: RoundSeq, x: Masked, w: number): Promise<[Masked, Masked]> {
  const [rows, cols] = checkRows('rowArgmax', x, w);
  const shape = x.shape.slice(0, -1);
  const L = x.l;
  const P1 = seq.party.id === 'P1';
  if (seq.party.id !== 'P1' && seq.party.id !== 'P2') throw new ProtocolError(`rowArgmax runs on P1/P2, not on ${seq.party.id}`);
  if (cols === 1) return [{ l: L, shape, m: x.m.slice() as RingArray, r: x.r.slice() as RingArray }, { l: L, shape, m: R.allocRing(L, rows) as RingArray, r: R.allocRing(L, rows) as RingArray }];
  const { tag, items } = seq.party.take('rowArgmax');
  const lv = levels(cols);
  const mats = lv.map((c, k) => takeLevel(items, tag, k, L, rows * Math.floor(c / 2), w));
  type Pending = { h: number; mSel: RingArray; smi: ReturnType<typeof split>; sri: ReturnType<typeof split>; mat: (typeof mats)[number] };
  // Index product of a finished level (z = s·Δ, Δ = idx_a − idx_b masked): reserves its slot in `round` now.
  const product = (round: Round, q: Pending): Promise<void> => {
    const mD = R.sub(L, q.smi.even, q.smi.odd), dI = R.sub(L, q.sri.even, q.sri.odd);
    const z = R.sub(L, q.mat.c!, R.mul(L, q.mSel, dI));
    R.sub(L, z, R.mul(L, q.mat.sigma, mD), z);
    if (P1) R.add(L, z, R.mul(L, q.mSel, mD), z);
    return round.reserve(L, rows * q.h, 'argmaxMul').open(z).then((mz) => {
      mi = join(R.add(L, q.smi.odd, mz), q.smi.carry, rows, q.h);
      ri = join(R.add(L, q.sri.odd, q.mat.zeta!), q.sri.carry, rows, q.h);
    });
  };
  let m = x.m, r = x.r;
  let mi = publicIndex(L, rows, cols), ri = R.allocRing(L, rows * cols) as RingArray;
  let pending: Pending | undefined;
  for (let k = 0; k < lv.length; k++) {
    const c = lv[k]!;
    const h = Math.floor(c / 2);
    const mat = mats[k]!;
    const sm = split(m, rows, c), sr = split(r, rows, c);
    // One round: this level's max and selection bit, and the previous level's index product.
    const round = seq.next();
    const d = R.sub(L, sm.even, sm.odd);
    const pMax = maxWith(round, L, w, sm.even, sm.odd, mat.t);
    const selSlot = round.reserve(L, rows * h, 'argmaxSel');
    const pSel = lookup(mat.st, w + 1, d).then((v) => selSlot.open(v));
    const pProd = pending ? product(round, pending) : Promise.resolve();
    const [mMax, mSel] = await Promise.all([pMax, pSel, pProd]);
    pending = undefined;
    // mi/ri now hold the indices after level k − 1 (c columns).
    const smi = split(mi, rows, c), sri = split(ri, rows, c);
    if (k === 0) {
      // idx = b_idx − s with public b_idx: local.
      mi = join(R.sub(L, smi.odd, mSel), smi.carry, rows, h);
      ri = join(R.neg(L, mat.sigma), sri.carry, rows, h);
    } else pending = { h, mSel, smi, sri, mat };
    m = join(mMax, sm.carry, rows, h);
    r = join(mat.rho, sr.carry, rows, h);
  }
  if (pending) await product(seq.next(), pending);
  return [
    { l: L, shape, m, r },
    { l: L, shape, m: mi, r: ri },
  ];
}
