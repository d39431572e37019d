/**
 * 1-bit weight layers: [[Y]] = [[X]] · W (+ bias) with W = 1 − 2B, B a k×n
 * bit matrix known to P0 only, packed 64 bits to a word in the kernels'
 * `gemmPm1` layout (row j of the packed array holds column j of B). A
 * per-output-channel scale is not applied here: it is folded into the next
 * requantization's per-channel tables (channel = output column).
 *
 * Where the packed kernel is used, and why not online at P1/P2:
 * P1 and P2 hold the public masked m_X; what they must compute online is
 * m_X · W for a W neither may learn. With any linear (additive) sharing
 * W = W1 + W2 mod 2^l, each Pi computes m_X · Wi; for Pi to use the ±1
 * packed kernel, Wi itself would have to be a ±1 matrix — but then the other
 * share W − Wi ∈ {−2, 0, 2} reveals B wherever it is ±2 (about half of the
 * entries). So at least one share must be uniform in Z_2^l, and that
 * party's online product is a full-width ring GEMM. An XOR sharing of B
 * instead makes W = (1 − 2B1) ∘ (1 − 2B2) a product of the shares, which
 * needs interaction per weight. Schemes where P0 multiplies a blinded m_X
 * online with its packed B need P1/P2 to hold shares of (blind · W) that can
 * never be recombined, which costs more rounds and still leaks the row space
 * of W unless P0 re-masks. Hence:
 *   - the packed kernel runs at P0 offline, for r_X · W (sound: P0 knows B
 *     and r_X and never sees the input);
 *   - online, P1 and P2 each run ONE ring GEMM m_X · Wi (same as an 8-bit
 *     weight layer) and one round. The online cost of a 1-bit layer equals
 *     that of a 32-bit one; the gains are the model owner's storage (k·n/8
 *     bytes) and the dealer's offline GEMM.
 *
 * Setup (`shareBitWeight`, once per model):
 *   1. P0 unpacks W = 1 − 2B into Z_2^l and shares it: W1 from the P0–P1
 *      stream, W2 = W − W1 sent to P2 (k·n·l/8 bytes). P0 keeps B packed.
 * Offline, per call (`matmul1bOffline`):
 *   2. P0 deals a fresh output mask r_Y (seeds, no bytes).
 *   3. P0 computes c = r_Y − gemmPm1(r_X, B) + bias (packed kernel) and deals
 *      its shares (c1 from the stream, c2 sent to P2: m·n·l/8 bytes).
 * Online (`matmul1b`, batched into the caller's round):
 *   4. Pi: z_i = m_X · Wi + c_i (one ring GEMM).
 *   5. The round opens m_Y = z1 + z2 = X·W + bias + r_Y.
 *
 * Cost (b = l/8): setup P0→P2 k·n·b; offline P0→P2 m·n·b (P2 1 round);
 * online P1↔P2 m·n·b each way, 1 round.
 */
import { ProtocolError, ShapeError } from '../../errors.js';
import type { RingArray } from '../../kernels/types.js';
import { correction, exchange, NO_COST, type ProtocolCost } from '../cost.js';
import type { Offline } from '../dealer.js';
import { item } from '../protocols/common.js';
import * as R from '../ring.js';
import type { Round } from '../round.js';
import { matDims, type Masked, type MaskOf, type Shape } from '../sharing.js';

export type GemmRing = 32 | 64;

/** A 1-bit weight: P0 holds the packed bits and W; Pi holds its additive share of W. */
export interface BitWeightShare {
  readonly l: GemmRing;
  readonly k: number;
  readonly n: number;
  /** P0: W = 1 − 2B in Z_2^l; Pi: its share. */
  readonly w: RingArray;
  /** P0 only: B packed (n rows of ⌈k/64⌉ words). */
  readonly packed?: BigUint64Array;
}

/** Pack a k×n bit matrix (row-major, one bit per byte) into the gemmPm1 layout. */
export function packBits(bits: Uint8Array, k: number, n: number): BigUint64Array {
  if (bits.length !== k * n) throw new ShapeError(`packBits: ${bits.length} bits for a ${k}×${n} matrix`);
  const words = Math.ceil(k / 64);
  const out = new BigUint64Array(n * words);
  const lo = new Uint32Array(out.buffer);
  for (let t = 0; t < k; t++) {
    const wi = t >> 6, bit = t & 63;
    for (let j = 0; j < n; j++) if (bits[t * n + j]! & 1) lo[2 * (j * words + wi) + (bit >> 5)]! |= 1 << (bit & 31);
  }
  return out;
}

