/**
 * The compiler: float BERT + calibration statistics + per-matmul bit widths
 * → IntProgram. Every scale, rounding, clip and nonlinearity ends up inside a
 * table or a weight/bias; the program itself is integers only.
 *
 * Conventions (see docs/integer-program.md for the full derivation):
 * - an int8 activation a with scale α stands for α·a, a ∈ [−127, 127];
 * - a residual-stream value r (int32) with scale ρ stands for ρ·r, ρ chosen
 *   so the calibrated max |r| is 2^15;
 * - a requant index t with shift s stands for the bucket of integers
 *   [t·2^s, (t+1)·2^s − 1]; tables evaluate their function at the bucket's
 *   midpoint t·2^s + (2^s − 1)/2 (unbiased rounding), then round/clip;
 * - shifts are chosen so the calibrated range × margin fits the index window.
 */
import { ShapeError } from '../errors.js';
import type { CalibStats, LnStats, PointStats } from './calibrate.js';
import { FloatBert } from './float-bert.js';
import { activation } from './mathfn.js';
import { S_MAX, SHIFT_CAPS, type MatW, type Requant, type ShiftRole } from './intops.js';
import { PROGRAM_VERSION, matmulNames, type IntProgram, type QLayer, type QLayerNorm, type QLinear } from './program.js';
import type { Linear } from './weights.js';

export type WeightBits = 8 | 4 | 1;

export interface QuantOptions {
  /** Bit width per matmul name (matmulNames); missing names are 8. */
  bits?: Record<string, WeightBits>;
  /** Headroom over calibrated ranges for 8-bit indices (default 1.25). */
  margin?: number;
  /** Headroom for 12-bit per-row indices (softmax sum, LayerNorm Σd²) (default 2). */
  rowMargin?: number;
  meta?: Record<string, unknown>;
}

const RES_BITS = 15;
/** Fixed-point bits of the LayerNorm reciprocal square root (y = z·2^K_LN). */
const K_LN = 16;
/** Fixed-point bits of the softmax reciprocal ((E·V)·inv = ctx/α_v · 2^K_Z). */
const K_Z = 22;
/** Softmax sums are kept near 2^Z_TARGET_BITS so the reciprocal keeps ≥ 7 bits. */
const Z_TARGET_BITS = 15;

function need<T>(m: Map<string, T>, key: string): T {
  const v = m.get(key);
  if (!v) throw new ShapeError(`calibration statistics lack point '${key}' (calibrate with the same model)`);
  return v;
}

/** Smallest s ≥ 0 with range·margin inside the n-bit window (signed or unsigned). */
export function shiftFor(range: number, n: number, signed: boolean, margin: number): number {
  const half = signed ? 2 ** (n - 1) : 2 ** n;
  const s = Math.max(0, Math.ceil(Math.log2((range * margin + 1) / half)));
  return Math.min(s, S_MAX, 32 - n);
}

/** A shift under its role's public cap (intops SHIFT_CAPS, or a tighter `cap`). */
export type CapShift = (role: ShiftRole, want: number, cap?: number) => number;

/** CapShift that counts, per role, the shifts its cap lowered (their indices wrap for the largest calibrated values). */
export function shiftCapper(clamped: Partial<Record<ShiftRole, number>>): CapShift {
  return (role, want, cap = SHIFT_CAPS[role]) => {
    if (want <= cap) return want;
    clamped[role] = (clamped[role] ?? 0) + 1;
    return cap;
  };
}

/** The integer a requant index stands for: its bucket's midpoint. */
export function bucketMid(t: number, n: number, s: number, signed: boolean): number {
  const ts = signed && t >= 2 ** (n - 1) ? t - 2 ** n : t;
  return ts * 2 ** s + (2 ** s - 1) / 2;
}

const clip8 = (x: number): number => Math.max(-127, Math.min(127, Math.round(x)));
const clip32 = (x: number): number => Math.max(-(2 ** 30), Math.min(2 ** 30, Math.round(x)));

