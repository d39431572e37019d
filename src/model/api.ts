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
import { calibrateAsync } from './calibrate.js';
import { checkLabels, checkLimit, readCalibTsv, readEvalTsv, type Example } from './data.js';
import type { BertConfig } from './config.js';
import { loadHfBert, type HfBert } from './hf-folder.js';
import { IntBert, argmax } from './int-bert.js';
import { loadProgram, matmulNames, programSize, saveProgram, type IntProgram, type ProgramSize } from './program.js';
import type { Progress } from './progress.js';
import { compileProgram, fakeQuantModel, type WeightBits } from './quantize.js';
import { nextTurn, yielder } from './yield.js';

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

/**
 * Weight bit widths of the matmuls: '8' (every matmul 8 bit), 'mixed' (FFN
 * matmuls 4 bit, the last layer's FFN1 1 bit), 'auto' (greedy search within
 * an accuracy budget, needs labelled calibration data) or
 * 'NAME=8|4|1,NAME=…' (others 8; NAME as in matmulNames, e.g. 'l0.ffn1').
 * Always a string: a number is refused (ShapeError naming `bits`).
 */
export type BitsChoice = 'auto' | '8' | 'mixed' | string;

export interface CompileOptions {
  /** Hugging Face BERT folder: config.json, vocab.txt or tokenizer.json, model.safetensors. */
  modelDir: string;
  /** Labelled TSV to calibrate on (header `sentence` or `text`, and `label`): a training split, never the evaluation split. */
  calibPath: string;
  /** Calibration sentences from the start of the file (default 256). */
  calibLimit?: number;
  /** Weight bit widths (default '8'); see {@link BitsChoice}. */
  bits?: BitsChoice;
  /** Accuracy budget in percentage points for `auto` (default 1): the search keeps calibration accuracy within it of the all-8-bit program's. */
  budget?: number;
  /** Sentences of the calibration set used by the `auto` search (default 128). */
  searchLimit?: number;
  /** Write the program (.lutmpc) here; default: not written, only returned. */
  out?: string;
  /** Kernel backend of the `auto` search (default getKernels(): native, else TypeScript). */
  kernels?: Kernels;
  /** Called as work advances: ('calibrate' | 'bit search' | 'recalibrate', done, total). */
  progress?: Progress;
  /** Warnings (truncated texts, clamped shifts); default: dropped. */
  warn?: (msg: string) => void;
}

export interface CompileReport {
  /** Bit width of every matmul, by name. */
  bits: Record<string, WeightBits>;
  /** Program size in bytes, by part. */
  size: ProgramSize;
  /** Calibration sentences actually used. */
  calibSentences: number;
  /** The `auto` search: accuracies and every step tried. */
  search?: BitSearchResult;
  /** Where the program was written, when `out` was given. */
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
  const choice = o.bits ?? '8';
  const names = matmulNames(m.config);
  // Refuse a bad spec before the seconds of calibration.
  const fixedBits = choice === 'auto' ? undefined : parseBitsSpec(choice, names);
  const { data } = encodeAll(m, calibRows, o.warn);
  const stats = await calibrateAsync(m.model, data.map((d) => d.ids), (d) => o.progress?.('calibrate', d, data.length));
  let bits: Record<string, WeightBits>;
  let search: BitSearchResult | undefined;
  if (fixedBits === undefined) {
    checkLabels(calibRows, m.config.numLabels, 'calibration set'); // the search measures accuracy on them
    checkLimit('searchLimit', o.searchLimit);
    const set = data.slice(0, o.searchLimit ?? 128);
    search = await searchBits(m.model, stats, set, o.kernels ?? getKernels(), { budget: o.budget, onStep: (d, t) => o.progress?.('bit search', d, t) });
    bits = search.bits;
  } else bits = fixedBits;
  // Low-bit matmuls change the ranges downstream: recalibrate on the fake-quantized float model
  // so every window matches what the program sees (fewer index wraps; see docs/integer-program.md).
  const lowBit = Object.values(bits).some((b) => b < 8);
  const finalStats = lowBit ? await calibrateAsync(fakeQuantModel(m.model, bits), data.map((d) => d.ids), (d) => o.progress?.('recalibrate', d, data.length)) : stats;
  await nextTurn(); // compiling is one synchronous block (~0.2 s for BERT-tiny): let the loop run first
  const program = compileProgram(m.model, finalStats, { bits, meta: { bitsChoice: choice, budget: o.budget ?? 1, fakeQuantCalibration: lowBit } });
  for (const n of names) bits[n] = program.bits[n]!;
  const clamps = program.meta?.['shiftClamps'] as Record<string, number> | undefined;
  if (clamps) o.warn?.(`calibration wanted shifts above the format's public caps (intops SHIFT_CAPS) for ${Object.entries(clamps).map(([r, k]) => `${k} ${r} channel(s)`).join(', ')}: clamped, so their largest values wrap; check the accuracy with eval`);
  if (o.out) saveProgram(program, o.out);
  return { program, report: { bits, size: programSize(program), calibSentences: data.length, search, out: o.out } };
}

