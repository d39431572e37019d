/**
 * A fresh mask dealt ahead of the protocol that opens under it, so that
 * material dealt in between can depend on it (LayerNorm: the centre
 * requant's d·ρ table is dealt before the 1/σ requant that opens under ρ).
 *
 * Offline: P0 draws r = r1 + r2 from the P0–P1 / P0–P2 seeds (no bytes);
 * P0 gets r, Pi gets ri. Online: Pi takes ri back. Cost: nothing.
 */
import type { RingBits } from '../../kernels/types.js';
import { NO_COST, type ProtocolCost } from '../cost.js';
import type { Offline } from '../dealer.js';
import type { Party } from '../party.js';
import { shapeSize, type MaskOf, type Shape } from '../sharing.js';
import { item } from './common.js';

export const freshMaskCost: ProtocolCost = { name: 'freshMask', offline: NO_COST, online: NO_COST };

export function freshMaskOffline(off: Offline, l: RingBits, shape: Shape): Promise<MaskOf> {
  return off.deal('freshMask', async (d) => ({ l, shape, r: await d.mask('r', l, shapeSize(shape)) }));
}

/** Online: this party's share ri, in the order the masks were dealt. */
export function freshMask(p: Party, l: RingBits, shape: Shape): MaskOf {
  const { tag, items } = p.take('freshMask');
  return { l, shape, r: item(items, tag, 'r', l, shapeSize(shape)) };
}
