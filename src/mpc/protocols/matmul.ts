/**
 * Matrix product of two masked matrices [[Z]] = [[X]] · [[Y]], X m×k, Y k×n
 * (leading dimensions of X flattened into rows).
 *
 * X·Y = mX·mY − mX·rY − rX·mY + rX·rY.
 *
 * Offline:
 *   1. P0 deals a fresh output mask rZ (seeds, no bytes).
 *   2. P0 computes rX·rY (one GEMM) and deals shares c1 + c2 = rX·rY + rZ;
 *      c2 (m·n elements) is sent to P2.
 * Online (P1, P2; batched into the caller's round):
 *   3. P1: z1 = mX·(mY − rY1) − rX1·mY + c1;  P2: z2 = c2 − mX·rY2 − rX2·mY
 *      (two ring GEMMs each).
 *   4. The round opens mZ = z1 + z2 = X·Y + rZ.
 *
 * Cost (B = m·n·l/8): offline P0→P2 B (P2 1 round); online P1↔P2 B each way, 1 round.
 */
import type { RingBits } from '../../kernels/types.js';
import { correction, exchange, type ProtocolCost } from '../cost.js';
import type { Offline } from '../dealer.js';
import * as R from '../ring.js';
import type { Round } from '../round.js';
import { matDims, type Masked, type MaskOf, type Shape } from '../sharing.js';
import { ShapeError } from '../../errors.js';
import { item } from './common.js';

export function matmulCost(s: { l: RingBits; m: number; k: number; n: number }): ProtocolCost {
  return { name: 'matmul', offline: correction(s.m * s.n * R.ringBytes(s.l)), online: exchange(R.wireBytes(s.l, s.m * s.n)) };
}

function dims(x: { l: RingBits; shape: Shape }, y: { l: RingBits; shape: Shape }): { m: number; k: number; n: number; shape: Shape } {
  const [m, k] = matDims(x.shape);
  if (y.shape.length !== 2 || y.shape[0] !== k || x.l !== y.l) {
    throw new ShapeError(`matmul: [${x.shape.join(', ')}] (Z_2^${x.l}) times [${y.shape.join(', ')}] (Z_2^${y.l}) does not fit`);
  }
  const n = y.shape[1]!;
  return { m, k, n, shape: [...x.shape.slice(0, -1), n] };
}

export function matmulOffline(off: Offline, x: MaskOf, y: MaskOf): Promise<MaskOf> {
  const { m, k, n, shape } = dims(x, y);
  const l = x.l;
  return off.deal('matmul', async (d) => {
    const rz = await d.mask('rz', l, m * n);
    let c;
    if (d.role === 'P0') c = R.add(l, await R.matmul(l, x.r, y.r, m, k, n), rz);
    await d.share('c', l, m * n, c);
    return { l, shape, r: rz };
  });
}

export function matmul(r: Round, x: Masked, y: Masked): Promise<Masked> {
  const { m, k, n, shape } = dims(x, y);
  const l = x.l;
  const slot = r.reserve(l, m * n, 'matmul');
  const { tag, items } = r.party.take('matmul');
  const rz = item(items, tag, 'rz', l, m * n);
  const c = item(items, tag, 'c', l, m * n);
  const p1 = r.party.id === 'P1';
  return (async () => {
    const [a, b] = await Promise.all([
      R.matmul(l, x.m, p1 ? R.sub(l, y.m, y.r) : y.r, m, k, n), // P1: mX·(mY − rY1); P2: mX·rY2
      R.matmul(l, x.r, y.m, m, k, n), // rXi·mY
    ]);
    const z = p1 ? R.sub(l, R.add(l, c, a, a), b, b) : R.sub(l, R.sub(l, c, a, a), b, b);
    return { l, shape, m: await slot.open(z), r: rz };
  })();
}
