/**
 * Element-wise product of masked values [[z]] = [[x]] ⊙ [[y]].
 *
 * x·y = mx·my − mx·ry − rx·my + rx·ry, so with additive shares of rx·ry the
 * parties hold additive shares of x·y locally; the one round re-masks it.
 *
 * Offline:
 *   1. P0 deals a fresh output mask rz = rz1 + rz2 (seeds, no bytes).
 *   2. P0 deals additive shares c1 + c2 = rx·ry + rz: c1 from the P0–P1
 *      stream, c2 sent to P2 (n elements).
 * Online (P1, P2; batched into the caller's round):
 *   3. P1: z1 = mx·my − mx·ry1 − rx1·my + c1;  P2: z2 = c2 − mx·ry2 − rx2·my.
 *   4. The round opens mz = z1 + z2 = x·y + rz; Pi keeps rzi.
 *
 * Cost (B = n·l/8): offline P0→P2 B (P2 1 round); online P1↔P2 B each way, 1 round.
 *
 * `mulAdditive` stops after step 3 (no output mask, c = rx·ry): additive
 * shares <x·y>, zero online bytes — for results that feed further local
 * linear steps or a later batched re-mask (protocols/remask.ts).
 */
import type { RingArray, RingBits } from '../../kernels/types.js';
import { correction, exchange, type ProtocolCost } from '../cost.js';
import type { Offline } from '../dealer.js';
import * as R from '../ring.js';
import type { Round } from '../round.js';
import { shapeSize, type Additive, type Masked, type MaskOf } from '../sharing.js';
import type { Party } from '../party.js';
import { NO_COST } from '../cost.js';
import { ShapeError } from '../../errors.js';
import { item } from './common.js';

export function mulCost(s: { l: RingBits; n: number }): ProtocolCost {
  return { name: 'mul', offline: correction(s.n * R.ringBytes(s.l)), online: exchange(R.wireBytes(s.l, s.n)) };
}

function check(x: { l: RingBits; shape: readonly number[] }, y: { l: RingBits; shape: readonly number[] }): number {
  const n = shapeSize(x.shape);
  if (x.l !== y.l || n !== shapeSize(y.shape)) throw new ShapeError(`mul: operands [${x.shape.join(', ')}] in Z_2^${x.l} and [${y.shape.join(', ')}] in Z_2^${y.l} differ`);
  return n;
}

export function mulOffline(off: Offline, x: MaskOf, y: MaskOf): Promise<MaskOf> {
  const n = check(x, y);
  const l = x.l;
  return off.deal('mul', async (d) => {
    const rz = await d.mask('rz', l, n);
    await d.share('c', l, n, d.role === 'P0' ? R.add(l, R.mul(l, x.r, y.r), rz) : undefined);
    return { l, shape: x.shape, r: rz };
  });
}

/**
 * z = c − mx·ry − rx·my (+ mx·my at P1), computed in place in the material
 * array c (each entry is consumed once) with one temporary.
 */
function localProduct(isP1: boolean, l: RingBits, x: Masked, y: Masked, c: RingArray): RingArray {
  const t = R.mul(l, x.m, y.r);
  R.sub(l, c, t, c);
  R.sub(l, c, R.mul(l, x.r, y.m, t), c);
  if (isP1) R.add(l, c, R.mul(l, x.m, y.m, t), c);
  return c;
}

export function mul(r: Round, x: Masked, y: Masked): Promise<Masked> {
  const n = check(x, y);
  const l = x.l;
  const slot = r.reserve(l, n, 'mul');
  const { tag, items } = r.party.take('mul');
  const rz = item(items, tag, 'rz', l, n);
  const c = item(items, tag, 'c', l, n);
  const z = localProduct(r.party.id === 'P1', l, x, y, c);
  return slot.open(z).then((m) => ({ l, shape: x.shape, m, r: rz }));
}

export function mulAdditiveCost(s: { l: RingBits; n: number }): ProtocolCost {
  return { name: 'mulA', offline: correction(s.n * R.ringBytes(s.l)), online: NO_COST };
}

export function mulAdditiveOffline(off: Offline, x: MaskOf, y: MaskOf): Promise<void> {
  const n = check(x, y);
  const l = x.l;
  return off.deal('mulA', async (d) => {
    await d.share('c', l, n, d.role === 'P0' ? R.mul(l, x.r, y.r) : undefined);
  });
}

/** <x·y> from [[x]], [[y]] with no communication. */
export function mulAdditive(p: Party, x: Masked, y: Masked): Additive {
  const n = check(x, y);
  const l = x.l;
  const { tag, items } = p.take('mulA');
  const c = item(items, tag, 'c', l, n);
  return { l, shape: x.shape, s: localProduct(p.id === 'P1', l, x, y, c) };
}
