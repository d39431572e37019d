/**
 * [[diag(s)·(A·B)]] for masked A (m×k), B (k×n) and a masked per-row scale s
 * (m×1), with A·B never opened: attention's context U = E·V scaled by 1/Z.
 * Opening U first and multiplying after costs an extra m·n-element opening;
 * here the dealer, who knows all three masks, provides the cross terms.
 *
 * With A = mA − ρA, B = mB − ρB, s = ms − ρs and MM = mA·mB (public):
 *   A·B          = MM − mA·ρB − ρA·mB + ρA·ρB
 *   diag(ρs)·A·B = ρs ⊙ MM − mA ⋆ P − Q·mB + W,
 * where P[t, j, :] = ρs[t]·ρB[j, :], (mA ⋆ P)[t, :] = Σ_j mA[t, j]·P[t, j, :],
 * Q = diag(ρs)·ρA and W = diag(ρs)·ρA·ρB; so
 *   diag(s)·A·B = ms ⊙ (A·B) − diag(ρs)·A·B is linear in the dealt shares.
 *
 * Offline (after s's mask exists):
 *   1. P0 deals a fresh output mask ρY (seeds, no bytes).
 *   2. P0 deals additive shares of G = ρA·ρB (m·n), P (m·k·n), Q (m·k) and
 *      w = ρY − W (m·n); P2's shares travel.
 * Online (P1, P2; batched into the caller's round, once ms is known):
 *   3. Pi (two GEMMs, mA·[mB | ρB,i] and [ρA,i ; Qi]·mB, and one rowGemm):
 *      ABi = [P1: MM] − mA·ρB,i − ρA,i·mB + Gi;
 *      Yi = ms ⊙ ABi − (ρs,i ⊙ MM − mA ⋆ Pi − Qi·mB) + wi.
 *   4. The round opens mY = Y1 + Y2 = diag(s)·A·B + ρY.
 *
 * Cost (b = l/8): offline P0→P2 (2mn + mkn + mk)·b; online P1↔P2 mn·b each
 * way, 1 round.
 */
import { concatArrays, type RingArray, type RingBits } from '../../kernels/types.js';
import { correction, exchange, type ProtocolCost } from '../cost.js';
import type { Offline } from '../dealer.js';
import * as R from '../ring.js';
import type { Round } from '../round.js';
import { shapeSize, type Masked, type MaskOf, type Shape } from '../sharing.js';
import { ShapeError } from '../../errors.js';
import { item } from './common.js';

export function matmulRowScaleCost(s: { l: RingBits; m: number; k: number; n: number }): ProtocolCost {
  const { m, k, n } = s;
  return { name: 'matmulRowScale', offline: correction((2 * m * n + m * k * n + m * k) * R.ringBytes(s.l)), online: exchange(R.wireBytes(s.l, m * n)) };
}

function dims(a: { l: RingBits; shape: Shape }, b: { l: RingBits; shape: Shape }, s: { l: RingBits; shape: Shape }): { m: number; k: number; n: number } {
  const [m, k] = a.shape;
  const n = b.shape[1];
  if (a.shape.length !== 2 || b.shape.length !== 2 || b.shape[0] !== k || shapeSize(s.shape) !== m || a.l !== b.l || a.l !== s.l || m === undefined || k === undefined || n === undefined) {
    throw new ShapeError(`matmulRowScale: [${a.shape.join(', ')}] times [${b.shape.join(', ')}] scaled by [${s.shape.join(', ')}] does not fit`);
  }
  return { m, k, n };
}

/** [X | Y] for two rows×n matrices (rows×2n). */
function sideBySide(x: Uint32Array, y: Uint32Array, rows: number, n: number): Uint32Array {
  const o = new Uint32Array(rows * 2 * n);
  for (let i = 0; i < rows; i++) {
    o.set(x.subarray(i * n, (i + 1) * n), 2 * i * n);
    o.set(y.subarray(i * n, (i + 1) * n), (2 * i + 1) * n);
  }
  return o;
}