/**
 * Compile a float BERT into the integer program that secure inference runs
 * (`lutmpc compile`): calibrate on `calibPath`, choose bit widths, quantize,
 * and optionally save to `out`. Takes seconds of CPU; it yields to the event
 * loop between sentences, so a server calling it keeps answering.
 *
 * @throws FormatError when the model folder or TSV is missing or malformed, the calibration set is empty, or `out` cannot be written.
 * @throws ShapeError for a bad `bits` spec, `calibLimit` or `searchLimit` (checked before calibrating).
 */
export async function compileModel(o: CompileOptions): Promise<{ program: IntProgram; report: CompileReport }> {
  const m = loadHfBert(o.modelDir);
  await nextTurn(); // loading and parsing are synchronous blocks: do not chain them in one turn
  const rows = readCalibTsv(o.calibPath, o.calibLimit);
  await nextTurn();
  return compileLoaded(m, rows, o);
}

export interface EvalOptions {
  /** Hugging Face BERT folder: config.json, vocab.txt or tokenizer.json, model.safetensors. */
  modelDir: string;
  /** Labelled TSV to evaluate on (header `sentence` or `text`, and `label`; labels 0..numLabels−1). */
  dataPath: string;
  /** Sentences from the start of the file, a positive integer (default: all). */
  limit?: number;
  /** 'float' (the float model, default) or 'int' (the compiled integer program, bit-exact with secure inference). */
  mode?: 'float' | 'int';
  /** Integer mode with `calibPath`: compile with these bit widths first (default '8'); ignored, with a warning, otherwise. */
  bits?: BitsChoice;
  /** Integer mode: calibrate and compile on this TSV (a training split) when no `programPath` is given. */
  calibPath?: string;
  /** Calibration sentences from the start of `calibPath` (default 256). */
  calibLimit?: number;
  /** Accuracy budget in percentage points for bits 'auto' (default 1). */
  budget?: number;
  /** Integer mode: the compiled program to run (default `modelDir/model.lutmpc`); wins over `calibPath`. */
  programPath?: string;
  /** Kernel backend of integer mode (default getKernels(): native, else TypeScript). */
  kernels?: Kernels;
  /** Called as work advances: ('float eval' | 'int eval' | 'calibrate' | …, done, total). */
  progress?: Progress;
  /** Warnings (truncated texts, ignored options, calibrating on the evaluation file); default: dropped. */
  warn?: (msg: string) => void;
}

export interface EvalReport {
  mode: 'float' | 'int';
  /** Sentences evaluated. */
  n: number;
  /** correct / n, a fraction in 0..1. */
  accuracy: number;
  correct: number;
  /** Texts longer than the model's max positions, truncated before the run. */
  truncated: number;
  /** Wall time of the forwards, seconds (loading, and in integer mode compiling, excluded). */
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

/**
 * Accuracy of a model on a labelled TSV, in the clear (`lutmpc eval`): the
 * float model, or the integer program secure inference computes (from
 * `programPath`, compiled now from `calibPath`, or `modelDir/model.lutmpc`).
 * CPU-bound for seconds to minutes; it yields to the event loop between
 * sentences, so a server calling it keeps answering. For the three-party
 * run use `evaluateSecure`.
 *
 * @throws FormatError when the model folder, TSV or program is missing or malformed, or a label is one the model cannot predict.
 * @throws ShapeError for a bad `limit`, `calibLimit` or `bits` spec.
 * @throws LutmpcError when the TSV has no examples, integer mode has neither a program nor `calibPath`, or the program was compiled for another model.
 */
export async function evaluate(o: EvalOptions): Promise<EvalReport> {
  const m = loadHfBert(o.modelDir);
  await nextTurn(); // loading and parsing are synchronous blocks: do not chain them in one turn
  const rows = readEvalTsv(o.dataPath, o.limit, m.config.numLabels);
  const { data, truncated } = encodeAll(m, rows, o.warn);
  const mode = o.mode ?? 'float';
  const t0 = Date.now();
  let correct = 0;
  if (mode === 'float') {
    const unused = [o.calibPath && '--calib', o.programPath && '--program', o.bits !== undefined && '--bits'].filter(Boolean);
    if (unused.length > 0) o.warn?.(`${unused.join(', ')} ignored in float mode (the float model needs no program)`);
    const pause = yielder();
    for (let i = 0; i < data.length; i++) {
      await pause();
      if (argmax(m.model.forward(data[i]!.ids)) === data[i]!.label) correct++;
      o.progress?.('float eval', i + 1, data.length);
    }
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
    await nextTurn();
    program = loadProgram(path);
    programSource = path;
    checkProgramFor(program, m.config, path, o.modelDir);
    // What the compiled program fixes already, said once it is known to run.
    if (o.calibPath) o.warn?.(`--calib ${o.calibPath} is ignored: --program ${o.programPath} is run as compiled`);
    if (o.bits !== undefined) o.warn?.(`--bits ${o.bits} is ignored: the compiled program keeps its own bit widths`);
  }
  const t1 = Date.now();
  const ib = new IntBert(program, kern);
  // Native kernels return to the loop inside a forward, the TypeScript ones never do.
  const pause = yielder();
  for (let i = 0; i < data.length; i++) {
    await pause();
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
