/**
 * The high bits of a masked value, exactly, with one opened bit per chunk:
 * the index t = (y >> s) mod 2^n of a requantization (requant.ts).
 *
 * Math. P1 and P2 hold m = y + r (mod 2^w, s + n ≤ w); only bits below s + n
 * matter. Split the low s bits of m and r into chunks m_k, r_k (widths c_k,
 * least significant first). Subtracting r from m limb by limb,
 *   b_0 = 0,  b_{k+1} = [m_k < r_k + b_k],  t = (m_hi − r_hi − b_K) mod 2^n,
 * with m_hi, r_hi the n bits above bit s. P1 and P2 know every m_k; only the
 * borrows b_k are secret. Each borrow is opened XOR-masked, u_k = b_k ⊕ ρ_k
 * (ρ_k a random bit only P0 knows), so it is a uniform bit to P1 and P2, and
 * the next link is a table over (u_k, m_k) that P0 builds knowing r_k and ρ_k.
 *
 * Offline (P0 deals; `dealChain`):
 *   1. Fresh private bits ρ_1 … ρ_K (P0 only, no bytes).
 *   2. Per element, packed bit tables (bits.ts), XOR-shared (P1: keystream,
 *      P2: correction):
 *        link 0:  A_0[j]          = [j < r_0] ⊕ ρ_1,               j < 2^c_0
 *        link k:  A_k[u·2^c_k + j] = [j < r_k + (u ⊕ ρ_k)] ⊕ ρ_{k+1}
 *   3. The caller's final table takes (u_K, m_hi): entry u·2^n + j uses the
 *      index j − r_hi − (u ⊕ ρ_K) (`finalRotations` gives both rotations).
 * Online (P1, P2), link k = one round from the caller's RoundSeq:
 *   4. Pi reads its share bit at u_k·2^c_k + m_k (m_0 alone for link 0):
 *      one native pass per link (Kernels.bitLinkGather), packed.
 *   5. The round opens u_{k+1} (⌈N/8⌉ bytes each way; u stays packed).
 *
 * Opening the index instead of the last borrow (`out: 'index'`):
 *   the last link's table holds additive shares, in Z_2^L (L = 8 for n ≤ 8,
 *   else 16), of σ − b_K, with σ a fresh uniform value only P0 knows:
 *        I[u·2^c + j] = σ − [j < r_{K−1} + (u ⊕ ρ_{K−1})]   (link 0 alone: σ − [j < r_0])
 *   Pi reads its share at u_{K−1}·2^c + m_{K−1}, P1 adds the public m_hi,
 *   and the round opens j = m_hi − b_K + σ = t + r_hi + σ (mod 2^n), a
 *   uniform value. The caller's tables take j itself: one rotation,
 *   T(j − r_hi − σ), so 2^n entries per output instead of 2^(n+1). The last
 *   round opens L bits per element instead of one; the last link's table
 *   has 2^(c+1) entries of L bits instead of bits. Which is cheaper depends
 *   on the outputs and the chunks (`chainPlanFor`); at BERT's 16-bit caps
 *   with 8-bit indices it halves a requant's offline bytes.
 *
 * Cost (N elements, K = number of chunks): offline P0→P2
 * N·(stride(c_0) + Σ_{k≥1} stride(c_k + 1)) bytes (stride = max(2, 2^bits/8));
 * online K rounds of ⌈N/8⌉ bytes each way ('index': the last link
 * N·2^bits·L/8 bytes, its round N·L/8 bytes each way). Against a chain of re-masked
 * partial values (shift.ts: 4 + 2 + 1 bytes per element each way for s = 24
 * in three 8-bit chunks) this opens 3 bits, and the tables are 8× smaller
 * per entry; the price is a final table over one more index bit.
 */
import { ShapeError } from '../../errors.js';
import type { RingArray } from '../../kernels/types.js';
import { bitTableByteBits, bitTableStride, setBitRange } from '../bits.js';
import type { PhaseCost } from '../cost.js';
import type { Dealing } from '../dealer.js';
import type { Material } from '../material.js';
import { tableItem, type TableShare } from '../protocols/common.js';
import * as R from '../ring.js';
import { convert, keepLow, linkRead, lookup } from './local.js';
import type { Party } from '../party.js';
import type { Slot } from '../round.js';
import type { RoundSeq } from './stages.js';

/**
 * What the last round opens: 'bit' the last borrow XOR-masked (the output
 * tables index (u_K, m_hi), 2^(n+1) entries), 'index' the output index
 * itself, additively masked mod 2^n (2^n entries; see the header).
 */
export const BORROW_OUTS = ['bit', 'index'] as const;
export type BorrowOut = (typeof BORROW_OUTS)[number];

