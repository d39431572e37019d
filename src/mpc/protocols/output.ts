/**
 * Masked sharing [[x]] → client output x.
 *
 * Online (no offline material):
 *   1. P1 sends m − r1 (= x + r2) to C; P2 sends −r2 to C. Each message alone
 *      is uniform (masked by the other party's mask share).
 *   2. C waits for both (one round) and adds them: x.
 *
 * Cost (B = n·l/8): online P1→C B, P2→C B; rounds C 1.
 */
import type { RingArray, RingBits } from '../../kernels/types.js';
import { NO_COST, type ProtocolCost } from '../cost.js';
import { requireRole, type Party } from '../party.js';
import * as R from '../ring.js';
import { type Masked } from '../sharing.js';
import { ShapeError } from '../../errors.js';

export function outputCost(s: { l: RingBits; n: number }): ProtocolCost {
  const B = s.n * R.ringBytes(s.l);
  return {
    name: 'output',
    offline: NO_COST,
    online: { rounds: { C: 1 }, messages: [{ from: 'P1', to: 'C', bytes: B }, { from: 'P2', to: 'C', bytes: B }] },
  };
}

/** P1/P2: send this party's part of x to the client. */
export function output(p: Party, x: Masked, label?: string): void {
  requireRole(p, ['P1', 'P2'], 'output');
  const tag = `c#${p.next('client')}:output`;
  const part = p.id === 'P1' ? R.sub(x.l, x.m, x.r) : R.neg(x.l, x.r);
  p.send('C', tag, [R.bytesOf(part)], { phase: 'online', label });
}

/** Client: receive n elements of Z_2^l. */
export async function clientOutput(client: Party, l: RingBits, n: number, label?: string): Promise<RingArray> {
  requireRole(client, ['C'], 'clientOutput');
  const tag = `c#${client.next('client')}:output`;
  const [a, b] = await client.recvAll(
    [
      { peer: 'P1', tag },
      { peer: 'P2', tag },
    ],
    { phase: 'online', label },
  );
  const want = n * R.ringBytes(l);
  for (const [who, buf] of [['P1', a], ['P2', b]] as const) {
    if (buf!.byteLength !== want) throw client.abort(new ShapeError(`C: output '${tag}' from ${who} is ${buf!.byteLength} bytes, expected ${want}`));
  }
  const va = R.ringView(l, a!, 0, n);
  return R.add(l, va, R.ringView(l, b!, 0, n), va);
}
