/**
 * Integer reference: the plaintext forward of a compiled IntProgram using only
 * the primitives of intops.ts. One sentence per call (T is public; no padding
 * inside a sentence), so batch results equal per-sentence results by
 * construction. Deterministic and backend-independent: every product goes
 * through `gemm(32, …)`, which is exact mod 2^32 on every kernel backend.
 */
import { ShapeError } from '../errors.js';
import type { Kernels } from '../kernels/types.js';
import { addXX, centre, subDiagonal, gatherRows, matmulW, matmulXX, mulRowXX, requant, rowSum, rowSumSquares, type WrapStats } from './intops.js';
import type { IntProgram, QLayerNorm } from './program.js';

export interface IntForwardResult {
  /** int32 logits; float logits = logits × program.logitScale. */
  logits: Int32Array;
}

/** LayerNorm: centre (public H) → d → Σd² → 1/√ → d·inv → per-column tables. */
function layerNormInt(v: Int32Array, T: number, H: number, ln: QLayerNorm, st?: WrapStats): Int32Array[] {
  const c = centre(v, T, H);
  const [d] = requant(c, H, ln.centre, true, st) as [Int32Array];
  const q = rowSumSquares(d, T, H);
  const [inv] = requant(q, 1, ln.inv, false, st) as [Int32Array];
  const y = mulRowXX(d, T, H, inv);
  return requant(y, H, ln.out, true, st);
}

export class IntBert {
  /** Index windows that wrapped (diagnostic; the values are still the program's). */
  readonly wraps: WrapStats = { checked: 0, wrapped: 0 };

  constructor(
    readonly program: IntProgram,
    private readonly kern: Kernels,
    /** Optional tap on named intermediates (debugging and tests; never changes values). */
    private readonly tap?: (point: string, values: Int32Array) => void,
  ) {}

  async forward(ids: readonly number[]): Promise<IntForwardResult> {
    const p = this.program;
    const c = p.config;
    const T = ids.length;
    const H = c.hidden;
    const nh = c.heads;
    const dh = H / nh;
    const st = this.wraps;
    if (T < 1 || T > c.maxPositions) throw new ShapeError(`sequence length ${T} is outside 1..${c.maxPositions}`);
    for (const id of ids) if (!Number.isInteger(id) || id < 0 || id >= c.vocabSize) throw new ShapeError(`token id ${id} is outside the vocabulary 0..${c.vocabSize - 1}`);
    const k = this.kern;

    const e = gatherRows(p.emb.word, H, ids, p.emb.posTerm);
    const [v0] = requant(e, H, p.emb.rq, true, st) as [Int32Array];
    let [h8, hr] = layerNormInt(v0, T, H, p.embLn, st) as [Int32Array, Int32Array];
    const tap = this.tap ?? (() => undefined);
    tap('emb.ln.in', v0);
    tap('emb.ln.out', h8);

    for (let l = 0; l < c.numLayers; l++) {
      const L = p.layers[l]!;
      // The pooler reads only row 0 ([CLS]); in the last layer everything after
      // K and V is row-wise, so only query row 0 is computed (same logits).
      const last = l === c.numLayers - 1;
      const R = last ? 1 : T;
      const hq = last ? h8.subarray(0, H) : h8;
      const [q] = requant(await matmulW(k, hq, R, L.q.mm), H, L.q.rq, true, st) as [Int32Array];
      const [kk] = requant(await matmulW(k, h8, T, L.k.mm), H, L.k.rq, true, st) as [Int32Array];
      const [v] = requant(await matmulW(k, h8, T, L.v.mm), H, L.v.rq, true, st) as [Int32Array];
      tap(`l${l}.q`, q);
      tap(`l${l}.k`, kk);
      tap(`l${l}.v`, v);
      const ctx = new Int32Array(R * H);
      const qh = new Int32Array(R * dh);
      const kt = new Int32Array(dh * T);
      const vh = new Int32Array(T * dh);
      for (let hd = 0; hd < nh; hd++) {
        for (let t = 0; t < T; t++) {
          for (let d = 0; d < dh; d++) {
            if (t < R) qh[t * dh + d] = q[t * H + hd * dh + d]!;
            kt[d * T + t] = kk[t * H + hd * dh + d]!;
            vh[t * dh + d] = v[t * H + hd * dh + d]!;
          }
        }
        const s = subDiagonal(await matmulXX(k, qh, kt, R, dh, T), R, T);
        const [ex] = requant(s, T, L.score[hd]!, true, st) as [Int32Array];
        const z = rowSum(ex, R, T);
        const [inv] = requant(z, 1, L.zinv[hd]!, false, st) as [Int32Array];
        const u = await matmulXX(k, ex, vh, R, T, dh);
        const y = mulRowXX(u, R, dh, inv);
        const [cx] = requant(y, dh, L.ctx[hd]!, true, st) as [Int32Array];
        for (let t = 0; t < R; t++) for (let d = 0; d < dh; d++) ctx[t * H + hd * dh + d] = cx[t * dh + d]!;
      }
      tap(`l${l}.ctx`, ctx);
      const [o] = requant(await matmulW(k, ctx, R, L.o.mm), H, L.o.rq, true, st) as [Int32Array];
      const v1 = addXX(o, hr.subarray(0, R * H));
      tap(`l${l}.ln1.in`, v1);
      [h8, hr] = layerNormInt(v1, R, H, L.ln1, st) as [Int32Array, Int32Array];
      tap(`l${l}.ln1.out`, h8);
      const [f] = requant(await matmulW(k, h8, R, L.ffn1.mm), c.intermediate, L.ffn1.rq, true, st) as [Int32Array];
      const [g] = requant(await matmulW(k, f, R, L.ffn2.mm), H, L.ffn2.rq, true, st) as [Int32Array];
      tap(`l${l}.act`, f);
      const v2 = addXX(g, hr);
      tap(`l${l}.ln2.in`, v2);
      const outs = layerNormInt(v2, R, H, L.ln2, st);
      tap(`l${l}.ln2.out`, outs[0]!);
      h8 = outs[0]!;
      hr = outs[1] ?? new Int32Array(0);
    }
    const cls = h8.subarray(0, H);
    const [pooled] = requant(await matmulW(k, cls, 1, p.pooler.mm), H, p.pooler.rq, true, st) as [Int32Array];
    tap('pool.out', pooled);
    const logits = await matmulW(k, pooled, 1, p.classifier);
    return { logits };
  }
}

/** Argmax with the lowest index winning ties (same rule for float and int). */
export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}
