/**
 * A small end-to-end program used by the multi-process test, the transport
 * tests and the benchmark: a chain of `layers` blocks
 *
 *   X ← (X · W_i) ⊙ (X · W_i)        (matmul with a dealer weight, then a product)
 *
 * on a client input X (m×k, Z_2^l), then T = X · Xᵀ (product of two masked
 * matrices), returned to the client. Each block costs two online rounds.
 */
import type { RingArray, RingBits } from '../kernels/types.js';
import type { Offline } from './dealer.js';
import type { Party } from './party.js';
import { clientInput, input, inputOffline } from './protocols/input.js';
import { matmul, matmulOffline } from './protocols/matmul.js';
import { matmulWeight, matmulWeightOffline, shareWeight, type WeightShare } from './protocols/matmul-weight.js';
import { mul, mulOffline } from './protocols/mul.js';
import { clientOutput, output } from './protocols/output.js';
import { inRound } from './round.js';
import { transposeMask, transposeMasked } from './sharing.js';

export interface ChainSpec {
  l: RingBits;
  m: number;
  k: number;
  layers: number;
}

/** Offline phase (P0 passes the weights; P1/P2 pass nothing). Returns this party's weight shares. */
export async function chainOffline(off: Offline, spec: ChainSpec, weights?: RingArray[]): Promise<WeightShare[]> {
  const { l, m, k } = spec;
  const ws = await Promise.all(Array.from({ length: spec.layers }, (_, i) => shareWeight(off, l, k, k, weights?.[i])));
  await off.flush('weights');
  let rx = await inputOffline(off, spec.l, [m, k]);
  for (let i = 0; i < spec.layers; i++) {
    const ry = await matmulWeightOffline(off, rx, ws[i]!);
    rx = await mulOffline(off, ry, ry);
  }
  await matmulOffline(off, rx, transposeMask(rx));
  await off.flush('chain');
  return ws;
}

/** Online phase of P1/P2. */
export async function chainOnline(p: Party, spec: ChainSpec, ws: WeightShare[]): Promise<void> {
  const { l, m, k } = spec;
  let [x] = await inRound(p, 'input', (r) => [input(r, l, [m, k])]);
  for (let i = 0; i < spec.layers; i++) {
    const [y] = await inRound(p, `layer${i}.matmul`, (r) => [matmulWeight(r, x, ws[i]!)]);
    [x] = await inRound(p, `layer${i}.mul`, (r) => [mul(r, y, y)]);
  }
  const [t] = await inRound(p, 'gram', (r) => [matmul(r, x, transposeMasked(x))]);
  output(p, t, 'output');
}

/** Client: send X, receive T (m×m). */
export async function chainClient(c: Party, spec: ChainSpec, x: RingArray): Promise<RingArray> {
  c.label = 'input';
  await clientInput(c, spec.l, x);
  return clientOutput(c, spec.l, spec.m * spec.m, 'output');
}
