/**
 * Layer-wise ("fine-grained") choice of weight bit widths under an accuracy
 * budget measured on calibration data.
 *
 * Greedy search, one matmul at a time, largest first (most bytes saved):
 * try 1 bit, then 4 bit, keep the lowest width whose calibration accuracy
 * stays within `budget` points of the all-8-bit program's; otherwise 8.
 * Cost: at most 2 integer evaluations of the search set per matmul, plus one.
 */
import { ShapeError } from '../errors.js';
import type { Kernels } from '../kernels/types.js';
import type { CalibStats } from './calibrate.js';
import type { FloatBert } from './float-bert.js';
import { IntBert, argmax } from './int-bert.js';
import { matmulNames } from './program.js';
import { compileProgram, type QuantOptions, type WeightBits } from './quantize.js';
import { yielder } from './yield.js';

export interface LabelledIds {
  ids: number[];
  label: number;
}

export interface BitSearchStep {
  matmul: string;
  tried: WeightBits;
  accuracy: number;
  kept: boolean;
}

export interface BitSearchResult {
  bits: Record<string, WeightBits>;
  /** Accuracy (fraction) of the all-8-bit program on the search set. */
  baseAccuracy: number;
  /** Accuracy of the chosen configuration on the search set. */
  accuracy: number;
  steps: BitSearchStep[];
}

export async function programAccuracy(model: FloatBert, stats: CalibStats, opts: QuantOptions, data: readonly LabelledIds[], kern: Kernels): Promise<number> {
  const ib = new IntBert(compileProgram(model, stats, opts), kern);
  let ok = 0;
  const pause = yielder(); // TypeScript kernels never return to the event loop inside a forward
  for (const d of data) {
    await pause();
    if (argmax((await ib.forward(d.ids)).logits) === d.label) ok++;
  }
  return ok / Math.max(1, data.length);
}

/**
 * Parse a bit-width spec: "8", "mixed", or "name=bits,name=bits" (others 8). "auto" is handled by the search; `auto: false` leaves it out of the error where no search is possible.
 * @throws ShapeError naming `bits` when the spec is not a string (JavaScript callers pass `bits: 8`) or not one of these forms.
 */
export function parseBitsSpec(spec: string, names: readonly string[], o: { auto?: boolean } = {}): Record<string, WeightBits> {
  const forms = `${o.auto === false ? '' : "'auto', "}'8', 'mixed' or 'NAME=8|4|1,…'`;
  if (typeof spec !== 'string') throw new ShapeError(`bits must be a string: ${forms} (got ${typeof spec} ${String(spec)})`);
  const out: Record<string, WeightBits> = {};
  if (spec === '8') return out;
  if (spec === 'mixed') {
    // Documented preset: every FFN matmul 4 bit, the last layer's FFN1 1 bit.
    const layers = names.filter((n) => n.endsWith('.ffn1')).length;
    for (const n of names) if (n.endsWith('.ffn1') || n.endsWith('.ffn2')) out[n] = 4;
    out[`l${layers - 1}.ffn1`] = 1;
    return out;
  }
  for (const part of spec.split(',')) {
    const m = /^\s*([\w.]+)\s*=\s*(8|4|1)\s*$/.exec(part);
    if (!m || !names.includes(m[1]!)) throw new ShapeError(`bits spec '${part}' is not NAME=8|4|1 with NAME one of ${names.join(', ')} (or use ${o.auto === false ? '' : 'auto, '}8, mixed)`);
    out[m[1]!] = Number(m[2]) as WeightBits;
  }
  return out;
}

export async function searchBits(
  model: FloatBert,
  stats: CalibStats,
  data: readonly LabelledIds[],
  kern: Kernels,
  options: { budget?: number; margin?: number; onStep?: (done: number, total: number) => void } = {},
): Promise<BitSearchResult> {
  const budget = (options.budget ?? 1) / 100;
  const names = matmulNames(model.config);
  const size = (n: string): number => {
    if (n === 'pooler') return model.config.hidden ** 2;
    return n.endsWith('ffn1') || n.endsWith('ffn2') ? model.config.hidden * model.config.intermediate : model.config.hidden ** 2;
  };
  // Largest first; later layers first among equals (closer to the output, errors propagate less).
  const order = [...names].sort((a, b) => size(b) - size(a) || b.localeCompare(a));
  const bits: Record<string, WeightBits> = {};
  const total = 1 + 2 * order.length;
  let done = 0;
  const tick = (): void => options.onStep?.(++done, total);
  const baseAccuracy = await programAccuracy(model, stats, { margin: options.margin }, data, kern);
  tick();
  let accuracy = baseAccuracy;
  const steps: BitSearchStep[] = [];
  for (const n of order) {
    let kept = false;
    for (const b of [1, 4] as const) {
      if (kept) {
        tick();
        continue;
      }
      const acc = await programAccuracy(model, stats, { bits: { ...bits, [n]: b }, margin: options.margin }, data, kern);
      tick();
      kept = baseAccuracy - acc <= budget + 1e-12;
      steps.push({ matmul: n, tried: b, accuracy: acc, kept });
      if (kept) {
        bits[n] = b;
        accuracy = acc;
      }
    }
  }
  return { bits, baseAccuracy, accuracy, steps };
}
