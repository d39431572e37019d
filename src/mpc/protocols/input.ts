/**
 * Client input → masked sharing [[x]].
 *
 * Offline (all of P0, P1, P2: `inputOffline`):
 *   1. P0 deals a fresh mask r = r1 + r2 from the P0–P1 / P0–P2 seeds (no bytes).
 * Online:
 *   2. C (`clientInput`): x1 = PRG(seed C–P1, tag); sends x2 = x − x1 to P2 (the
 *      only correction that travels). P1 expands x1 itself.
 *   3. P1, P2 (`input`): zi = xi + ri into the round's slot; the round opens
 *      m = z1 + z2 = x + r. Batched with the other slots of the round.
 *
 * Cost (n elements of Z_2^l, B = n·l/8 bytes): offline none; online
 * C→P2 B, P1↔P2 B each way; rounds P1 1, P2 2 (client message, then
 * exchange). Several inputs in one round still cost P2 two rounds: the
 * client's messages arrive concurrently.
 */
import type { RingArray, RingBits } from '../../kernels/types.js';
import { exchange, NO_COST, type ProtocolCost } from '../cost.js';
import type { Offline } from '../dealer.js';
import { requireRole, type Party } from '../party.js';
import * as R from '../ring.js';
import type { Round } from '../round.js';
import { shapeSize, type Masked, type MaskOf, type Shape } from '../sharing.js';
import { ShapeError } from '../../errors.js';
import { item } from './common.js';

export function inputCost(s: { l: RingBits; n: number }): ProtocolCost {
  const B = s.n * R.ringBytes(s.l);
  const ex = exchange(B);
  return {
    name: 'input',
    offline: NO_COST,
    online: { rounds: { P1: 1, P2: 2 }, messages: [{ from: 'C', to: 'P2', bytes: B }, ...ex.messages] },
  };
}

export function inputOffline(off: Offline, l: RingBits, shape: Shape): Promise<MaskOf> {
  const n = shapeSize(shape);
  return off.deal('input', async (d) => ({ l, shape, r: await d.mask('r', l, n) }));
}

function clientTag(p: Party): string {
  return `c#${p.next('client')}:input`;
}

/** Client side: share x (n = size of shape) with P1 and P2. */
export async function clientInput(client: Party, l: RingBits, x: RingArray): Promise<void> {
  requireRole(client, ['C'], 'clientInput');
  const tag = clientTag(client);
  const x1 = await client.stream('P1', tag).ring(l, x.length);
  client.send('P2', tag, [R.bytesOf(R.sub(l, x, x1, x1))], { phase: 'online' });
}

/** P1/P2 side: receive the client's input of `shape` as [[x]]. */
export function input(r: Round, l: RingBits, shape: Shape): Promise<Masked> {
  const p = r.party;
  const n = shapeSize(shape);
  const slot = r.reserve(l, n, 'input');
  const tag = clientTag(p);
  const { tag: mtag, items } = p.take('input');
  const ri = item(items, mtag, 'r', l, n);
  return (async () => {
    let xi: RingArray;
    if (p.id === 'P1') xi = await p.stream('C', tag).ring(l, n);
    else {
      const b = await r.recvFrom('C', tag);
      if (b.byteLength !== n * R.ringBytes(l)) throw p.abort(new ShapeError(`P2: input '${tag}' from C is ${b.byteLength} bytes, expected ${n * R.ringBytes(l)}`));
      xi = R.ringView(l, b, 0, n);
    }
    const m = await slot.open(R.add(l, xi, ri, xi === ri ? undefined : xi));
    return { l, shape, m, r: ri };
  })();
}