/** Storage ring of an opened n-bit index ('index' out): 8 bits up to n = 8, else 16. */
export function indexRing(n: number): 8 | 16 {
  return n <= 8 ? 8 : 16;
}

/** The chunks of a chain that removes s bits (least significant first). */
export interface ChainPlan {
  s: number;
  chunks: number[];
}

/** Largest chunk: link tables index c + 1 ≤ 16 bits. */
export const MAX_CHAIN_CHUNK = 15;

/** Chunks of width c (the last takes the rest) or an explicit schedule summing to s. */
export function chainPlan(s: number, chunk: number | readonly number[] = 8): ChainPlan {
  if (!Number.isInteger(s) || s < 1) throw new ShapeError(`borrow chain: shift ${String(s)} must be a positive integer`);
  const sizes = typeof chunk === 'number' ? [chunk] : [...chunk];
  for (const c of sizes) {
    if (!Number.isInteger(c) || c < 1 || c > MAX_CHAIN_CHUNK) throw new ShapeError(`borrow chain: chunk ${String(c)} must be an integer in 1…${MAX_CHAIN_CHUNK}`);
  }
  if (typeof chunk !== 'number') {
    if (sizes.reduce((a, b) => a + b, 0) !== s) throw new ShapeError(`borrow chain: chunk schedule [${sizes.join(', ')}] does not sum to s=${s}`);
    return { s, chunks: sizes };
  }
  const chunks: number[] = [];
  for (let rem = s; rem > 0; rem -= Math.min(chunk, rem)) chunks.push(Math.min(chunk, rem));
  return { s, chunks };
}

/**
 * The schedule of K chunks summing to s (each 1…MAX_CHAIN_CHUNK) with the
 * smallest `cost`; `start` (e.g. the equal split) wins ties.
 */
export function cheapestSchedule(s: number, K: number, cost: (chunks: number[]) => number, start?: readonly number[]): number[] {
  if (!Number.isInteger(K) || K < 1 || K * MAX_CHAIN_CHUNK < s || K > s) throw new ShapeError(`borrow chain: no schedule of ${String(K)} chunks for s=${s}`);
  let best = start ? [...start] : undefined;
  let bestCost = best ? cost(best) : Infinity;
  const parts: number[] = [];
  const walk = (rem: number, left: number): void => {
    if (left === 1) {
      if (rem < 1 || rem > MAX_CHAIN_CHUNK) return;
      const c = cost([...parts, rem]);
      if (c < bestCost) (bestCost = c), (best = [...parts, rem]);
      return;
    }
    for (let c = 1; c <= Math.min(MAX_CHAIN_CHUNK, rem - (left - 1)); c++) {
      parts.push(c);
      walk(rem - c, left - 1);
      parts.pop();
    }
  };
  walk(s, K);
  return best!;
}

/** Index width of link k's table. */
function linkBits(plan: ChainPlan, k: number): number {
  return k === 0 ? plan.chunks[0]! : plan.chunks[k]! + 1;
}

/**
 * Offline P0→P2 bytes and the online phase of a chain over N elements
 * (`out: 'index'` with the output index width n).
 */
export function chainCost(N: number, plan: ChainPlan, out: BorrowOut = 'bit', n = 0): { offline: number; online: PhaseCost } {
  let offline = 0;
  const K = plan.chunks.length;
  const online: PhaseCost = { rounds: { P1: K, P2: K }, messages: [] };
  plan.chunks.forEach((_, k) => {
    const index = out === 'index' && k === K - 1;
    offline += index ? N * 2 ** linkBits(plan, k) * R.ringBytes(indexRing(n)) : N * bitTableStride(linkBits(plan, k));
    const b = index ? R.wireBytes(indexRing(n), N) : R.wireBytes(1, N);
    online.messages.push({ from: 'P1', to: 'P2', bytes: b }, { from: 'P2', to: 'P1', bytes: b });
  });
  return { offline, online };
}

/** (a >> off) mod 2^c of every element, as unsigned numbers (c ≤ 16). */
export function limb(a: RingArray, off: number, c: number): Uint32Array {
  const out = new Uint32Array(a.length);
  const mask = 2 ** c - 1;
  if (a instanceof BigUint64Array) {
    const o = BigInt(off), mk = BigInt(mask);
    for (let i = 0; i < a.length; i++) out[i] = Number((a[i]! >> o) & mk);
  } else if (off < 32) {
    for (let i = 0; i < a.length; i++) out[i] = (a[i]! >>> off) & mask;
  }
  return out;
}