/** W = 1 − 2B in Z_2^l (k×n row-major) from packed bits. */
export function unpackPm1(packed: BigUint64Array, k: number, n: number, l: GemmRing): RingArray {
  const words = Math.ceil(k / 64);
  if (packed.length !== n * words) throw new ShapeError(`unpackPm1: ${packed.length} words for a ${k}×${n} bit matrix (need ${n * words})`);
  const lo = new Uint32Array(packed.buffer, packed.byteOffset, packed.length * 2);
  const w = R.allocRing(l, k * n) as RingArray;
  const minus = l === 64 ? 2n ** 64n - 1n : 0xffffffff;
  const one = l === 64 ? 1n : 1;
  const W = w as unknown as { [i: number]: number | bigint };
  for (let j = 0; j < n; j++) {
    for (let t = 0; t < k; t++) {
      const b = (lo[2 * (j * words + (t >> 6)) + ((t & 63) >> 5)]! >>> (t & 31)) & 1;
      W[t * n + j] = b ? minus : one;
    }
  }
  return w;
}

export function shareBitWeightCost(s: { l: GemmRing; k: number; n: number }): ProtocolCost {
  return { name: 'shareBitWeight', offline: correction(s.k * s.n * R.ringBytes(s.l)), online: NO_COST };
}

export function matmul1bCost(s: { l: GemmRing; m: number; k: number; n: number }): ProtocolCost {
  const B = s.m * s.n * R.ringBytes(s.l);
  return { name: 'matmul1b', offline: correction(B), online: exchange(B) };
}

/** Setup: share a 1-bit weight (P0 passes the packed bits). Completes at the next flush. */
export function shareBitWeight(off: Offline, l: GemmRing, k: number, n: number, packed?: BigUint64Array): Promise<BitWeightShare> {
  if (l !== 32 && l !== 64) throw new ShapeError(`shareBitWeight: ring Z_2^${String(l)} has no GEMM (use 32 or 64)`);
  if (off.party.id === 'P0' && packed === undefined) throw new ProtocolError('shareBitWeight: P0 must pass the packed bits');
  if (off.party.id !== 'P0' && packed !== undefined) throw new ProtocolError('shareBitWeight: only P0 knows the weight');
  const w = packed ? unpackPm1(packed, k, n, l) : undefined;
  return off.deal('bitWeight', async (d) => ({ l, k, n, w: await d.share('w', l, k * n, w), packed }), { queue: false });
}

function dims(x: { l: number; shape: Shape }, w: BitWeightShare): { m: number; shape: Shape } {
  const [m, k] = matDims(x.shape);
  if (k !== w.k || x.l !== w.l) throw new ShapeError(`matmul1b: [${x.shape.join(', ')}] (Z_2^${x.l}) times a ${w.k}×${w.n} 1-bit weight (Z_2^${w.l}) does not fit`);
  return { m, shape: [...x.shape.slice(0, -1), w.n] };
}

/** Offline part (P0 may pass a bias of n elements). */
export function matmul1bOffline(off: Offline, x: MaskOf, w: BitWeightShare, bias?: RingArray): Promise<MaskOf> {
  const { m, shape } = dims(x, w);
  const l = w.l;
  if (bias !== undefined && off.party.id !== 'P0') throw new ProtocolError('matmul1b: only P0 knows the bias');
  return off.deal('matmul1b', async (d) => {
    const ry = await d.mask('ry', l, m * w.n);
    let c: RingArray | undefined;
    if (d.role === 'P0') {
      const rxw = await R.kernels().gemmPm1(l, x.r as Uint32Array & BigUint64Array, w.packed!, m, w.k, w.n);
      c = R.sub(l, ry, rxw as RingArray);
      if (bias !== undefined) R.addRows(l, c, bias, m, w.n);
    }
    await d.share('c', l, m * w.n, c);
    return { l, shape, r: ry };
  });
}

/** Online 1-bit layer (one ring GEMM per party, one round from `r`). */
export function matmul1b(r: Round, x: Masked, w: BitWeightShare): Promise<Masked> {
  const { m, shape } = dims(x, w);
  const l = w.l;
  const slot = r.reserve(l, m * w.n, 'matmul1b');
  const { tag, items } = r.party.take('matmul1b');
  const ry = item(items, tag, 'ry', l, m * w.n);
  const c = item(items, tag, 'c', l, m * w.n);
  return (async () => {
    const z = await R.matmul(l, x.m, w.w, m, w.k, w.n);
    return { l, shape, m: await slot.open(R.add(l, z, c, z)), r: ry };
  })();
}