/** Per-output-channel (or per-tensor) symmetric weight quantization; returns W [in × out]. */
export function quantizeWeights(L: Linear, bits: WeightBits, perTensor = false): { w: Int8Array; scales: Float64Array } {
  const { in: K, out: N } = L;
  const w = new Int8Array(K * N);
  const scales = new Float64Array(N);
  const groups = perTensor ? [Array.from({ length: N }, (_, i) => i)] : Array.from({ length: N }, (_, i) => [i]);
  for (const g of groups) {
    let maxAbs = 0;
    let sumAbs = 0;
    for (const o of g) {
      for (let i = 0; i < K; i++) {
        const a = Math.abs(L.w[o * K + i]!);
        maxAbs = Math.max(maxAbs, a);
        sumAbs += a;
      }
    }
    let s: number;
    if (maxAbs === 0) s = 1;
    else if (bits === 8) s = maxAbs / 127;
    else if (bits === 1) s = sumAbs / (K * g.length);
    else {
      // 4 bit: pick the clipping ratio with the least squared error.
      let best = Infinity;
      s = maxAbs / 7;
      for (let alpha = 1; alpha >= 0.5 - 1e-9; alpha -= 0.05) {
        const sc = (alpha * maxAbs) / 7;
        let err = 0;
        for (const o of g) {
          for (let i = 0; i < K; i++) {
            const x = L.w[o * K + i]!;
            const q = Math.max(-8, Math.min(7, Math.round(x / sc)));
            err += (x - q * sc) ** 2;
          }
        }
        if (err < best) {
          best = err;
          s = sc;
        }
      }
    }
    for (const o of g) {
      scales[o] = s;
      for (let i = 0; i < K; i++) {
        const x = L.w[o * K + i]!;
        const q = bits === 1 ? (x >= 0 ? 1 : -1) : bits === 4 ? Math.max(-8, Math.min(7, Math.round(x / s))) : clip8(x / s);
        w[i * N + o] = q;
      }
    }
  }
  return { w, scales };
}

type OutSpec = { kind: 'int8'; scale: number } | { kind: 'res'; scale: number };

/** matmulW + per-column requant whose table applies f and the output scale. */
function buildLinear(L: Linear, bits: WeightBits, aIn: number, pre: PointStats, f: (x: number) => number, out: OutSpec, margin: number, cap: CapShift): QLinear {
  const { w, scales } = quantizeWeights(L, bits);
  const N = L.out;
  const bias = new Int32Array(N);
  const shifts = new Int32Array(N);
  const table = new Int32Array(N * 256);
  for (let c = 0; c < N; c++) {
    const sa = aIn * scales[c]!;
    bias[c] = clip32(L.b[c]! / sa);
    const s = cap('linear', shiftFor(pre.colMaxAbs[c]! / sa, 8, true, margin));
    shifts[c] = s;
    for (let t = 0; t < 256; t++) {
      const y = f(bucketMid(t, 8, s, true) * sa) / out.scale;
      table[c * 256 + t] = out.kind === 'int8' ? clip8(y) : clip32(y);
    }
  }
  const mm: MatW = { k: L.in, n: N, bits, w, bias };
  return { mm, rq: { bits: 8, shifts, channels: N, tables: [table] } };
}

