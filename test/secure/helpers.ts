/** Small random BERTs compiled into integer programs, for the secure-forward tests. */
import { rmSync } from 'node:fs';
import { calibrate } from '../../src/model/calibrate.js';
import { loadHfBert } from '../../src/model/hf-folder.js';
import type { IntProgram } from '../../src/model/program.js';
import { compileProgram } from '../../src/model/quantize.js';
import { randomSentences, writeRandomBert, type RandomBertOptions } from '../../src/model/random-bert.js';
import type { WeightBits } from '../../src/model/quantize.js';

export interface Compiled {
  program: IntProgram;
  /** Token ids of a few test sentences (any lengths). */
  encode(text: string): number[];
}

/** Write, load, calibrate on 32 random sentences and compile (bits: per-matmul override). */
export function compileRandom(o: RandomBertOptions, bits?: Record<string, WeightBits>): Compiled {
  const dir = writeRandomBert(o);
  try {
    const m = loadHfBert(dir);
    const calib = randomSentences(32, 3, 10).map((s) => m.tokenizer.encode(s, m.config.maxPositions).ids);
    const program = compileProgram(m.model, calibrate(m.model, calib), bits ? { bits } : {});
    return { program, encode: (t) => m.tokenizer.encode(t, m.config.maxPositions).ids };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Deterministic ids of length T (special tokens at both ends). */
export function idsOfLength(T: number, vocab: number, seed: number): number[] {
  const ids: number[] = [];
  let s = seed >>> 0;
  for (let t = 0; t < T; t++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    ids.push(t === 0 ? 2 : t === T - 1 ? 3 : 5 + (s % (vocab - 5)));
  }
  return ids;
}
