/**
 * [[a ⊙ b]] from an unopened a whose product with b's mask the dealer has
 * already provided: a and a·ρ_b are unopened requant outputs (MaskedShare,
 * read from tables the dealer built knowing ρ_b, requant.ts), b is masked
 * (m_b = b + ρ_b public to P1 and P2). Since a ⊙ b = a ⊙ m_b − a ⊙ ρ_b, both
 * parties hold additive shares of the product without any triple and
 * without ever opening a.
 *
 * Offline:
 *   1. P0 deals a fresh output mask ρ_z = ρ_z1 + ρ_z2 (seeds, no bytes).
 * Online (P1, P2; batched into the caller's round):
 *   2. Pi: a_i = s_a,i − r_a,i and (a·ρ_b)_i = s_aρ,i − r_aρ,i (its shares of
 *      the unopened values, minus its shares of their masks);
 *      z_i = a_i ⊙ m_b − (a·ρ_b)_i + ρ_z,i.
 *   3. The round opens m_z = z_1 + z_2 = a ⊙ b + ρ_z; Pi keeps ρ_z,i.
 *
 * Cost (B = n·l/8): offline nothing; online P1↔P2 B each way, 1 round.
 * Against opening a and a masked product (mul.ts): one opening of n
 * elements and the triple's n-element correction fewer.
 */
import { ShapeError } from '../../errors.js';
import { NO_COST, exchange, type ProtocolCost } from '../cost.js';
import type { Offline } from '../dealer.js';
import * as R from '../ring.js';
import type { Round } from '../round.js';
import { shapeSize, type Masked, type MaskedShare, type MaskOf, type Shape } from '../sharing.js';
import type { RingBits } from '../../kernels/types.js';
import { item } from './common.js';

export function mulPrescaledCost(s: { l: RingBits; n: number }): ProtocolCost {
  return { name: 'mulPrescaled', offline: NO_COST, online: exchange(R.wireBytes(s.l, s.n)) };
}

function check(shapes: readonly { l: RingBits; shape: Shape }[]): number {
  const n = shapeSize(shapes[0]!.shape);
  for (const x of shapes) {
    if (x.l !== shapes[0]!.l || shapeSize(x.shape) !== n) throw new ShapeError(`mulPrescaled: operands ${shapes.map((y) => `[${y.shape.join(', ')}] in Z_2^${y.l}`).join(', ')} differ`);
  }
  return n;
}

export function mulPrescaledOffline(off: Offline, a: MaskOf, b: MaskOf): Promise<MaskOf> {
  const n = check([a, b]);
  return off.deal('mulPrescaled', async (d) => ({ l: a.l, shape: a.shape, r: await d.mask('rz', a.l, n) }));
}

/** Online: [[a ⊙ b]] from unopened a, unopened a·ρ_b and masked b (one slot of round r). */
export function mulPrescaled(r: Round, a: MaskedShare, aRho: MaskedShare, b: Masked): Promise<Masked> {
  const n = check([a, aRho, b]);
  const l = a.l;
  const slot = r.reserve(l, n, 'mulPrescaled');
  const { tag, items } = r.party.take('mulPrescaled');
  const rz = item(items, tag, 'rz', l, n);
  const ai = R.sub(l, a.s, a.r);
  const z = R.mul(l, ai, b.m, ai);
  R.sub(l, z, aRho.s, z);
  R.add(l, z, aRho.r, z);
  R.add(l, z, rz, z);
  return slot.open(z).then((m) => ({ l, shape: a.shape, m, r: rz }));
}
