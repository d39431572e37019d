/**
 * Secure embedding lookup: [[E]] = onehot(ids)·W + P, where W is the dealer's
 * V×H word table (already scaled per column, dealer-model.ts) and P a T×H
 * per-position term known to P0 only.
 *
 * The client does not send a T×V one-hot. Each id splits as id = a·B + b
 * (B = ⌈√V⌉, A = ⌈V/B⌉, `embedFactors`), and the client inputs two small
 * masked one-hots, Xa (T×A) and Xb (T×B), whose outer product per row is the
 * one-hot of the id (W padded with zero rows to A·B). With Xa = ma − ra and
 * Xb = mb − rb (masked sharings):
 *   onehot·W = (ma ⊗ mb)·W − ma ⋆ F − mb ⋆ G + C,
 *   F[t, a, :] = Σ_b rb[t, b]·W[aB + b, :],  G[t, b, :] = Σ_a ra[t, a]·W[aB + b, :],
 *   C[t, :] = Σ_a ra[t, a]·F[t, a, :],
 * where (ma ⊗ mb) is the row-wise outer product (T×V) and x ⋆ F the
 * per-row product with row t's own matrix (rowGemm). The dealer knows W and
 * both masks, so F, G and C are dealt before the text arrives.
 *
 * Setup: W shared once per model with `shareWeight` (W1 from the P0–P1
 *   stream, W2 sent to P2).
 * Offline (`embedOffline`):
 *   1. P0 deals a fresh output mask rE (seeds, no bytes).
 *   2. P0 deals shares of F (T·A·H), G (T·B·H) and c = C + P + rE (T·H);
 *      P2's travel.
 * Online (`embed`, batched into the caller's round):
 *   3. Pi: zi = (ma ⊗ mb)·Wi − ma ⋆ Fi − mb ⋆ Gi + ci (one ring GEMM, two rowGemms).
 *   4. The round opens mE = z1 + z2 = onehot·W + P + rE.
 *
 * Cost (T tokens, H columns): offline P0→P2 (A + B + 1)·T·H·4 bytes; online
 * P1↔P2 T·H·4 bytes each way, 1 round. The client's inputs (input.ts) cost
 * (A + B)·T·4 bytes to each of P1 and P2 — 175 + 175 words a token for BERT's
 * 30522-word vocabulary instead of 30522.
 */
import { ProtocolError, ShapeError } from '../errors.js';
import type { Offline } from '../mpc/dealer.js';
import { item } from '../mpc/protocols/common.js';
import type { WeightShare } from '../mpc/protocols/matmul-weight.js';
import * as R from '../mpc/ring.js';
import type { Round } from '../mpc/round.js';
import type { SV } from './values.js';

/** The split id = a·B + b of a V-word vocabulary: B = ⌈√V⌉, A = ⌈V/B⌉ (A·B ≥ V). */
export function embedFactors(V: number): { A: number; B: number } {
  if (!Number.isInteger(V) || V < 1) throw new ShapeError(`embed: vocabulary size ${V} must be a positive integer`);
  const B = Math.ceil(Math.sqrt(V));
  return { A: Math.ceil(V / B), B };
}

/** The client's two one-hots of its ids: Xa (T×A) at a = ⌊id/B⌋, Xb (T×B) at b = id mod B. */
export function factoredOneHot(ids: readonly number[], vocab: number): [Uint32Array, Uint32Array] {
  const { A, B } = embedFactors(vocab);
  const xa = new Uint32Array(ids.length * A);
  const xb = new Uint32Array(ids.length * B);
  ids.forEach((id, t) => {
    if (!Number.isInteger(id) || id < 0 || id >= vocab) throw new ShapeError(`token id ${id} is outside the vocabulary 0..${vocab - 1}`);
    xa[t * A + Math.floor(id / B)] = 1;
    xb[t * B + (id % B)] = 1;
  });
  return [xa, xb];
}

