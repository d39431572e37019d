/**
 * Client input → masked sharing [[x]], the client masking its own input.
 *
 * Offline (all of P0, P1, P2: `inputOffline`):
 *   1. P0 deals a fresh mask r = r1 + r2 whose shares come from keys derived
 *      from the P0–P1 / P0–P2 seeds for this dealing alone (Dealing.clientMask;
 *      no bytes). Pi keeps ri and its derived key Ki.
 * Online:
 *   2. P1, P2 (`input`): send Ki to the client (16 bytes each).
 *   3. C (`clientInput`): r = PRG(K1) + PRG(K2); sends m = x + r to P1 and P2.
 *   4. P1, P2: [[x]] = (m, ri).
 * P1 sees m = x + r with r2 unknown to it (and P2 likewise with r1), so m is
 * uniform to either; the client learns only the mask of its own input.
 * Compared with sharing x and opening x + r between P1 and P2, the client's
 * one message replaces the exchange: 2 instead of 3 input-sized messages, and
 * one round for both compute parties.
 *
 * Cost (n elements of Z_2^l, B = n·l/8 bytes): offline none; online
 * P1→C and P2→C 16 bytes, C→P1 and C→P2 B; rounds P1 1, P2 1 (the client's
 * message), C 1 (the keys). Several inputs in one round still cost one
 * round: their messages travel concurrently.
 */
import type { RingArray, RingBits } from '../../kernels/types.js';
import { NO_COST, type ProtocolCost } from '../cost.js';
import type { Offline } from '../dealer.js';
import { requireRole, type Party } from '../party.js';
import { PrgStream, SEED_BYTES } from '../prg.js';
import * as R from '../ring.js';
import type { Round } from '../round.js';
import { shapeSize, type Masked, type MaskOf, type Shape } from '../sharing.js';
import { ProtocolError, ShapeError } from '../../errors.js';
import { item } from './common.js';

export function inputCost(s: { l: RingBits; n: number }): ProtocolCost {
  const B = s.n * R.ringBytes(s.l);
  return {
    name: 'input',
    offline: NO_COST,
    online: {
      rounds: { P1: 1, P2: 1, C: 1 },
      messages: [
        { from: 'P1', to: 'C', bytes: SEED_BYTES },
        { from: 'P2', to: 'C', bytes: SEED_BYTES },
        { from: 'C', to: 'P1', bytes: B },
        { from: 'C', to: 'P2', bytes: B },
      ],
    },
  };
}

export function inputOffline(off: Offline, l: RingBits, shape: Shape): Promise<MaskOf> {
  const n = shapeSize(shape);
  return off.deal('input', async (d) => ({ l, shape, r: await d.clientMask('r', l, n) }));
}

function clientTag(p: Party): string {
  return `c#${p.next('client')}:input`;
}

/** Per client: the previous input's send, so concurrent calls still send in call order (links are FIFO). */
const lastSend = new WeakMap<Party, Promise<void>>();

/** Client side: mask x (n = size of shape) with the keys P1 and P2 send, and send m = x + r to both. */
export function clientInput(client: Party, l: RingBits, x: RingArray): Promise<void> {
  requireRole(client, ['C'], 'clientInput');
  const tag = clientTag(client);
  const at = { phase: 'online' as const };
  const keysIn = client.recvAll([{ peer: 'P1', tag }, { peer: 'P2', tag }], at);
  const before = lastSend.get(client) ?? Promise.resolve();
  const done = (async () => {
    const keys = await keysIn;
    keys.forEach((k, i) => {
      if (k.byteLength !== SEED_BYTES) throw client.abort(new ProtocolError(`C: input key '${tag}' from P${i + 1} is ${k.byteLength} bytes, expected ${SEED_BYTES}`));
    });
    const [r1, r2] = await Promise.all(keys.map((k) => new PrgStream(k.slice()).ring(l, x.length)));
    const m = R.bytesOf(R.add(l, R.add(l, x, r1!, r1), r2!, r2));
    await before;
    client.send('P1', tag, [m], at);
    client.send('P2', tag, [m], at);
  })();
  lastSend.set(client, done.catch(() => undefined));
  return done;
}

/** P1/P2 side: receive the client's input of `shape` as [[x]] (a message from C within round r). */
export function input(r: Round, l: RingBits, shape: Shape): Promise<Masked> {
  const p = r.party;
  const n = shapeSize(shape);
  const tag = clientTag(p);
  const { tag: mtag, items } = p.take('input');
  const ri = item(items, mtag, 'r', l, n);
  const key = item(items, mtag, 'r.key', 8, SEED_BYTES) as Uint8Array;
  p.send('C', tag, [key], { phase: 'online', label: r.label });
  return (async () => {
    const b = await r.recvFrom('C', tag);
    if (b.byteLength !== n * R.ringBytes(l)) throw p.abort(new ShapeError(`${p.id}: input '${tag}' from C is ${b.byteLength} bytes, expected ${n * R.ringBytes(l)}`));
    return { l, shape, m: R.ringView(l, b, 0, n), r: ri };
  })();
}