/**
 * Dealer side of one chain: P0 returns the last opening's mask (ρ_K bits,
 * or σ in Z_2^indexRing(n) with `out: 'index'`); others undefined.
 */
export async function dealChain(d: Dealing, prefix: string, plan: ChainPlan, N: number, r?: RingArray, out: BorrowOut = 'bit', n = 0): Promise<RingArray | undefined> {
  let off = 0;
  let rhoIn: Uint8Array | undefined;
  const K = plan.chunks.length;
  for (let k = 0; k < K; k++) {
    const c = plan.chunks[k]!;
    const bits = linkBits(plan, k);
    if (out === 'index' && k === K - 1) {
      const L = indexRing(n);
      const sigma = await d.own(L, N);
      if (sigma && !r) throw new ShapeError('borrow chain: P0 must pass the full mask');
      await d.shareTable(`${prefix}i`, L, N * 2 ** bits, sigma ? indexLinkTable(limb(r!, off, c), c, L, rhoIn, sigma) : undefined);
      return sigma;
    }
    const stride = bitTableStride(bits);
    const rhoOut = (await d.own(1, N)) as Uint8Array | undefined;
    let table: Uint8Array | undefined;
    if (rhoOut) {
      if (!r) throw new ShapeError('borrow chain: P0 must pass the full mask');
      table = linkTable(limb(r, off, c), c, stride, rhoIn, rhoOut);
    }
    await d.shareBitTable(`${prefix}a${k}`, N * stride, table);
    rhoIn = rhoOut;
    off += c;
  }
  return rhoIn;
}

/**
 * Dealer math of the last link with `out: 'index'` (pure): per element the
 * 2^c entries (2^(c+1) with a borrow in) σ − [j < r_k + (u ⊕ ρ_in)] mod 2^L.
 */
export function indexLinkTable(rk: Uint32Array, c: number, L: 8 | 16, rhoIn: Uint8Array | undefined, sigma: RingArray): RingArray {
  const N = rk.length;
  const S = 2 ** c;
  const U = rhoIn ? 2 : 1;
  const t = L === 8 ? new Uint8Array(N * U * S) : new Uint16Array(N * U * S);
  const mask = 2 ** L - 1;
  for (let e = 0; e < N; e++) {
    const sg = Number(sigma[e]!);
    for (let u = 0; u < U; u++) {
      const base = (e * U + u) * S;
      const lim = Math.min(S, rk[e]! + (rhoIn ? u ^ rhoIn[e]! : 0));
      t.fill((sg - 1) & mask, base, base + lim);
      t.fill(sg, base + lim, base + S);
    }
  }
  return t;
}

/**
 * One row of a packed bit table: bits seg … seg + S − 1 of the element whose
 * table starts at byte `base` become [j < lim] ⊕ flip (lim clipped to S).
 */
export function thresholdRow(t: Uint8Array, base: number, seg: number, S: number, lim: number, flip: number): void {
  const l = Math.min(S, lim);
  if (flip) setBitRange(t, seg + l, seg + S, 1, base);
  else setBitRange(t, seg, seg + l, 1, base);
}

/** Dealer math of one link (pure): the packed tables A_k of all elements. */
export function linkTable(rk: Uint32Array, c: number, stride: number, rhoIn: Uint8Array | undefined, rhoOut: Uint8Array): Uint8Array {
  const N = rk.length;
  const S = 2 ** c;
  const t = new Uint8Array(N * stride);
  for (let e = 0; e < N; e++) {
    for (let u = 0; u < (rhoIn ? 2 : 1); u++) thresholdRow(t, e * stride, u * S, S, rk[e]! + (rhoIn ? u ^ rhoIn[e]! : 0), rhoOut[e]!);
  }
  return t;
}

/**
 * The final table's two rotations per element (element-major: 2e + u):
 * r_hi + (u ⊕ ρ_K) mod 2^n, so that entry u·2^n + j of element e reads
 * T(j − r_hi − b_K) when u is the opened last borrow.
 */
export function finalRotations(rHi: Uint32Array, rhoK: Uint8Array, n: number): Uint32Array {
  const out = new Uint32Array(2 * rHi.length);
  const mask = 2 ** n - 1;
  for (let e = 0; e < rHi.length; e++) {
    out[2 * e] = (rHi[e]! + rhoK[e]!) & mask;
    out[2 * e + 1] = (rHi[e]! + (rhoK[e]! ^ 1)) & mask;
  }
  return out;
}

