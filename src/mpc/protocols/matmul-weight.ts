/**
 * Matrix product with a dealer-owned weight: [[Y]] = [[X]] · W (+ bias),
 * X m×k masked, W k×n known to P0 only (bias n, optional, P0 only).
 *
 * Setup, once per model (`shareWeight`):
 *   1. P0 shares W additively: W1 from the P0–P1 stream (never travels),
 *      W2 = W − W1 sent to P2 (k·n elements). Both shares are uniform.
 * Offline, per call (`matmulWeightOffline`):
 *   2. P0 deals a fresh output mask rY (seeds, no bytes).
 *   3. P0 computes c = rY − rX·W + bias (one GEMM) and deals its shares
 *      c1 (P0–P1 stream) + c2 (sent to P2, m·n elements).
 * Online (P1, P2; batched into the caller's round):
 *   4. Pi: zi = mX·Wi + ci — one local ring GEMM.
 *   5. The round opens mY = z1 + z2 = mX·W − rX·W + bias + rY = X·W + bias + rY.
 *
 * Cost (B = m·n·l/8): setup P0→P2 k·n·l/8; offline P0→P2 B (P2 1 round);
 * online P1↔P2 B each way, 1 round.
 *
 * `matmulWeightAdditive` stops after step 4 with c = bias − rX·W (no output
 * mask): additive shares <X·W + bias>, one local GEMM, zero online bytes.
 */
import type { RingArray, RingBits } from '../../kernels/types.js';
import { correction, exchange, type ProtocolCost } from '../cost.js';
import type { Offline } from '../dealer.js';
import * as R from '../ring.js';
import type { Round } from '../round.js';
import { matDims, type Additive, type Masked, type MaskOf, type Shape } from '../sharing.js';
import type { Party } from '../party.js';
import { NO_COST } from '../cost.js';
import { ProtocolError, ShapeError } from '../../errors.js';
import { item } from './common.js';

/** A weight matrix k×n: P0 holds W, Pi holds its additive share Wi. */
export interface WeightShare {
  readonly l: RingBits;
  readonly k: number;
  readonly n: number;
  readonly w: RingArray;
}

export function shareWeightCost(s: { l: RingBits; k: number; n: number }): ProtocolCost {
  return { name: 'shareWeight', offline: correction(s.k * s.n * R.ringBytes(s.l)), online: { rounds: {}, messages: [] } };
}

export function matmulWeightCost(s: { l: RingBits; m: number; k: number; n: number }): ProtocolCost {
  const B = s.m * s.n * R.ringBytes(s.l);
  return { name: 'matmulW', offline: correction(B), online: exchange(B) };
}

/** Share a k×n weight (P0 passes W; P1/P2 pass nothing). Completes at the next flush. */
export function shareWeight(off: Offline, l: RingBits, k: number, n: number, w?: RingArray): Promise<WeightShare> {
  if (off.party.id === 'P0' && (w === undefined || w.length !== k * n)) throw new ShapeError(`shareWeight: P0 must pass a ${k}×${n} weight`);
  return off.deal('weight', async (d) => ({ l, k, n, w: await d.share('w', l, k * n, w) }), { queue: false });
}

function dims(x: { l: RingBits; shape: Shape }, w: WeightShare): { m: number; shape: Shape } {
  const [m, k] = matDims(x.shape);
  if (k !== w.k || x.l !== w.l) throw new ShapeError(`matmulW: [${x.shape.join(', ')}] (Z_2^${x.l}) times a ${w.k}×${w.n} weight (Z_2^${w.l}) does not fit`);
  return { m, shape: [...x.shape.slice(0, -1), w.n] };
}

export function matmulWeightOffline(off: Offline, x: MaskOf, w: WeightShare, bias?: RingArray): Promise<MaskOf> {
  const { m, shape } = dims(x, w);
  const l = x.l;
  const n = w.n;
  if (bias !== undefined && off.party.id !== 'P0') throw new ProtocolError('matmulW: only P0 knows the bias');
  return off.deal('matmulW', async (d) => {
    const ry = await d.mask('ry', l, m * n);
    let c;
    if (d.role === 'P0') {
      c = R.sub(l, ry, await R.matmul(l, x.r, w.w, m, w.k, n));
      if (bias !== undefined) R.addRows(l, c, bias, m, n);
    }
    await d.share('c', l, m * n, c);
    return { l, shape, r: ry };
  });
}

export function matmulWeight(r: Round, x: Masked, w: WeightShare): Promise<Masked> {
  const { m, shape } = dims(x, w);
  const l = x.l;
  const slot = r.reserve(l, m * w.n, 'matmulW');
  const { tag, items } = r.party.take('matmulW');
  const ry = item(items, tag, 'ry', l, m * w.n);
  const c = item(items, tag, 'c', l, m * w.n);
  return (async () => {
    const z = await R.matmul(l, x.m, w.w, m, w.k, w.n);
    return { l, shape, m: await slot.open(R.add(l, z, c, z)), r: ry };
  })();
}

export function matmulWeightAdditiveCost(s: { l: RingBits; m: number; k: number; n: number }): ProtocolCost {
  return { name: 'matmulWA', offline: correction(s.m * s.n * R.ringBytes(s.l)), online: NO_COST };
}

export function matmulWeightAdditiveOffline(off: Offline, x: MaskOf, w: WeightShare, bias?: RingArray): Promise<void> {
  const { m } = dims(x, w);
  const l = x.l;
  if (bias !== undefined && off.party.id !== 'P0') throw new ProtocolError('matmulW: only P0 knows the bias');
  return off.deal('matmulWA', async (d) => {
    let c;
    if (d.role === 'P0') {
      c = R.neg(l, await R.matmul(l, x.r, w.w, m, w.k, w.n));
      if (bias !== undefined) R.addRows(l, c, bias, m, w.n);
    }
    await d.share('c', l, m * w.n, c);
  });
}

/** <X·W + bias> from [[X]]: one local GEMM, no communication. */
export async function matmulWeightAdditive(p: Party, x: Masked, w: WeightShare): Promise<Additive> {
  const { m, shape } = dims(x, w);
  const l = x.l;
  const { tag, items } = p.take('matmulWA');
  const c = item(items, tag, 'c', l, m * w.n);
  const z = await R.matmul(l, x.m, w.w, m, w.k, w.n);
  return { l, shape, s: R.add(l, z, c, z) };
}
