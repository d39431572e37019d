/** Deterministic pseudo-random BERT weights for benchmarks (the MPC cost does not depend on the values). */
import type { BertWeights, LayerNormW, Linear } from '../model/weights.js';

export interface WeightShape {
  hidden: number;
  ffn: number;
  vocab: number;
  labels: number;
}

export function randomBertWeights(s: WeightShape, layers: number, maxSeq: number, seed = 1): BertWeights {
  let st = seed >>> 0;
  const rnd = (n: number, scale: number, offset = 0): Float64Array => {
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      st = (Math.imul(st, 1664525) + 1013904223) >>> 0;
      a[i] = offset + ((st / 2 ** 32) * 2 - 1) * scale;
    }
    return a;
  };
  const H = s.hidden;
  const lin = (inn: number, out: number): Linear => ({ in: inn, out, w: rnd(inn * out, 0.05), b: rnd(out, 0.02) });
  const ln = (): LayerNormW => ({ gamma: rnd(H, 0.1, 1), beta: rnd(H, 0.05) });
  return {
    wordEmb: rnd(s.vocab * H, 0.05),
    posEmb: rnd(maxSeq * H, 0.02),
    typeEmb: rnd(2 * H, 0.02),
    embLn: ln(),
    layers: Array.from({ length: layers }, () => ({ q: lin(H, H), k: lin(H, H), v: lin(H, H), o: lin(H, H), ln1: ln(), ffn1: lin(H, s.ffn), ffn2: lin(s.ffn, H), ln2: ln() })),
    pooler: lin(H, H),
    classifier: lin(H, s.labels),
  };
}