/** The two halves of a rows×2n matrix. */
function splitColumns(z: Uint32Array, rows: number, n: number): [Uint32Array, Uint32Array] {
  const x = new Uint32Array(rows * n), y = new Uint32Array(rows * n);
  for (let i = 0; i < rows; i++) {
    x.set(z.subarray(2 * i * n, (2 * i + 1) * n), i * n);
    y.set(z.subarray((2 * i + 1) * n, (2 * i + 2) * n), i * n);
  }
  return [x, y];
}

export function matmulRowScaleOffline(off: Offline, a: MaskOf, b: MaskOf, s: MaskOf): Promise<MaskOf> {
  const { m, k, n } = dims(a, b, s);
  if (a.l !== 32) throw new ShapeError('matmulRowScale: Z_2^32 only');
  const l = a.l;
  return off.deal('matmulRowScale', async (d) => {
    const rY = await d.mask('rY', l, m * n);
    let G: RingArray | undefined, P: Uint32Array | undefined, Q: RingArray | undefined, w: RingArray | undefined;
    if (d.role === 'P0') {
      const rA = a.r as Uint32Array, rB = b.r as Uint32Array, rs = s.r as Uint32Array;
      G = await R.matmul(l, rA, rB, m, k, n);
      // P[t] = ρs[t]·ρB (k×n) for each row t.
      P = new Uint32Array(m * k * n);
      for (let t = 0; t < m; t++) R.mulScalar(l, rB, BigInt(rs[t]!), P.subarray(t * k * n, (t + 1) * k * n));
      Q = R.mul(l, R.repeatEach(l, rs, k), rA);
      w = R.sub(l, rY, R.mul(l, R.repeatEach(l, rs, n), G));
    }
    await d.share('g', l, m * n, G);
    await d.share('p', l, m * k * n, P);
    await d.share('q', l, m * k, Q);
    await d.share('w', l, m * n, w);
    return { l, shape: [m, n], r: rY };
  });
}

export function matmulRowScale(r: Round, a: Masked, b: Masked, s: Masked): Promise<Masked> {
  const { m, k, n } = dims(a, b, s);
  const l = a.l;
  const slot = r.reserve(l, m * n, 'matmulRowScale');
  const { tag, items } = r.party.take('matmulRowScale');
  const rY = item(items, tag, 'rY', l, m * n);
  const G = item(items, tag, 'g', l, m * n);
  const P = item(items, tag, 'p', l, m * k * n) as Uint32Array;
  const Q = item(items, tag, 'q', l, m * k);
  const w = item(items, tag, 'w', l, m * n);
  const p1 = r.party.id === 'P1';
  return (async () => {
    // Four products in two GEMMs (small GEMMs are overhead-bound): mA·[mB | ρB,i] and [ρA,i ; Qi]·mB.
    const [left, right, mAP] = await Promise.all([
      R.matmul(l, a.m, sideBySide(b.m as Uint32Array, b.r as Uint32Array, k, n), m, k, 2 * n),
      R.matmul(l, concatArrays([a.r as Uint32Array, Q as Uint32Array], Uint32Array), b.m, 2 * m, k, n),
      R.kernels().rowGemm(32, a.m as Uint32Array, P, m, k, n), // mA ⋆ Pi: one k×n matrix per row
    ]);
    const [MM, mArB] = splitColumns(left as Uint32Array, m, n);
    const rAmB = right.subarray(0, m * n), QmB = right.subarray(m * n);
    // ABi = [P1: MM] − mA·ρB,i − ρA,i·mB + Gi
    const AB = R.sub(l, R.sub(l, G, mArB), rAmB);
    if (p1) R.add(l, AB, MM, AB);
    // sABi = ρs,i ⊙ MM − mA ⋆ Pi − Qi·mB
    const sAB = R.mul(l, R.repeatEach(l, s.r, n), MM);
    R.sub(l, sAB, mAP, sAB);
    R.sub(l, sAB, QmB, sAB);
    // Yi = ms ⊙ ABi − sABi + wi
    const Y = R.mul(l, R.repeatEach(l, s.m, n), AB, AB);
    R.sub(l, Y, sAB, Y);
    R.add(l, Y, w, Y);
    return { l, shape: [m, n], m: await slot.open(Y), r: rY };
  })();
}
