/**
 * Additive <x> → masked [[x]] (re-mask), batched into the caller's round.
 *
 * Offline: 1. P0 deals a fresh mask r = r1 + r2 (from seeds, no bytes).
 * Online:  2. Pi puts si + ri into the round; the round opens m = x + r.
 *
 * Cost (B = n·l/8): offline none; online P1↔P2 B each way, 1 round.
 */
import type { RingBits } from '../../kernels/types.js';
import { exchange, NO_COST, type ProtocolCost } from '../cost.js';
import type { Offline } from '../dealer.js';
import * as R from '../ring.js';
import type { Round } from '../round.js';
import { shapeSize, type Additive, type Masked, type MaskOf, type Shape } from '../sharing.js';
import { item } from './common.js';

export function remaskCost(s: { l: RingBits; n: number }): ProtocolCost {
  return { name: 'remask', offline: NO_COST, online: exchange(R.wireBytes(s.l, s.n)) };
}

export function remaskOffline(off: Offline, l: RingBits, shape: Shape): Promise<MaskOf> {
  const n = shapeSize(shape);
  return off.deal('remask', async (d) => ({ l, shape, r: await d.mask('r', l, n) }));
}

export function remask(r: Round, x: Additive): Promise<Masked> {
  const n = x.s.length;
  const slot = r.reserve(x.l, n, 'remask');
  const { tag, items } = r.party.take('remask');
  const ri = item(items, tag, 'r', x.l, n);
  return slot.open(R.add(x.l, x.s, ri)).then((m) => ({ l: x.l, shape: x.shape, m, r: ri }));
}
