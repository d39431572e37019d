/**
 * Calibration: run the float model on sample sentences (a training split,
 * never the evaluation split) and record, per quantization point, the ranges
 * the compiler needs — per-column and per-tensor max |x|, LayerNorm row
 * statistics, attention row maxima and softmax sums.
 */
import type { FloatBert, Observer } from './float-bert.js';
import { yielder } from './yield.js';

export interface PointStats {
  cols: number;
  maxAbs: number;
  colMaxAbs: Float64Array;
}

export interface LnStats {
  /** max |v − mean(v)| over rows and columns (units of v). */
  centMax: number;
  /** max row variance. */
  varMax: number;
  /** max |z| with z = (v − mean)/√(var + eps). */
  zMax: number;
}

/**
 * Attention scores per head, relative to each row's diagonal (query i against
 * key i): the integer program subtracts s_ii, a free local op, so its exp
 * table sees d_ij = s_ij − s_ii, whose row maximum varies far less than the
 * raw row maximum and whose j = i term bounds the softmax sum from below.
 */
export interface ScoreStats {
  /** max |s_ij − s_ii|. */
  maxAbsDiff: number;
  /** Per row: max_j (s_ij − s_ii) and Σ_j exp(s_ij − max_j s_ij). */
  rowMaxDiff: number[];
  rowSum: number[];
}

export interface CalibStats {
  sentences: number;
  tokens: number;
  points: Map<string, PointStats>;
  ln: Map<string, LnStats>;
  scores: Map<string, ScoreStats>;
}

export function newCalibStats(): CalibStats {
  return { sentences: 0, tokens: 0, points: new Map(), ln: new Map(), scores: new Map() };
}

/** Observer that folds one forward pass into `st`. */
export function calibObserver(st: CalibStats, eps: number): Observer {
  return (name, x, rows, cols) => {
    if (name.includes('.scores.')) {
      let s = st.scores.get(name);
      if (!s) st.scores.set(name, (s = { maxAbsDiff: 0, rowMaxDiff: [], rowSum: [] }));
      for (let r = 0; r < rows; r++) {
        let m = -Infinity;
        const diag = x[r * cols + r]!;
        for (let j = 0; j < cols; j++) {
          const v = x[r * cols + j]!;
          if (v > m) m = v;
          if (Math.abs(v - diag) > s.maxAbsDiff) s.maxAbsDiff = Math.abs(v - diag);
        }
        let z = 0;
        for (let j = 0; j < cols; j++) z += Math.exp(x[r * cols + j]! - m);
        s.rowMaxDiff.push(m - diag);
        s.rowSum.push(z);
      }
      return;
    }
    let p = st.points.get(name);
    if (!p) st.points.set(name, (p = { cols, maxAbs: 0, colMaxAbs: new Float64Array(cols) }));
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < cols; j++) {
        const a = Math.abs(x[r * cols + j]!);
        if (a > p.colMaxAbs[j]!) p.colMaxAbs[j] = a;
        if (a > p.maxAbs) p.maxAbs = a;
      }
    }
    if (name.endsWith('.in') && name.includes('ln')) {
      const key = name.slice(0, -3);
      let l = st.ln.get(key);
      if (!l) st.ln.set(key, (l = { centMax: 0, varMax: 0, zMax: 0 }));
      for (let r = 0; r < rows; r++) {
        let m = 0;
        for (let j = 0; j < cols; j++) m += x[r * cols + j]!;
        m /= cols;
        let v = 0;
        for (let j = 0; j < cols; j++) v += (x[r * cols + j]! - m) ** 2;
        v /= cols;
        const sd = Math.sqrt(v + eps);
        if (v > l.varMax) l.varMax = v;
        for (let j = 0; j < cols; j++) {
          const c = Math.abs(x[r * cols + j]! - m);
          if (c > l.centMax) l.centMax = c;
          if (c / sd > l.zMax) l.zMax = c / sd;
        }
      }
    }
  };
}

/** Calibrate on token-id sequences. */
export function calibrate(model: FloatBert, sequences: readonly (readonly number[])[], onProgress?: (done: number) => void): CalibStats {
  const st = newCalibStats();
  const obs = calibObserver(st, model.config.layerNormEps);
  sequences.forEach((ids, i) => {
    observe(model, st, obs, ids);
    onProgress?.(i + 1);
  });
  return st;
}

/**
 * `calibrate` for the library API (compileModel, evaluate): same statistics,
 * but it lets the event loop run between sentences (see yield.ts), since a
 * calibration set takes seconds of synchronous float forwards.
 */
export async function calibrateAsync(model: FloatBert, sequences: readonly (readonly number[])[], onProgress?: (done: number) => void): Promise<CalibStats> {
  const st = newCalibStats();
  const obs = calibObserver(st, model.config.layerNormEps);
  const pause = yielder();
  for (let i = 0; i < sequences.length; i++) {
    await pause();
    observe(model, st, obs, sequences[i]!);
    onProgress?.(i + 1);
  }
  return st;
}

function observe(model: FloatBert, st: CalibStats, obs: Observer, ids: readonly number[]): void {
  model.forward(ids, obs);
  st.sentences++;
  st.tokens += ids.length;
}