/** LayerNorm as centre → d, Σd² → 1/√, d·inv → per-column γ/β tables. */
function buildLayerNorm(st: LnStats, H: number, aRes: number, gamma: Float64Array, beta: Float64Array, eps: number, aOut: number, aNextRes: number | null, margin: number, rowMargin: number, cap: CapShift): QLayerNorm {
  // centre: c = H·v − Σv stands for H·(v − mean)/ρ.
  const sD = cap('lnCentre', shiftFor((H * st.centMax) / aRes, 8, true, margin));
  const dTab = new Int32Array(256);
  for (let t = 0; t < 256; t++) {
    const ts = t >= 128 ? t - 256 : t;
    dTab[t] = sD > 0 ? 2 * ts + 1 : 2 * ts;
  }
  const uD = (2 ** (sD - 1) * aRes) / H; // real (v − mean) per unit of d
  // Σd² ≤ H·256² always; calibrated range with a row margin, never above the safe bound.
  // Even shift: the engine can then realise it by scaling d's table by 2^((20 − sQ)/2) (q = Σd² scales by the square).
  const sQodd = Math.min(shiftFor((H * st.varMax) / (uD * uD), 12, false, rowMargin), shiftFor(H * 65536, 12, false, 1));
  const sQ = cap('lnInv', sQodd + (sQodd % 2), SHIFT_CAPS.lnInv - (SHIFT_CAPS.lnInv % 2)); // even, ≤ 20 = P(12)
  const invTab = new Int32Array(4096);
  for (let t = 0; t < 4096; t++) {
    const q = Math.max(bucketMid(t, 12, sQ, false), 0.5);
    const variance = (q * uD * uD) / H;
    invTab[t] = Math.min(2 ** 22, Math.round((2 ** K_LN * uD) / Math.sqrt(variance + eps)));
  }
  const sY = cap('lnOut', shiftFor(st.zMax * 2 ** K_LN, 8, true, margin));
  const t8 = new Int32Array(H * 256);
  const tr = aNextRes === null ? null : new Int32Array(H * 256);
  for (let t = 0; t < 256; t++) {
    const z = bucketMid(t, 8, sY, true) / 2 ** K_LN;
    for (let c = 0; c < H; c++) {
      const y = gamma[c]! * z + beta[c]!;
      t8[c * 256 + t] = clip8(y / aOut);
      if (tr) tr[c * 256 + t] = clip32(y / aNextRes!);
    }
  }
  return {
    centre: { bits: 8, shifts: Int32Array.of(sD), channels: 1, tables: [dTab] },
    inv: { bits: 12, shifts: Int32Array.of(sQ), channels: 1, tables: [invTab] },
    out: { bits: 8, shifts: Int32Array.of(sY), channels: H, tables: tr ? [t8, tr] : [t8] },
  };
}

