/**
 * Where the compiled program of a secure run comes from (model owner's side):
 * --program FILE, else compile with --calib FILE.tsv, else DIR/model.lutmpc,
 * else calibrate on the first 256 lines of ../shared/data/sst2/train.tsv
 * (relative to the working directory) when that file exists, saying so.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LutmpcError } from '../errors.js';
import { checkProgramFor, compileLoaded, PROGRAM_FILE } from '../model/api.js';
import { calibrate } from '../model/calibrate.js';
import { readCalibTsv } from '../model/data.js';
import { loadHfBert, type HfBert } from '../model/hf-folder.js';
import { loadProgram, type IntProgram } from '../model/program.js';
import { compileProgram } from '../model/quantize.js';
import { randomSentences, writeRandomBert } from '../model/random-bert.js';

export interface ProgramChoice {
  modelDir: string;
  programPath?: string;
  calibPath?: string;
  calibLimit?: number;
  bits?: string;
  /** Accuracy budget in points for bits 'auto' (default 1). */
  budget?: number;
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

/** The default calibration file for the shared SST-2 model. */
export function sharedTrainTsv(): string {
  return resolve(process.cwd(), '../shared/data/sst2/train.tsv');
}

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
    if (!existsSync(dflt)) throw new LutmpcError(`${o.modelDir} has no compiled program (${PROGRAM_FILE}): pass --program FILE or --calib FILE.tsv`);
    o.warn?.(`no ${PROGRAM_FILE} in ${o.modelDir}: calibrating on the first ${o.calibLimit ?? 256} lines of ${dflt}`);
    calib = dflt;
  }
  const { program } = await compileLoaded(hf, readCalibTsv(calib, o.calibLimit), { bits: o.bits ?? '8', budget: o.budget, warn: o.warn });
  return { hf, program, source: `compiled from ${calib} (${o.calibLimit ?? 256} sentences, bits ${o.bits ?? '8'})` };
}

/** A deterministic random BERT (random-bert.ts) compiled on generated sentences: the demo's fallback. */
export function randomModel(dir: string, seed = 1): ResolvedModel {
  writeRandomBert({ dir, layers: 2, hidden: 64, heads: 2, intermediate: 128, maxPositions: 64, seed });
  const hf = loadHfBert(dir);
  const calib = randomSentences(64, 3, 12).map((s) => hf.tokenizer.encode(s, hf.config.maxPositions).ids);
  const program = compileProgram(hf.model, calibrate(hf.model, calib));
  return { hf, program, source: `deterministic random BERT (seed ${seed}, 2 layers, hidden 64, 2 heads, FFN 128) compiled on 64 generated sentences` };
}
