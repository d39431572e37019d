/**
 * The borrow of a requantization's low s bits in two rounds whatever the
 * number of chunks (carry select), where the chain (borrow-chain.ts) takes
 * one round per chunk. Requant uses it with `borrow: 'select'` for plans of
 * 3…5 chunks.
 *
 * Math. As in the chain, P1 and P2 know m; the chunks m_k, r_k of the low s
 * bits give the borrows b_0 = 0, b_{k+1} = [m_k < r_k + b_k], and the final
 * b_K enters the index of the output tables. Chunk 0 has no borrow in:
 * g = [m_0 < r_0]. Chunk k ≥ 1 has two candidate borrows out, one per borrow
 * in: lo_k = [m_k < r_k] and le_k = [m_k < r_k + 1]. Each depends on one
 * public m_k and one secret r_k, so all of them are read at once; then
 *   b_1 = g,  b_{k+1} = b_k ? le_k : lo_k.
 *
 * Offline (P0 deals):
 *   1. Fresh private bits ρ (for g), α_k, β_k (for lo_k, le_k), ρ_B (for b_K).
 *   2. Per element, packed bit tables, XOR-shared (P1 keystream, P2
 *      correction):
 *        A_0[j]            = [j < r_0] ⊕ ρ                      (2^c_0 bits)
 *        A_k[j], A_k[2^c+j] = [j < r_k] ⊕ α_k, [j < r_k + 1] ⊕ β_k (2·2^c_k bits)
 *        C[u·2^(2K−2) + v] = b_K ⊕ ρ_B                         (2^(2K−1) bits)
 *      where C's index holds the opened u = g ⊕ ρ and, in v, bit 2(k−1) the
 *      opened lo_k ⊕ α_k and bit 2k−1 the opened le_k ⊕ β_k; P0 unmasks them
 *      and runs the select above. C depends only on the 2K mask bits, so P0
 *      builds each distinct C once.
 * Online (P1, P2):
 *   3. Read g, every lo_k and every le_k (2K − 1 native passes); one round
 *      opens them masked (2K − 1 packed bits per element each way).
 *   4. Read C at the opened bits; one round opens b_K ⊕ ρ_B (one bit).
 * Every opened bit is masked by a fresh bit only P0 knows, so each is a
 * uniform bit to P1 and to P2.
 * With `out: 'index'` (borrow-chain.ts) C holds additive shares in
 * Z_2^indexRing(n) of σ − b_K (σ fresh and uniform, per element, so C is
 * per element: 2^(2K−1) entries of L bits), P1 adds m_hi and step 4 opens
 * the output index m_hi − b_K + σ.
 *
 * Cost (N elements, K chunks): offline P0→P2
 * N·(stride(c_0) + Σ_{k≥1} stride(c_k + 1) + stride(2K − 1)) bytes; online
 * 2 rounds, (2K − 1)·⌈N/8⌉ then ⌈N/8⌉ bytes each way. At s = 24 in chunks of
 * 8: 2 rounds instead of 3, 6 bits instead of 3, 4 more table bytes.
 * 'index': C is N·2^(2K−1)·L/8 bytes, the second round N·L/8 each way.
 */
import { ShapeError } from '../../errors.js';
import type { RingArray } from '../../kernels/types.js';
import { bitTableByteBits, bitTableStride } from '../bits.js';
import type { PhaseCost } from '../cost.js';
import type { Dealing } from '../dealer.js';
import type { Material } from '../material.js';
import { tableItem, type TableShare } from '../protocols/common.js';
import * as R from '../ring.js';
import type { ChainPlan } from './borrow-chain.js';
import { finalIndex, indexRing, limb, linkTable, openIndex, thresholdRow, type BorrowOut } from './borrow-chain.js';
import { linkRead } from './local.js';
import type { RoundSeq } from './stages.js';

/** Chunk counts a select applies to: 3 or more saves rounds over the chain; 5 keeps C at 512 bits. */
export const SELECT_MIN_CHUNKS = 3;
export const SELECT_MAX_CHUNKS = 5;

export function selectApplies(plan: ChainPlan): boolean {
  return plan.chunks.length >= SELECT_MIN_CHUNKS && plan.chunks.length <= SELECT_MAX_CHUNKS;
}