/** Compile the integer program. */
export function compileProgram(model: FloatBert, stats: CalibStats, opts: QuantOptions = {}): IntProgram {
  const cfg = model.config;
  const W = model.weights;
  const H = cfg.hidden;
  const nh = cfg.heads;
  const dh = H / nh;
  const margin = opts.margin ?? 1.25;
  const rowMargin = opts.rowMargin ?? 2;
  const clamped: Partial<Record<ShiftRole, number>> = {};
  const cap = shiftCapper(clamped);
  const bits: Record<string, WeightBits> = {};
  for (const n of matmulNames(cfg)) bits[n] = opts.bits?.[n] ?? 8;
  for (const n of Object.keys(opts.bits ?? {})) if (!(n in bits)) throw new ShapeError(`bits given for unknown matmul '${n}' (known: ${matmulNames(cfg).join(', ')})`);
  const P = (k: string): PointStats => need(stats.points, k);
  /** Float scale of every tapped point (the model owner's secret; kept for debugging/dequantization). */
  const scales: Record<string, number> = {};
  const a8 = (k: string): number => (scales[k] = Math.max(P(k).maxAbs, 1e-8) / 127);
  const res = (k: string): number => (scales[k] = Math.max(P(k).maxAbs, 1e-8) / 2 ** RES_BITS);
  const ident = (x: number): number => x;
  const act = activation(cfg.hiddenAct);

  // Embedding: int8 word table per column, position + type-0 term in the same scale.
  const wordScale = new Float64Array(H);
  for (let c = 0; c < H; c++) {
    let m = 0;
    for (let i = 0; i < cfg.vocabSize; i++) m = Math.max(m, Math.abs(W.wordEmb[i * H + c]!));
    wordScale[c] = m > 0 ? m / 127 : 1;
  }
  const word = new Int8Array(cfg.vocabSize * H);
  for (let i = 0; i < cfg.vocabSize; i++) for (let c = 0; c < H; c++) word[i * H + c] = clip8(W.wordEmb[i * H + c]! / wordScale[c]!);
  const posTerm = new Int32Array(cfg.maxPositions * H);
  const posMax = new Float64Array(H);
  for (let t = 0; t < cfg.maxPositions; t++) {
    for (let c = 0; c < H; c++) {
      const v = clip32((W.posEmb[t * H + c]! + W.typeEmb[c]!) / wordScale[c]!);
      posTerm[t * H + c] = v;
      posMax[c] = Math.max(posMax[c]!, Math.abs(v));
    }
  }
  const aR0 = res('emb.ln.in');
  const embShifts = new Int32Array(H);
  const embTab = new Int32Array(H * 256);
  for (let c = 0; c < H; c++) {
    const s = cap('linear', shiftFor(127 + posMax[c]!, 8, true, 1)); // exact bound: never wraps
    embShifts[c] = s;
    for (let t = 0; t < 256; t++) embTab[c * 256 + t] = clip32((bucketMid(t, 8, s, true) * wordScale[c]!) / aR0);
  }
  const eps = cfg.layerNormEps;
  const layerRes = (l: number, which: 'ln1' | 'ln2'): number | null => (l < cfg.numLayers ? res(`l${l}.${which}.in`) : null);
  const embLn = buildLayerNorm(need(stats.ln, 'emb.ln'), H, aR0, W.embLn.gamma, W.embLn.beta, eps, a8('emb.ln.out'), layerRes(0, 'ln1'), margin, rowMargin, cap);

  let aH = a8('emb.ln.out');
  const layers: QLayer[] = [];
  for (let l = 0; l < cfg.numLayers; l++) {
    const L = W.layers[l]!;
    const p = `l${l}.`;
    const aQ = a8(p + 'q');
    const aK = a8(p + 'k');
    const aV = a8(p + 'v');
    const aCtx = a8(p + 'ctx');
    const q = buildLinear(L.q, bits[p + 'q']!, aH, P(p + 'q'), ident, { kind: 'int8', scale: aQ }, margin, cap);
    const k = buildLinear(L.k, bits[p + 'k']!, aH, P(p + 'k'), ident, { kind: 'int8', scale: aK }, margin, cap);
    const v = buildLinear(L.v, bits[p + 'v']!, aH, P(p + 'v'), ident, { kind: 'int8', scale: aV }, margin, cap);
    const score: Requant[] = [];
    const zinv: Requant[] = [];
    const ctx: Requant[] = [];
    const uS = (aQ * aK) / Math.sqrt(dh);
    for (let hd = 0; hd < nh; hd++) {
      const sc = need(stats.scores, `${p}scores.h${hd}`);
      // exp offset: the largest calibrated max_j (s_ij − s_ii), so E ≤ 2^eb on calibration rows.
      let C = 0;
      for (const d of sc.rowMaxDiff) C = Math.max(C, d);
      let zRel = 1;
      for (let i = 0; i < sc.rowMaxDiff.length; i++) zRel = Math.max(zRel, Math.exp(sc.rowMaxDiff[i]! - C) * sc.rowSum[i]!);
      // exp scale 2^eb so the calibrated largest row sum is about 2^Z_TARGET_BITS.
      const eb = Math.max(4, Math.min(16, Math.floor(Z_TARGET_BITS - Math.log2(zRel))));
      const sS = cap('score', shiftFor(sc.maxAbsDiff / uS, 8, true, margin));
      const eTab = new Int32Array(256);
      const eMax = Math.round(2 ** eb * Math.E);
      for (let t = 0; t < 256; t++) eTab[t] = Math.min(eMax, Math.round(2 ** eb * Math.exp(bucketMid(t, 8, sS, true) * uS - C)));
      score.push({ bits: 8, shifts: Int32Array.of(sS), channels: 1, tables: [eTab] });
      const sZ = cap('zinv', shiftFor(2 ** eb * zRel, 12, false, rowMargin));
      const iTab = new Int32Array(4096);
      for (let t = 0; t < 4096; t++) {
        const z = t === 0 ? Math.max(1, 0.75 * 2 ** sZ) : bucketMid(t, 12, sZ, false);
        iTab[t] = Math.round(2 ** K_Z / z);
      }
      zinv.push({ bits: 12, shifts: Int32Array.of(sZ), channels: 1, tables: [iTab] });
      let cMax = 0;
      const cs = P(p + 'ctx');
      for (let d = 0; d < dh; d++) cMax = Math.max(cMax, cs.colMaxAbs[hd * dh + d]!);
      const sC = cap('ctx', shiftFor((cMax / aV) * 2 ** K_Z, 8, true, margin));
      const cTab = new Int32Array(256);
      for (let t = 0; t < 256; t++) cTab[t] = clip8(((bucketMid(t, 8, sC, true) / 2 ** K_Z) * aV) / aCtx);
      ctx.push({ bits: 8, shifts: Int32Array.of(sC), channels: 1, tables: [cTab] });
    }
    const aR1 = res(p + 'ln1.in');
    const aR2 = res(p + 'ln2.in');
    const o = buildLinear(L.o, bits[p + 'o']!, aCtx, P(p + 'o'), ident, { kind: 'res', scale: aR1 }, margin, cap);
    const aH1 = a8(p + 'ln1.out');
    const ln1 = buildLayerNorm(need(stats.ln, p + 'ln1'), H, aR1, L.ln1.gamma, L.ln1.beta, eps, aH1, aR2, margin, rowMargin, cap);
    const aF = a8(p + 'act');
    const ffn1 = buildLinear(L.ffn1, bits[p + 'ffn1']!, aH1, P(p + 'ffn1'), act, { kind: 'int8', scale: aF }, margin, cap);
    const ffn2 = buildLinear(L.ffn2, bits[p + 'ffn2']!, aF, P(p + 'ffn2'), ident, { kind: 'res', scale: aR2 }, margin, cap);
    const aH2 = a8(p + 'ln2.out');
    const ln2 = buildLayerNorm(need(stats.ln, p + 'ln2'), H, aR2, L.ln2.gamma, L.ln2.beta, eps, aH2, layerRes(l + 1, 'ln1'), margin, rowMargin, cap);
    layers.push({ q, k, v, score, zinv, ctx, o, ln1, ffn1, ffn2, ln2 });
    aH = aH2;
  }
  scales['pool.out'] = 1 / 127;
  const pooler = buildLinear(W.pooler, bits['pooler']!, aH, P('pool.pre'), Math.tanh, { kind: 'int8', scale: 1 / 127 }, margin, cap);
  const cq = quantizeWeights(W.classifier, 8, true);
  const sCls = cq.scales[0]! / 127;
  const clsBias = new Int32Array(cfg.numLabels);
  for (let i = 0; i < cfg.numLabels; i++) clsBias[i] = clip32(W.classifier.b[i]! / sCls);
  return {
    version: PROGRAM_VERSION,
    config: cfg,
    sMax: S_MAX,
    emb: { word, posTerm, rq: { bits: 8, shifts: embShifts, channels: H, tables: [embTab] } },
    embLn,
    layers,
    pooler,
    classifier: { k: H, n: cfg.numLabels, bits: 8, w: cq.w, bias: clsBias },
    logitScale: sCls,
    bits,
    meta: { scales, calibSentences: stats.sentences, calibTokens: stats.tokens, margin, rowMargin, ...(Object.keys(clamped).length > 0 ? { shiftClamps: clamped } : {}), ...(opts.meta ?? {}) },
  };
}

