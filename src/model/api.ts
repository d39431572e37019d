/**
 * Library entry points behind the CLI: compile a model into an integer
 * program, and evaluate a model (float or integer) on a labelled TSV.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LutmpcError } from '../errors.js';
import { getKernels } from '../kernels/loader.js';
import type { Kernels } from '../kernels/types.js';
import { searchBits, parseBitsSpec, type BitSearchResult, type LabelledIds } from './bits.js';
import { calibrate } from './calibrate.js';
import { checkLabels, checkLimit, readCalibTsv, readEvalTsv, type Example } from './data.js';
import type { BertConfig } from './config.js';
import { loadHfBert, type HfBert } from './hf-folder.js';
import { IntBert, argmax } from './int-bert.js';
import { loadProgram, matmulNames, programSize, saveProgram, type IntProgram, type ProgramSize } from './program.js';
import type { Progress } from './progress.js';
import { compileProgram, fakeQuantModel, type WeightBits } from './quantize.js';

/** File name of a compiled program kept inside a model folder. */
export const PROGRAM_FILE = 'model.lutmpc';

/**
 * A program runs only with the model folder it was compiled from (its
 * tokenizer and float reference): every architecture field must agree, or
 * the run would give plausible numbers for the wrong model.
 */
export function checkProgramFor(program: IntProgram, cfg: BertConfig, programPath: string, modelDir: string): void {
  const keys = ['numLayers', 'hidden', 'heads', 'intermediate', 'vocabSize', 'maxPositions', 'typeVocabSize', 'numLabels', 'hiddenAct'] as const;
  const diff = keys.filter((k) => program.config[k] !== cfg[k]).map((k) => `${k} ${String(program.config[k])} vs ${String(cfg[k])}`);
  if (diff.length > 0) throw new LutmpcError(`${programPath} was compiled for a different model than ${modelDir} (${diff.join(', ')})`);
}

export type BitsChoice = 'auto' | '8' | 'mixed' | string;

export interface CompileOptions {
  modelDir: string;
  calibPath: string;
  /** Calibration sentences from the start of the file (default 256). */
  calibLimit?: number;
  bits?: BitsChoice;
  /** Accuracy budget in points for `auto` (default 1). */
  budget?: number;
  /** Sentences of the calibration set used by the `auto` search (default 128). */
  searchLimit?: number;
  out?: string;
  kernels?: Kernels;
  progress?: Progress;
  warn?: (msg: string) => void;
}

export interface CompileReport {
  bits: Record<string, WeightBits>;
  size: ProgramSize;
  calibSentences: number;
  search?: BitSearchResult;
  out?: string;
}

export function encodeAll(m: HfBert, rows: readonly Example[], warn?: (msg: string) => void): { data: LabelledIds[]; truncated: number } {
  let truncated = 0;
  const data = rows.map((r) => {
    const e = m.tokenizer.encode(r.text, m.config.maxPositions);
    if (e.truncated) truncated++;
    return { ids: e.ids, label: r.label };
  });
  if (truncated > 0) warn?.(`${truncated} text(s) longer than ${m.config.maxPositions} tokens were truncated to the model's max positions`);
  return { data, truncated };
}

export async function compileLoaded(m: HfBert, calibRows: readonly Example[], o: Omit<CompileOptions, 'modelDir' | 'calibPath'>): Promise<{ program: IntProgram; report: CompileReport }> {
  if (calibRows.length === 0) throw new LutmpcError('calibration set is empty');
  const { data } = encodeAll(m, calibRows, o.warn);
  const stats = calibrate(m.model, data.map((d) => d.ids), (d) => o.progress?.('calibrate', d, data.length));
  const choice = o.bits ?? '8';
  const names = matmulNames(m.config);
  let bits: Record<string, WeightBits>;
  let search: BitSearchResult | undefined;
  if (choice === 'auto') {
    checkLabels(calibRows, m.config.numLabels, 'calibration set'); // the search measures accuracy on them
    checkLimit('searchLimit', o.searchLimit);
    const set = data.slice(0, o.searchLimit ?? 128);
    search = await searchBits(m.model, stats, set, o.kernels ?? getKernels(), { budget: o.budget, onStep: (d, t) => o.progress?.('bit search', d, t) });
    bits = search.bits;
  } else bits = parseBitsSpec(choice, names);
  // Low-bit matmuls change the ranges downstream: recalibrate on the fake-quantized float model
  // so every window matches what the program sees (fewer index wraps; see docs/integer-program.md).
  const lowBit = Object.values(bits).some((b) => b < 8);
  const finalStats = lowBit ? calibrate(fakeQuantModel(m.model, bits), data.map((d) => d.ids), (d) => o.progress?.('recalibrate', d, data.length)) : stats;
  const program = compileProgram(m.model, finalStats, { bits, meta: { bitsChoice: choice, budget: o.budget ?? 1, fakeQuantCalibration: lowBit } });
  for (const n of names) bits[n] = program.bits[n]!;
  const clamps = program.meta?.['shiftClamps'] as Record<string, number> | undefined;
  if (clamps) o.warn?.(`calibration wanted shifts above the format's public caps (intops SHIFT_CAPS) for ${Object.entries(clamps).map(([r, k]) => `${k} ${r} channel(s)`).join(', ')}: clamped, so their largest values wrap; check the accuracy with eval`);
  if (o.out) saveProgram(program, o.out);
  return { program, report: { bits, size: programSize(program), calibSentences: data.length, search, out: o.out } };
}