function checkPlan(plan: ChainPlan): number {
  const K = plan.chunks.length;
  if (!selectApplies(plan)) throw new ShapeError(`borrow select: ${K} chunks (needs ${SELECT_MIN_CHUNKS}…${SELECT_MAX_CHUNKS})`);
  return K;
}

/** Index width of the combining table C. */
function combineBits(K: number): number {
  return 2 * K - 1;
}

/** Offline P0→P2 bytes and the online phase of a select over N elements (`out: 'index'` with index width n). */
export function selectCost(N: number, plan: ChainPlan, out: BorrowOut = 'bit', n = 0): { offline: number; online: PhaseCost } {
  const K = checkPlan(plan);
  const index = out === 'index';
  let offline = N * (bitTableStride(plan.chunks[0]!) + (index ? 2 ** combineBits(K) * R.ringBytes(indexRing(n)) : bitTableStride(combineBits(K))));
  for (let k = 1; k < K; k++) offline += N * bitTableStride(plan.chunks[k]! + 1);
  const b = index ? R.wireBytes(indexRing(n), N) : R.wireBytes(1, N);
  const first = (2 * K - 1) * R.wireBytes(1, N);
  return {
    offline,
    online: {
      rounds: { P1: 2, P2: 2 },
      messages: [
        { from: 'P1', to: 'P2', bytes: first },
        { from: 'P2', to: 'P1', bytes: first },
        { from: 'P1', to: 'P2', bytes: b },
        { from: 'P2', to: 'P1', bytes: b },
      ],
    },
  };
}

/** Dealer math of chunk k ≥ 1 (pure): per element [j < r_k] ⊕ α at j, [j < r_k + 1] ⊕ β at 2^c + j. */
export function candidateTable(rk: Uint32Array, c: number, alpha: Uint8Array, beta: Uint8Array): Uint8Array {
  const N = rk.length;
  const S = 2 ** c;
  const stride = bitTableStride(c + 1);
  const t = new Uint8Array(N * stride);
  for (let e = 0; e < N; e++) {
    thresholdRow(t, e * stride, 0, S, rk[e]!, alpha[e]!);
    thresholdRow(t, e * stride, S, S, rk[e]! + 1, beta[e]!);
  }
  return t;
}

/**
 * One element's C as bits (index u·2^(2K−2) + v, see the header) for mask
 * bits ρ, α_1, β_1, …, α_{K−1}, β_{K−1}, ρ_B.
 */
export function combineEntries(K: number, rho: number, alpha: readonly number[], beta: readonly number[], rhoB: number): Uint8Array {
  const V = 2 ** (2 * K - 2);
  const out = new Uint8Array(2 * V);
  for (let u = 0; u < 2; u++) {
    for (let v = 0; v < V; v++) {
      let b = u ^ rho;
      for (let k = 1; k < K; k++) {
        const lo = ((v >> (2 * k - 2)) & 1) ^ alpha[k - 1]!;
        const le = ((v >> (2 * k - 1)) & 1) ^ beta[k - 1]!;
        b = b ? le : lo;
      }
      out[u * V + v] = b ^ rhoB;
    }
  }
  return out;
}

/** Element e's select mask bits ρ, α_1, β_1, … as one number (bits 0 … 2K − 2): the key of C's caches. */
function maskPattern(K: number, rho: Uint8Array, alpha: readonly Uint8Array[], beta: readonly Uint8Array[], e: number): number {
  let key = rho[e]!;
  for (let k = 1; k < K; k++) key |= (alpha[k - 1]![e]! << (2 * k - 1)) | (beta[k - 1]![e]! << (2 * k));
  return key;
}

/** Dealer math of C for all elements (pure): each distinct mask pattern is built once. */
export function combineTable(K: number, rho: Uint8Array, alpha: readonly Uint8Array[], beta: readonly Uint8Array[], rhoB: Uint8Array): Uint8Array {
  const N = rho.length;
  const bits = combineBits(K);
  const stride = bitTableStride(bits);
  const t = new Uint8Array(N * stride);
  const cache = new Map<number, Uint8Array>();
  for (let e = 0; e < N; e++) {
    const key = maskPattern(K, rho, alpha, beta, e) | (rhoB[e]! << bits);
    let packed = cache.get(key);
    if (!packed) {
      const a = alpha.map((x) => x[e]!), b = beta.map((x) => x[e]!);
      const bitsOf = combineEntries(K, rho[e]!, a, b, rhoB[e]!);
      packed = new Uint8Array(stride);
      for (let i = 0; i < bitsOf.length; i++) if (bitsOf[i]) packed[i >> 3]! |= 1 << (i & 7);
      cache.set(key, packed);
    }
    t.set(packed, e * stride);
  }
  return t;
}

