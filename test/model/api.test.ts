/** The library functions behind `lutmpc eval` and `lutmpc compile`, on a random model and TSV files. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError, LutmpcError, ShapeError } from '../../src/errors.js';
import { tsKernels } from '../../src/kernels/ts.js';
import { PROGRAM_FILE, compileModel, evaluate } from '../../src/model/api.js';
import { parseBitsSpec } from '../../src/model/bits.js';
import { parseTsv } from '../../src/model/data.js';
import { loadHfBert } from '../../src/model/hf-folder.js';
import { loadTokenizer } from '../../src/model/tokenizer.js';
import { argmax } from '../../src/model/int-bert.js';
import { matmulNames } from '../../src/model/program.js';
import { randomSentences, writeRandomBert } from '../../src/model/random-bert.js';

describe('evaluate / compileModel', () => {
  const dir = writeRandomBert({ layers: 1, hidden: 32, heads: 2, intermediate: 64, maxPositions: 20, seed: 21 });
  const tmp = mkdtempSync(join(tmpdir(), 'lutmpc-api-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  });
  const m = loadHfBert(dir);
  // Labels = the float model's own predictions, so float accuracy is 1 by construction.
  const write = (name: string, texts: string[], header = 'sentence\tlabel'): string => {
    const p = join(tmp, name);
    writeFileSync(p, [header, ...texts.map((t) => `${t}\t${argmax(m.model.forward(m.tokenizer.encode(t, 20).ids))}`)].join('\n') + '\n');
    return p;
  };
  const calib = write('train.tsv', randomSentences(40, 5, 10), 'text\tlabel');
  const dev = write('dev.tsv', [...randomSentences(30, 6, 10), 'the movie '.repeat(20), '']);
  const warnings: string[] = [];

  it('float mode reports mode, n, accuracy; long texts are truncated with a warning; empty text is classified', async () => {
    const r = await evaluate({ modelDir: dir, dataPath: dev, mode: 'float', warn: (w) => warnings.push(w) });
    expect(r).toMatchObject({ mode: 'float', n: 32, accuracy: 1, correct: 32, truncated: 1 });
    expect(warnings.some((w) => /1 text\(s\) longer than 20 tokens were truncated/.test(w))).toBe(true);
    const lim = await evaluate({ modelDir: dir, dataPath: dev, mode: 'float', limit: 5 });
    expect(lim.n).toBe(5);
    // A negative limit sliced from the end, a fractional one rounded down: both are refused by name.
    for (const limit of [-3, 0, 2.5]) await expect(evaluate({ modelDir: dir, dataPath: dev, mode: 'float', limit })).rejects.toThrow(new RegExp(`limit must be a positive integer \\(got ${limit}\\)`));
    await expect(evaluate({ modelDir: dir, dataPath: dev, mode: 'int', calibPath: calib, calibLimit: -5 })).rejects.toThrow(/calibLimit must be a positive integer/);
  });

  it('int mode compiles from --calib, or runs a saved program from the folder', async () => {
    const a = await evaluate({ modelDir: dir, dataPath: dev, mode: 'int', calibPath: calib, kernels: tsKernels });
    expect(a.mode).toBe('int');
    expect(a.accuracy).toBeGreaterThanOrEqual(0.8);
    expect(a.size!.matmulBytes).toBeGreaterThan(0);
    await expect(evaluate({ modelDir: dir, dataPath: dev, mode: 'int' })).rejects.toThrow(/needs --calib/);
    const { report } = await compileModel({ modelDir: dir, calibPath: calib, out: join(dir, PROGRAM_FILE), bits: 'mixed', kernels: tsKernels });
    expect(report.bits['l0.ffn1']).toBe(1);
    expect(report.bits['l0.ffn2']).toBe(4);
    const b = await evaluate({ modelDir: dir, dataPath: dev, mode: 'int', kernels: tsKernels });
    expect(b.programSource).toBe(join(dir, PROGRAM_FILE));
    expect(b.bits).toEqual(report.bits);
    rmSync(join(dir, PROGRAM_FILE));
  });

  it('--program wins over --calib (with a warning) and must come from a model of the same architecture', async () => {
    const prog = join(tmp, 'prog.lutmpc');
    await compileModel({ modelDir: dir, calibPath: calib, out: prog, kernels: tsKernels });
    const w: string[] = [];
    const r = await evaluate({ modelDir: dir, dataPath: dev, mode: 'int', programPath: prog, calibPath: calib, limit: 3, kernels: tsKernels, warn: (x) => w.push(x) });
    expect(r.programSource).toBe(prog);
    expect(w.some((x) => x.includes(`--calib ${calib} is ignored: --program ${prog} is run as compiled`))).toBe(true);
    // A --program that cannot be read is named as such (FormatError, as in secure mode), with or without --calib:
    // no "--calib is ignored" warning and no "needs --calib" for a run that was given a program.
    for (const calibPath of [calib, undefined]) {
      const w2: string[] = [];
      const missing = join(tmp, 'nonexistent.lutmpc');
      const e = await evaluate({ modelDir: dir, dataPath: dev, mode: 'int', programPath: missing, calibPath, limit: 3, kernels: tsKernels, warn: (x) => w2.push(x) }).then(() => undefined, (x: unknown) => x);
      expect(e).toBeInstanceOf(FormatError);
      expect((e as Error).message).toMatch(new RegExp(`^cannot read ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ENOENT`));
      expect(w2.filter((x) => /ignored/.test(x))).toEqual([]);
    }
    // Same sizes except the heads (4 instead of 2): the old check (layers, hidden, vocab) let it run.
    const other = writeRandomBert({ layers: 1, hidden: 32, heads: 4, intermediate: 64, maxPositions: 20, seed: 21 });
    try {
      await expect(evaluate({ modelDir: other, dataPath: dev, mode: 'int', programPath: prog, limit: 3 })).rejects.toThrow(/was compiled for a different model than .* \(heads 2 vs 4\)/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('auto bit search keeps calibration accuracy within the budget', async () => {
    const { report } = await compileModel({ modelDir: dir, calibPath: calib, bits: 'auto', budget: 5, searchLimit: 16, kernels: tsKernels });
    const s = report.search!;
    expect(s.baseAccuracy - s.accuracy).toBeLessThanOrEqual(0.05 + 1e-12);
    expect(Object.values(report.bits).some((b) => b < 8)).toBe(true);
    for (const step of s.steps) if (step.kept) expect(s.baseAccuracy - step.accuracy).toBeLessThanOrEqual(0.05 + 1e-12);
  });

  it('bad inputs are clear errors', async () => {
    expect(() => parseTsv('foo\tbar\nx\t1\n', 'f.tsv')).toThrow(/must name a 'sentence' or 'text' column and a 'label'/);
    expect(() => parseTsv('text\tlabel\nhello\tpos\n', 'f.tsv')).toThrow(/f.tsv:2: label "pos" is not an integer/);
    expect(() => parseTsv('text\tlabel\nno tab here\n', 'f.tsv')).toThrow(/f.tsv:2: 1 tab-separated column\(s\), the header names 2/);
    expect(parseTsv('\uFEFFtext\tlabel\nhi\t1\n', 'bom.tsv')).toEqual([{ text: 'hi', label: 1, line: 2 }]); // a BOM is not part of the header
    for (const bad of ['7', '-1']) {
      const f = join(tmp, `label${bad}.tsv`);
      writeFileSync(f, `sentence\tlabel\nfine\t0\nodd\t${bad}\n`);
      for (const mode of ['float', 'int'] as const) await expect(evaluate({ modelDir: dir, dataPath: f, mode })).rejects.toThrow(new RegExp(`label${bad}.tsv:3: label ${bad} is outside 0..1 \\(the model has 2 labels\\)`));
    }
    await expect(evaluate({ modelDir: dir, dataPath: join(tmp, 'missing.tsv') })).rejects.toThrow(FormatError);
    await expect(evaluate({ modelDir: join(tmp, 'nomodel'), dataPath: dev })).rejects.toThrow(/does not exist/);
    const empty = join(tmp, 'empty.tsv');
    writeFileSync(empty, 'text\tlabel\n');
    await expect(evaluate({ modelDir: dir, dataPath: empty })).rejects.toThrow(LutmpcError);
    await expect(compileModel({ modelDir: dir, calibPath: empty })).rejects.toThrow(/empty\.tsv: calibration set is empty/);
    await expect(compileModel({ modelDir: dir, calibPath: calib, out: join(tmp, 'no', 'such', 'dir', 'p.lutmpc'), kernels: tsKernels })).rejects.toThrow(/cannot write the program to .*p\.lutmpc/);
    await expect(evaluate({ modelDir: join(dir, 'config.json'), dataPath: dev })).rejects.toThrow(/config\.json is a file; --model takes the model's folder/);
    const noVocab = mkdtempSync(join(tmpdir(), 'lutmpc-vocabdir-'));
    try {
      mkdirSync(join(noVocab, 'vocab.txt')); // a directory where the vocabulary should be
      expect(() => loadTokenizer(noVocab)).toThrow(/cannot read .*vocab\.txt/);
    } finally {
      rmSync(noVocab, { recursive: true, force: true });
    }
    const names = matmulNames(m.config);
    expect(() => parseBitsSpec('l0.q=3', names)).toThrow(/NAME=8\|4\|1/);
    expect(() => parseBitsSpec('l9.q=4', names)).toThrow(ShapeError);
    expect(parseBitsSpec('l0.q=4,pooler=1', names)).toEqual({ 'l0.q': 4, pooler: 1 });
  });

  it('a bits spec that is not a string is a ShapeError naming bits (JavaScript callers pass numbers)', async () => {
    for (const bits of [16, 8]) {
      const e = await compileModel({ modelDir: dir, calibPath: calib, bits: bits as unknown as string, kernels: tsKernels }).then(() => undefined, (x: unknown) => x);
      expect(e).toBeInstanceOf(ShapeError);
      expect((e as Error).message).toBe(`bits must be a string: 'auto', '8', 'mixed' or 'NAME=8|4|1,…' (got number ${bits})`);
    }
    await expect(evaluate({ modelDir: dir, dataPath: dev, mode: 'int', calibPath: calib, bits: 'l0.q=3' })).rejects.toThrow(ShapeError);
  });
});