export async function compileModel(o: CompileOptions): Promise<{ program: IntProgram; report: CompileReport }> {
  const m = loadHfBert(o.modelDir);
  return compileLoaded(m, readCalibTsv(o.calibPath, o.calibLimit), o);
}

export interface EvalOptions {
  modelDir: string;
  dataPath: string;
  limit?: number;
  mode?: 'float' | 'int';
  /** Integer mode: compile with these bits from --calib (else use the program in the folder / programPath). */
  bits?: BitsChoice;
  calibPath?: string;
  calibLimit?: number;
  budget?: number;
  programPath?: string;
  kernels?: Kernels;
  progress?: Progress;
  warn?: (msg: string) => void;
}

export interface EvalReport {
  mode: 'float' | 'int';
  n: number;
  accuracy: number;
  correct: number;
  truncated: number;
  seconds: number;
  /** Integer mode only. */
  bits?: Record<string, WeightBits>;
  size?: ProgramSize;
  programSource?: string;
  calibSentences?: number;
  backend?: string;
  /** Fraction of requant indices outside their intended window (diagnostic). */
  wrapRate?: number;
}

export async function evaluate(o: EvalOptions): Promise<EvalReport> {
  const m = loadHfBert(o.modelDir);
  const rows = readEvalTsv(o.dataPath, o.limit, m.config.numLabels);
  const { data, truncated } = encodeAll(m, rows, o.warn);
  const mode = o.mode ?? 'float';
  const t0 = Date.now();
  let correct = 0;
  if (mode === 'float') {
    const unused = [o.calibPath && '--calib', o.programPath && '--program', o.bits !== undefined && '--bits'].filter(Boolean);
    if (unused.length > 0) o.warn?.(`${unused.join(', ')} ignored in float mode (the float model needs no program)`);
    data.forEach((d, i) => {
      if (argmax(m.model.forward(d.ids)) === d.label) correct++;
      o.progress?.('float eval', i + 1, data.length);
    });
    return { mode, n: data.length, accuracy: correct / data.length, correct, truncated, seconds: (Date.now() - t0) / 1000 };
  }
  const kern = o.kernels ?? getKernels();
  let program: IntProgram;
  let programSource: string;
  let calibSentences: number | undefined;
  if (o.calibPath && !o.programPath) {
    if (resolve(o.calibPath) === resolve(o.dataPath)) o.warn?.(`--calib and --data are the same file (${o.dataPath}): calibrate on a training split, never on the evaluation split`);
    const calRows = readCalibTsv(o.calibPath, o.calibLimit);
    const r = await compileLoaded(m, calRows, { bits: o.bits ?? '8', budget: o.budget, kernels: kern, progress: o.progress, warn: o.warn });
    program = r.program;
    programSource = `compiled from ${o.calibPath}`;
    calibSentences = r.report.calibSentences;
  } else {
    // An explicit --program is read as given (a missing file is a FormatError naming it, as in secure mode);
    // only the folder's default program, when absent, means integer mode has nothing to run without --calib.
    const path = o.programPath ?? join(o.modelDir, PROGRAM_FILE);
    if (!o.programPath && !existsSync(path)) throw new LutmpcError(`integer mode needs --calib FILE.tsv (no compiled program at ${path})`);
    program = loadProgram(path);
    programSource = path;
    checkProgramFor(program, m.config, path, o.modelDir);
    // What the compiled program fixes already, said once it is known to run.
    if (o.calibPath) o.warn?.(`--calib ${o.calibPath} is ignored: --program ${o.programPath} is run as compiled`);
    if (o.bits !== undefined) o.warn?.(`--bits ${o.bits} is ignored: the compiled program keeps its own bit widths`);
  }
  const t1 = Date.now();
  const ib = new IntBert(program, kern);
  for (let i = 0; i < data.length; i++) {
    if (argmax((await ib.forward(data[i]!.ids)).logits) === data[i]!.label) correct++;
    o.progress?.('int eval', i + 1, data.length);
  }
  return {
    mode,
    n: data.length,
    accuracy: correct / data.length,
    correct,
    truncated,
    seconds: (Date.now() - t1) / 1000,
    bits: program.bits,
    size: programSize(program),
    programSource,
    calibSentences,
    backend: kern.name,
    wrapRate: ib.wraps.checked > 0 ? ib.wraps.wrapped / ib.wraps.checked : 0,
  };
}