/**
 * C with `out: 'index'` (pure): per element the 2^(2K−1) entries σ − b_K(u, v)
 * mod 2^L; the select's bit pattern is built once per distinct mask bits.
 */
export function combineIndexTable(K: number, rho: Uint8Array, alpha: readonly Uint8Array[], beta: readonly Uint8Array[], sigma: RingArray, L: 8 | 16): RingArray {
  const N = rho.length;
  const S = 2 ** combineBits(K);
  const t = L === 8 ? new Uint8Array(N * S) : new Uint16Array(N * S);
  const mask = 2 ** L - 1;
  const cache = new Map<number, Uint8Array>();
  for (let e = 0; e < N; e++) {
    const key = maskPattern(K, rho, alpha, beta, e);
    let b = cache.get(key);
    if (!b) {
      b = combineEntries(K, rho[e]!, alpha.map((x) => x[e]!), beta.map((x) => x[e]!), 0);
      cache.set(key, b);
    }
    const sg = Number(sigma[e]!);
    for (let i = 0; i < S; i++) t[e * S + i] = (sg - b[i]!) & mask;
  }
  return t;
}

/**
 * Dealer side of one select: P0 returns the last opening's mask (ρ_B bits,
 * or σ with `out: 'index'`); others undefined.
 */
export async function dealSelect(d: Dealing, prefix: string, plan: ChainPlan, N: number, r?: RingArray, out: BorrowOut = 'bit', n = 0): Promise<RingArray | undefined> {
  const K = checkPlan(plan);
  const own = async (): Promise<Uint8Array | undefined> => (await d.own(1, N)) as Uint8Array | undefined;
  const rho = await own();
  if (rho && !r) throw new ShapeError('borrow select: P0 must pass the full mask');
  await d.shareBitTable(`${prefix}g`, N * bitTableStride(plan.chunks[0]!), rho ? linkTable(limb(r!, 0, plan.chunks[0]!), plan.chunks[0]!, bitTableStride(plan.chunks[0]!), undefined, rho) : undefined);
  const alpha: Uint8Array[] = [], beta: Uint8Array[] = [];
  let off = plan.chunks[0]!;
  for (let k = 1; k < K; k++) {
    const c = plan.chunks[k]!;
    const a = await own(), b = await own();
    if (a && b) alpha.push(a), beta.push(b);
    await d.shareBitTable(`${prefix}k${k}`, N * bitTableStride(c + 1), a && b ? candidateTable(limb(r!, off, c), c, a, b) : undefined);
    off += c;
  }
  if (out === 'index') {
    const L = indexRing(n);
    const sigma = await d.own(L, N);
    await d.shareTable(`${prefix}i`, L, N * 2 ** combineBits(K), sigma ? combineIndexTable(K, rho!, alpha, beta, sigma, L) : undefined);
    return sigma;
  }
  const rhoB = await own();
  await d.shareBitTable(`${prefix}c`, N * bitTableStride(combineBits(K)), rhoB ? combineTable(K, rho!, alpha, beta, rhoB) : undefined);
  return rhoB;
}

/** This party's select tables from a taken entry: A_0, A_1 … A_{K−1}, C. */
export function takeSelect(items: Material, tag: string, prefix: string, plan: ChainPlan, N: number, out: BorrowOut = 'bit', n = 0): TableShare[] {
  const K = checkPlan(plan);
  const t = [tableItem(items, tag, `${prefix}g`, 8, N * bitTableStride(plan.chunks[0]!))];
  for (let k = 1; k < K; k++) t.push(tableItem(items, tag, `${prefix}k${k}`, 8, N * bitTableStride(plan.chunks[k]! + 1)));
  if (out === 'index') t.push(tableItem(items, tag, `${prefix}i`, indexRing(n), N * 2 ** combineBits(K)));
  else t.push(tableItem(items, tag, `${prefix}c`, 8, N * bitTableStride(combineBits(K))));
  return t;
}