function dims(xa: SV, xb: SV, w: WeightShare): { T: number; A: number; B: number; H: number; V: number } {
  const V = w.k;
  const { A, B } = embedFactors(V);
  const T = xa.shape[0];
  if (w.l !== 32 || xa.shape[1] !== A || xb.shape[1] !== B || xb.shape[0] !== T) {
    throw new ShapeError(`embed: one-hots ${xa.shape.join('×')} and ${xb.shape.join('×')} do not fit a ${V}×${w.n} table (factors ${A}×${B})`);
  }
  return { T, A, B, H: w.n, V };
}

/** Row-wise outer products of ma (T×A) and mb (T×B), first V columns of each row (T×V). */
function outerRows(ma: Uint32Array, mb: Uint32Array, T: number, A: number, B: number, V: number): Uint32Array {
  const x = new Uint32Array(T * V);
  for (let t = 0; t < T; t++) {
    for (let a = 0; a < A; a++) {
      const s = ma[t * A + a]!;
      const o = t * V + a * B;
      const nb = Math.min(B, V - a * B);
      for (let b = 0; b < nb; b++) x[o + b] = Math.imul(s, mb[t * B + b]!);
    }
  }
  return x;
}

export function embedOffline(off: Offline, xa: SV, xb: SV, w: WeightShare, term?: Uint32Array): Promise<SV> {
  const { T, A, B, H, V } = dims(xa, xb, w);
  if (off.party.id === 'P0' && term?.length !== T * H) throw new ProtocolError(`embed: P0 must pass a ${T}×${H} position term`);
  if (off.party.id !== 'P0' && term !== undefined) throw new ProtocolError('embed: only P0 knows the position term');
  return off.deal('embed', async (d) => {
    const ry = (await d.mask('ry', 32, T * H)) as Uint32Array;
    let F: Uint32Array | undefined, G: Uint32Array | undefined, c: Uint32Array | undefined;
    if (d.role === 'P0') {
      const W = new Uint32Array(A * B * H); // zero rows beyond V
      W.set((w.w as Uint32Array).subarray(0, V * H));
      const ra = xa.r, rb = xb.r;
      // F[t, a, :] = rb[t] · W_a (W_a = rows aB … aB+B−1): one T×B×H GEMM per a.
      F = new Uint32Array(T * A * H);
      for (let a = 0; a < A; a++) {
        const Fa = (await R.matmul(32, rb, W.subarray(a * B * H, (a + 1) * B * H), T, B, H)) as Uint32Array;
        for (let t = 0; t < T; t++) F.set(Fa.subarray(t * H, (t + 1) * H), (t * A + a) * H);
      }
      // G[t, b, :] = Σ_a ra[t, a]·W[aB + b, :]: W seen as A × (B·H).
      G = (await R.matmul(32, ra, W, T, A, B * H)) as Uint32Array;
      const C = await R.kernels().rowGemm(32, ra, F, T, A, H);
      c = R.add(32, R.add(32, C, term!, C), ry) as Uint32Array;
    }
    await d.share('f', 32, T * A * H, F);
    await d.share('g', 32, T * B * H, G);
    await d.share('c', 32, T * H, c);
    return { l: 32, shape: [T, H], r: ry };
  });
}

export function embed(r: Round, xa: SV, xb: SV, w: WeightShare): Promise<SV> {
  const { T, A, B, H, V } = dims(xa, xb, w);
  const slot = r.reserve(32, T * H, 'embed');
  const { tag, items } = r.party.take('embed');
  const ry = item(items, tag, 'ry', 32, T * H) as Uint32Array;
  const F = item(items, tag, 'f', 32, T * A * H) as Uint32Array;
  const G = item(items, tag, 'g', 32, T * B * H) as Uint32Array;
  const c = item(items, tag, 'c', 32, T * H);
  const ma = xa.m!, mb = xb.m!;
  return (async () => {
    const [z, mF, mG] = await Promise.all([
      R.matmul(32, outerRows(ma, mb, T, A, B, V), w.w, T, V, H),
      R.kernels().rowGemm(32, ma, F, T, A, H),
      R.kernels().rowGemm(32, mb, G, T, B, H),
    ]);
    R.sub(32, z, mF, z);
    R.sub(32, z, mG, z);
    const m = (await slot.open(R.add(32, z, c, z))) as Uint32Array;
    return { l: 32, shape: [T, H], r: ry, m };
  })();
}
