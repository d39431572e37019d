/**
 * Float64 reference forward of BertForSequenceClassification: embeddings
 * (token type 0, positions 0..T−1), post-LN encoder with exact erf GELU,
 * pooler tanh(dense(h[CLS])), classifier. One sentence at a time, no padding,
 * so it is the same computation the integer program performs.
 *
 * An optional observer sees every intermediate the quantizer calibrates
 * (named points, row-major [rows × cols]); it is how calibration stays out
 * of this file's arithmetic.
 */
import { ShapeError } from '../errors.js';
import type { BertConfig } from './config.js';
import { activation } from './mathfn.js';
import type { BertWeights, LayerNormW, Linear } from './weights.js';

/** Called with (point, values, rows, cols); values must not be kept without copying. */
export type Observer = (point: string, values: Float64Array, rows: number, cols: number) => void;

export function linear(x: Float64Array, rows: number, L: Linear): Float64Array {
  const y = new Float64Array(rows * L.out);
  for (let r = 0; r < rows; r++) {
    const xo = r * L.in;
    for (let o = 0; o < L.out; o++) {
      const wo = o * L.in;
      let s = L.b[o]!;
      for (let i = 0; i < L.in; i++) s += x[xo + i]! * L.w[wo + i]!;
      y[r * L.out + o] = s;
    }
  }
  return y;
}

export function layerNorm(x: Float64Array, rows: number, H: number, p: LayerNormW, eps: number): Float64Array {
  const y = new Float64Array(rows * H);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let i = 0; i < H; i++) m += x[r * H + i]!;
    m /= H;
    let v = 0;
    for (let i = 0; i < H; i++) v += (x[r * H + i]! - m) ** 2;
    v /= H;
    const inv = 1 / Math.sqrt(v + eps);
    for (let i = 0; i < H; i++) y[r * H + i] = (x[r * H + i]! - m) * inv * p.gamma[i]! + p.beta[i]!;
  }
  return y;
}

export class FloatBert {
  constructor(
    readonly config: BertConfig,
    readonly weights: BertWeights,
  ) {}

  /** Logits for one sentence of token ids (with [CLS]/[SEP]). */
  forward(ids: readonly number[], observe?: Observer): Float64Array {
    const c = this.config;
    const W = this.weights;
    const T = ids.length;
    const H = c.hidden;
    const nh = c.heads;
    const dh = H / nh;
    if (T < 1 || T > c.maxPositions) throw new ShapeError(`sequence length ${T} is outside 1..${c.maxPositions}`);
    const obs = observe ?? (() => undefined);
    let x = new Float64Array(T * H);
    for (let t = 0; t < T; t++) {
      const id = ids[t]!;
      if (!Number.isInteger(id) || id < 0 || id >= c.vocabSize) throw new ShapeError(`token id ${id} at position ${t} is outside the vocabulary 0..${c.vocabSize - 1}`);
      for (let i = 0; i < H; i++) x[t * H + i] = W.wordEmb[id * H + i]! + W.posEmb[t * H + i]! + W.typeEmb[i]!;
    }
    obs('emb.sum', x, T, H);
    let h = this.ln(x, T, W.embLn, 'emb.ln', obs);
    const scale = 1 / Math.sqrt(dh);
    const act = activation(c.hiddenAct);
    for (let l = 0; l < c.numLayers; l++) {
      const L = W.layers[l]!;
      const p = `l${l}.`;
      obs(p + 'in', h, T, H);
      const q = linear(h, T, L.q);
      const k = linear(h, T, L.k);
      const v = linear(h, T, L.v);
      obs(p + 'q', q, T, H);
      obs(p + 'k', k, T, H);
      obs(p + 'v', v, T, H);
      const ctx = new Float64Array(T * H);
      const sc = new Float64Array(T * T);
      for (let hd = 0; hd < nh; hd++) {
        for (let i = 0; i < T; i++) {
          for (let j = 0; j < T; j++) {
            let s = 0;
            for (let d = 0; d < dh; d++) s += q[i * H + hd * dh + d]! * k[j * H + hd * dh + d]!;
            sc[i * T + j] = s * scale;
          }
        }
        obs(`${p}scores.h${hd}`, sc, T, T);
        for (let i = 0; i < T; i++) {
          let m = -Infinity;
          for (let j = 0; j < T; j++) m = Math.max(m, sc[i * T + j]!);
          let z = 0;
          for (let j = 0; j < T; j++) {
            const e = Math.exp(sc[i * T + j]! - m);
            sc[i * T + j] = e;
            z += e;
          }
          for (let j = 0; j < T; j++) sc[i * T + j]! /= z;
          for (let d = 0; d < dh; d++) {
            let s = 0;
            for (let j = 0; j < T; j++) s += sc[i * T + j]! * v[j * H + hd * dh + d]!;
            ctx[i * H + hd * dh + d] = s;
          }
        }
      }
      obs(p + 'ctx', ctx, T, H);
      const o = linear(ctx, T, L.o);
      obs(p + 'o', o, T, H);
      for (let i = 0; i < T * H; i++) o[i]! += h[i]!;
      h = this.ln(o, T, L.ln1, p + 'ln1', obs);
      const f = linear(h, T, L.ffn1);
      obs(p + 'ffn1', f, T, c.intermediate);
      for (let i = 0; i < f.length; i++) f[i] = act(f[i]!);
      obs(p + 'act', f, T, c.intermediate);
      const g = linear(f, T, L.ffn2);
      obs(p + 'ffn2', g, T, H);
      for (let i = 0; i < T * H; i++) g[i]! += h[i]!;
      h = this.ln(g, T, L.ln2, p + 'ln2', obs);
    }
    const cls = h.subarray(0, H);
    const pre = linear(cls, 1, W.pooler);
    obs('pool.pre', pre, 1, H);
    const pooled = pre.map(Math.tanh);
    obs('pool.out', pooled, 1, H);
    const logits = linear(pooled, 1, W.classifier);
    obs('logits', logits, 1, c.numLabels);
    return logits;
  }

  /** LayerNorm with observation of its input sum, centred input and normalised z. */
  private ln(x: Float64Array, T: number, p: LayerNormW, name: string, obs: Observer): Float64Array {
    const H = this.config.hidden;
    obs(name + '.in', x, T, H);
    const y = layerNorm(x, T, H, p, this.config.layerNormEps);
    obs(name + '.out', y, T, H);
    return y;
  }
}