/**
 * The float model with the chosen low-bit matmuls replaced by their
 * dequantized weights ("fake quant"). Calibrating on it gives ranges and
 * scales that match what the integer program will actually see at 4 and 1 bit.
 */
export function fakeQuantModel(model: FloatBert, bits: Record<string, WeightBits>): FloatBert {
  const W = model.weights;
  const deq = (L: Linear, b: WeightBits | undefined): Linear => {
    if (b === undefined || b === 8) return L;
    const { w, scales } = quantizeWeights(L, b);
    const out = new Float64Array(L.w.length);
    for (let o = 0; o < L.out; o++) for (let i = 0; i < L.in; i++) out[o * L.in + i] = w[i * L.out + o]! * scales[o]!;
    return { ...L, w: out };
  };
  const layers = W.layers.map((L, l) => ({
    ...L,
    q: deq(L.q, bits[`l${l}.q`]),
    k: deq(L.k, bits[`l${l}.k`]),
    v: deq(L.v, bits[`l${l}.v`]),
    o: deq(L.o, bits[`l${l}.o`]),
    ffn1: deq(L.ffn1, bits[`l${l}.ffn1`]),
    ffn2: deq(L.ffn2, bits[`l${l}.ffn2`]),
  }));
  return new FloatBert(model.config, { ...W, layers, pooler: deq(W.pooler, bits['pooler']) });
}