/** This party's link tables from a taken entry (with `out: 'index'` the last is the index link). */
export function takeChain(items: Material, tag: string, prefix: string, plan: ChainPlan, N: number, out: BorrowOut = 'bit', n = 0): TableShare[] {
  const K = plan.chunks.length;
  return plan.chunks.map((_, k) =>
    out === 'index' && k === K - 1
      ? tableItem(items, tag, `${prefix}i`, indexRing(n), N * 2 ** linkBits(plan, k))
      : tableItem(items, tag, `${prefix}a${k}`, 8, N * bitTableStride(linkBits(plan, k))),
  );
}

/**
 * The opening of the output index ('index' out): this party's share of
 * σ − b_K read from the last table at `idx`, plus m_hi at P1 (P0 dealt
 * σ − b_K, so the sum is m_hi − b_K + σ), opened in one round slot that the
 * caller reserved before its first await. Returns j mod 2^n.
 */
export async function openIndex(slot: Slot, party: Party, table: TableShare, bits: number, idx: RingArray, m: RingArray, s: number, n: number): Promise<RingArray> {
  const L = indexRing(n);
  const share = await lookup(table, bits, idx);
  if (party.id === 'P1') R.add(L, share, convert(limb(m, s, n), 32, L), share);
  return keepLow(L, await slot.open(share), n);
}

/**
 * Online chain on the public masked value m: one round per link from `seq`,
 * each opening one packed bit per element. Each link is one native pass
 * (Kernels.bitLinkGather: index, table read and bit packing together).
 * Returns the output tables' index: u_K·2^n + m_hi (u_K the opened last
 * borrow), or with `out: 'index'` the opened index j (n bits).
 */
export async function runChain(seq: RoundSeq, m: RingArray, plan: ChainPlan, n: number, tables: readonly TableShare[], out: BorrowOut = 'bit'): Promise<RingArray> {
  const N = m.length;
  let u: Uint8Array | undefined;
  let off = 0;
  const K = plan.chunks.length;
  for (let k = 0; k < K; k++) {
    const c = plan.chunks[k]!;
    if (out === 'index' && k === K - 1) {
      const slot = seq.next().reserve(indexRing(n), N, 'borrow');
      const idx = u ? finalIndex(m, off, c, u) : limb(m, off, c);
      return openIndex(slot, seq.party, tables[k]!, linkBits(plan, k), idx, m, plan.s, n);
    }
    const slot = seq.next().reservePacked(N, 'borrow');
    // The kernel reads 32-bit storage; other rings pass the chunk itself.
    const [mm, o] = m instanceof Uint32Array ? [m, off] : [limb(m, off, c), 0];
    const share = await linkRead(tables[k]!, bitTableByteBits(linkBits(plan, k)), mm, o, c, u);
    u = (await slot.open(share)) as Uint8Array;
    off += c;
  }
  return finalIndex(m, plan.s, n, u!);
}

/**
 * The output tables' index u·2^n + m_hi per element (u the opened final
 * borrow, packed; n ≤ 16). Every requant's every element passes here, so
 * 32-bit storage takes one pass, eight elements per byte of u (the
 * element-wise form was ~5 ns an element, 0.1 s of each party's CPU in a
 * BERT-base forward).
 */
export function finalIndex(m: RingArray, s: number, n: number, u: Uint8Array): Uint32Array {
  if (!(m instanceof Uint32Array) || s >= 32) {
    const idx = limb(m, s, n);
    for (let i = 0; i < idx.length; i++) idx[i] = idx[i]! | (((u[i >> 3]! >> (i & 7)) & 1) << n);
    return idx;
  }
  const N = m.length;
  const idx = new Uint32Array(N);
  const mask = 2 ** n - 1;
  const whole = N >> 3;
  const t = 1 << n;
  for (let p = 0, i = 0; p < whole; p++, i += 8) {
    const b = u[p]! << n;
    idx[i] = ((m[i]! >>> s) & mask) | (b & t);
    idx[i + 1] = ((m[i + 1]! >>> s) & mask) | ((b >>> 1) & t);
    idx[i + 2] = ((m[i + 2]! >>> s) & mask) | ((b >>> 2) & t);
    idx[i + 3] = ((m[i + 3]! >>> s) & mask) | ((b >>> 3) & t);
    idx[i + 4] = ((m[i + 4]! >>> s) & mask) | ((b >>> 4) & t);
    idx[i + 5] = ((m[i + 5]! >>> s) & mask) | ((b >>> 5) & t);
    idx[i + 6] = ((m[i + 6]! >>> s) & mask) | ((b >>> 6) & t);
    idx[i + 7] = ((m[i + 7]! >>> s) & mask) | ((b >>> 7) & t);
  }
  for (let i = whole << 3; i < N; i++) idx[i] = ((m[i]! >>> s) & mask) | (((u[i >> 3]! >> (i & 7)) & 1) << n);
  return idx;
}