/** SPREAD[b] (b < 16): bit i of b at bit 8i, so four elements' bits sit one per byte. */
const SPREAD = (() => {
  const s = new Uint32Array(16);
  for (let b = 0; b < 16; b++) s[b] = (b & 1) | ((b & 2) << 7) | ((b & 4) << 14) | ((b & 8) << 21);
  return s;
})();

/**
 * v_i = Σ_j bit i of opened[j] · 2^j for packed bit vectors (at most 8), as
 * 32-bit storage: four elements per 32-bit word through a nibble spread.
 */
export function interleaveBits(opened: readonly Uint8Array[], N: number): Uint32Array {
  if (opened.length > 8) throw new ShapeError(`borrow select: ${opened.length} bit vectors (at most 8)`);
  const out = new Uint32Array(N + 8);
  const bytes = Math.ceil(N / 8);
  for (let p = 0; p < bytes; p++) {
    let lo = 0, hi = 0;
    for (let j = 0; j < opened.length; j++) {
      const b = opened[j]![p]!;
      lo |= SPREAD[b & 15]! << j;
      hi |= SPREAD[b >> 4]! << j;
    }
    const o = 8 * p;
    out[o] = lo & 255;
    out[o + 1] = (lo >>> 8) & 255;
    out[o + 2] = (lo >>> 16) & 255;
    out[o + 3] = lo >>> 24;
    out[o + 4] = hi & 255;
    out[o + 5] = (hi >>> 8) & 255;
    out[o + 6] = (hi >>> 16) & 255;
    out[o + 7] = hi >>> 24;
  }
  return out.subarray(0, N);
}

/**
 * Online select on the public masked value m (32-bit storage or limbs):
 * two rounds from `seq`. Returns the output tables' index as runChain
 * does: b'·2^n + m_hi (b' = b_K ⊕ ρ_B opened), or the opened index j with
 * `out: 'index'`.
 */
export async function runSelect(seq: RoundSeq, m: RingArray, plan: ChainPlan, n: number, tables: readonly TableShare[], out: BorrowOut = 'bit'): Promise<RingArray> {
  const K = checkPlan(plan);
  const N = m.length;
  const chunkOf = (off: number, c: number): [Uint32Array, number] => (m instanceof Uint32Array ? [m, off] : [limb(m, off, c), 0]);
  const zeros = new Uint8Array(Math.ceil(N / 8));
  const ones = new Uint8Array(zeros.length).fill(255);
  // 3. All candidate borrows at once, opened in one round.
  const reads: Promise<Uint8Array>[] = [];
  const [m0, o0] = chunkOf(0, plan.chunks[0]!);
  reads.push(linkRead(tables[0]!, bitTableByteBits(plan.chunks[0]!), m0, o0, plan.chunks[0]!, undefined));
  let off = plan.chunks[0]!;
  for (let k = 1; k < K; k++) {
    const c = plan.chunks[k]!;
    const [mk, ok] = chunkOf(off, c);
    const bb = bitTableByteBits(c + 1);
    reads.push(linkRead(tables[k]!, bb, mk, ok, c, zeros), linkRead(tables[k]!, bb, mk, ok, c, ones));
    off += c;
  }
  const round1 = seq.next();
  const slots = reads.map(() => round1.reservePacked(N, 'borrow'));
  const opened = (await Promise.all(reads.map(async (p, i) => slots[i]!.open(await p)))) as Uint8Array[];
  // 4. C at (u, v); one round opens b_K ⊕ ρ_B (or the index m_hi − b_K + σ).
  const v = interleaveBits(opened.slice(1), N);
  if (out === 'index') {
    const slot = seq.next().reserve(indexRing(n), N, 'borrow');
    return openIndex(slot, seq.party, tables[K]!, combineBits(K), finalIndex(v, 0, 2 * K - 2, opened[0]!), m, plan.s, n);
  }
  const slot = seq.next().reservePacked(N, 'borrow');
  const uB = (await slot.open(await linkRead(tables[K]!, bitTableByteBits(combineBits(K)), v, 0, 2 * K - 2, opened[0]!))) as Uint8Array;
  return finalIndex(m, plan.s, n, uB);
}
