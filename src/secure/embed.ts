/**
 * Secure embedding lookup: [[E]] = [[X]] · W + P, where X is the client's
 * one-hot T×V matrix of token ids (masked in Z_2^32), W the dealer's V×H word
 * table (already scaled per column, dealer-model.ts) and P a T×H per-position
 * term known to P0 only. The one-hot row selects row id of W exactly (one
 * nonzero term per output), so the result is the program's gatherRows.
 * Differs from matmulWeight only in the full-matrix additive term.
 *
 * Setup: W shared once per model with `shareWeight` (W1 from the P0–P1
 *   stream, W2 sent to P2).
 * Offline (`embedOffline`):
 *   1. P0 deals a fresh output mask rE (seeds, no bytes).
 *   2. P0 computes c = rE − rX·W + P (one GEMM) and deals its shares
 *      (c1 from the P0–P1 stream, c2 sent to P2: T·H elements).
 * Online (`embed`, batched into the caller's round):
 *   3. Pi: zi = mX·Wi + ci (one local ring GEMM).
 *   4. The round opens mE = z1 + z2 = X·W + P + rE.
 *
 * Cost (B = 4·T·H bytes): offline P0→P2 B; online P1↔P2 B each way, 1 round.
 * The client's input itself (input.ts) costs T·V·4 bytes C→P2 and the same
 * each way P1↔P2 to open the masked one-hot.
 */
import { ProtocolError, ShapeError } from '../errors.js';
import type { Offline } from '../mpc/dealer.js';
import { item } from '../mpc/protocols/common.js';
import type { WeightShare } from '../mpc/protocols/matmul-weight.js';
import * as R from '../mpc/ring.js';
import type { Round } from '../mpc/round.js';
import type { SV } from './values.js';

function dims(x: SV, w: WeightShare): [number, number] {
  const [T, V] = x.shape;
  if (V !== w.k || w.l !== 32) throw new ShapeError(`embed: a ${T}×${V} one-hot matrix does not fit a ${w.k}×${w.n} table`);
  return [T, w.n];
}

export function embedOffline(off: Offline, x: SV, w: WeightShare, term?: Uint32Array): Promise<SV> {
  const [T, H] = dims(x, w);
  if (off.party.id === 'P0' && term?.length !== T * H) throw new ProtocolError(`embed: P0 must pass a ${T}×${H} position term`);
  if (off.party.id !== 'P0' && term !== undefined) throw new ProtocolError('embed: only P0 knows the position term');
  return off.deal('embed', async (d) => {
    const ry = (await d.mask('ry', 32, T * H)) as Uint32Array;
    let c: Uint32Array | undefined;
    if (d.role === 'P0') {
      c = R.sub(32, ry, await R.matmul(32, x.r, w.w, T, w.k, H)) as Uint32Array;
      R.add(32, c, term!, c);
    }
    await d.share('c', 32, T * H, c);
    return { l: 32, shape: [T, H], r: ry };
  });
}

export function embed(r: Round, x: SV, w: WeightShare): Promise<SV> {
  const [T, H] = dims(x, w);
  const slot = r.reserve(32, T * H, 'embed');
  const { tag, items } = r.party.take('embed');
  const ry = item(items, tag, 'ry', 32, T * H) as Uint32Array;
  const c = item(items, tag, 'c', 32, T * H);
  return (async () => {
    const z = await R.matmul(32, x.m!, w.w, T, w.k, H);
    const m = (await slot.open(R.add(32, z, c, z))) as Uint32Array;
    return { l: 32, shape: [T, H], r: ry, m };
  })();
}
