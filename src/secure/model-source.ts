/**
 * Where the compiled program of a secure run comes from (model owner's side):
 * --program FILE, else compile with --calib FILE.tsv, else DIR/model.lutmpc,
 * else calibrate on the first 256 lines of ../shared/data/sst2/train.tsv
 * (relative to the working directory) when that file exists, saying so.
 * That last fallback serves the CLI in a checkout; a library caller should
 * pass programPath or calibPath.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FormatError } from '../errors.js';
import { checkProgramFor, compileLoaded, PROGRAM_FILE } from '../model/api.js';
import { calibrate } from '../model/calibrate.js';
import { readCalibTsv } from '../model/data.js';
import { loadHfBert, type HfBert } from '../model/hf-folder.js';
import { loadProgram, type IntProgram } from '../model/program.js';
import { compileProgram } from '../model/quantize.js';
import { randomSentences, writeRandomBert } from '../model/random-bert.js';

export interface ProgramChoice {
  /** Hugging Face BERT folder (config.json, vocab.txt or tokenizer.json, model.safetensors); its tokenizer and float model are loaded. */
  modelDir: string;
  /** A compiled program (.lutmpc, from compileModel / `lutmpc compile`), run as compiled; wins over everything below. */
  programPath?: string;
  /** Labelled TSV (a training split) to calibrate and compile on now, when no programPath is given. */
  calibPath?: string;
  /** Calibration sentences from the start of the calibration file (default 256). */
  calibLimit?: number;
  /** Weight bits when compiling: '8' (default), 'mixed', 'auto' or 'NAME=8|4|1,…' (see compileModel). */
  bits?: string;
  /** Accuracy budget in points for bits 'auto' (default 1). */
  budget?: number;
  /**
   * Where warnings go: flags a compiled program ignores, the default
   * calibration fallback. Default: `process.emitWarning` for the fallback
   * (a silent calibration on a file the caller never named is a surprise),
   * nothing for the rest.
   */
  warn?: (msg: string) => void;
}

export interface ResolvedModel {
  hf: HfBert;
  program: IntProgram;
  /** The .lutmpc file the program was read from, when it was. */
  programPath?: string;
  /** One line: where the program came from. */
  source: string;
}

/** The default calibration file for the shared SST-2 model: `../shared/data/sst2/train.tsv` from the working directory. */
export function sharedTrainTsv(): string {
  return resolve(process.cwd(), '../shared/data/sst2/train.tsv');
}

/**
 * Load the model folder and get the program a secure run executes, in this
 * order: `programPath`; else compile on `calibPath`; else `modelDir/model.lutmpc`;
 * else (the CLI's fallback in a checkout) calibrate on the first `calibLimit`
 * lines of {@link sharedTrainTsv}, always saying so through `warn` (or
 * `process.emitWarning` when no `warn` is given).
 *
 * @throws FormatError when none of these exists (the message names the
 *   options and the CLI flags), or a file is missing or malformed.
 * @throws LutmpcError when the program was compiled for another model than `modelDir`.
 */
export async function resolveProgram(o: ProgramChoice): Promise<ResolvedModel> {
  const hf = loadHfBert(o.modelDir);
  const check = (p: IntProgram, path: string): IntProgram => {
    checkProgramFor(p, hf.config, path, o.modelDir);
    // What a compiled program fixes already: say so rather than drop the flags silently.
    const unused = [o.calibPath && `--calib ${o.calibPath}`, o.bits !== undefined && `--bits ${o.bits}`].filter(Boolean);
    if (unused.length > 0) o.warn?.(`${unused.join(' and ')} ignored: ${path} is run as compiled`);
    return p;
  };
  if (o.programPath) return { hf, program: check(loadProgram(o.programPath), o.programPath), programPath: o.programPath, source: o.programPath };
  const inDir = join(o.modelDir, PROGRAM_FILE);
  let calib = o.calibPath;
  if (!calib && existsSync(inDir)) return { hf, program: check(loadProgram(inDir), inDir), programPath: inDir, source: inDir };
  if (!calib) {
    const dflt = sharedTrainTsv();
    if (!existsSync(dflt)) {
      throw new FormatError(`${o.modelDir} has no compiled program (${PROGRAM_FILE}): pass programPath / --program FILE or calibPath / --calib FILE.tsv (the fallback calibration file ${dflt} does not exist)`);
    }
    fallbackWarning(o.warn, `no ${PROGRAM_FILE} in ${o.modelDir}: calibrating on the first ${o.calibLimit ?? 256} lines of ${dflt} (pass programPath / --program or calibPath / --calib to choose)`);
    calib = dflt;
  }
  const { program } = await compileLoaded(hf, readCalibTsv(calib, o.calibLimit), { bits: o.bits ?? '8', budget: o.budget, warn: o.warn });
  return { hf, program, source: `compiled from ${calib} (${o.calibLimit ?? 256} sentences, bits ${o.bits ?? '8'})` };
}

/** The fallback is never silent: a library caller who passed no `warn` still sees it, on Node's warning channel. */
function fallbackWarning(warn: ((msg: string) => void) | undefined, msg: string): void {
  if (warn) warn(msg);
  else process.emitWarning(msg, { code: 'LUTMPC_DEFAULT_CALIBRATION' });
}

/** A deterministic random BERT (random-bert.ts) compiled on generated sentences: the demo's fallback. */
export function randomModel(dir: string, seed = 1): ResolvedModel {
  writeRandomBert({ dir, layers: 2, hidden: 64, heads: 2, intermediate: 128, maxPositions: 64, seed });
  const hf = loadHfBert(dir);
  const calib = randomSentences(64, 3, 12).map((s) => hf.tokenizer.encode(s, hf.config.maxPositions).ids);
  const program = compileProgram(hf.model, calibrate(hf.model, calib));
  return { hf, program, source: `deterministic random BERT (seed ${seed}, 2 layers, hidden 64, 2 heads, FFN 128) compiled on 64 generated sentences` };
}
