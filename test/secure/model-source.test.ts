/**
 * resolveProgram's last fallback (calibrate on ../shared/data/sst2/train.tsv
 * from the working directory) serves the CLI in a checkout; a library caller
 * meets it only by passing neither programPath nor calibPath, so it is never
 * silent and its absence is an error naming the options as well as the flags.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { FormatError } from '../../src/errors.js';
import { evaluateSecure } from '../../src/secure/evaluate.js';
import { resolveProgram, sharedTrainTsv } from '../../src/secure/model-source.js';
import { randomSentences, writeRandomBert } from '../../src/model/random-bert.js';

describe('resolveProgram without programPath or calibPath', () => {
  const dir = writeRandomBert({ layers: 1, hidden: 16, heads: 2, intermediate: 32, maxPositions: 16, seed: 3 });
  const tmp = mkdtempSync(join(tmpdir(), 'lutmpc-model-source-'));
  // A working directory with a ../shared training split, and one without.
  const withShared = join(tmp, 'checkout', 'main');
  const without = join(tmp, 'elsewhere');
  mkdirSync(withShared, { recursive: true });
  mkdirSync(without);
  mkdirSync(join(tmp, 'checkout', 'shared', 'data', 'sst2'), { recursive: true });
  writeFileSync(join(tmp, 'checkout', 'shared', 'data', 'sst2', 'train.tsv'), ['sentence\tlabel', ...randomSentences(12, 4, 8).map((t, i) => `${t}\t${i % 2}`)].join('\n') + '\n');
  afterEach(() => vi.restoreAllMocks());
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  it('fails naming both the options and the CLI flags when the fallback file is absent', async () => {
    vi.spyOn(process, 'cwd').mockReturnValue(without);
    for (const run of [() => resolveProgram({ modelDir: dir }), () => evaluateSecure({ modelDir: dir, dataPath: join(without, 'dev.tsv') })]) {
      const e = await run().then(() => undefined, (x: unknown) => x);
      expect(e).toBeInstanceOf(FormatError);
      expect((e as Error).message).toMatch(/has no compiled program \(model\.lutmpc\): pass programPath \/ --program FILE or calibPath \/ --calib FILE\.tsv/);
      expect((e as Error).message).toContain(sharedTrainTsv());
    }
  });

  it('calibrates on the fallback file, saying so through warn', async () => {
    vi.spyOn(process, 'cwd').mockReturnValue(withShared);
    const warnings: string[] = [];
    const m = await resolveProgram({ modelDir: dir, calibLimit: 8, warn: (w) => warnings.push(w) });
    expect(m.source).toBe(`compiled from ${sharedTrainTsv()} (8 sentences, bits 8)`);
    expect(warnings).toContainEqual(expect.stringMatching(/^no model\.lutmpc in .*: calibrating on the first 8 lines of .*train\.tsv \(pass programPath \/ --program or calibPath \/ --calib to choose\)$/));
  });

  it('still warns, on process.emitWarning, when the caller passed no warn', async () => {
    vi.spyOn(process, 'cwd').mockReturnValue(withShared);
    const emit = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    await resolveProgram({ modelDir: dir, calibLimit: 8 });
    expect(emit).toHaveBeenCalledWith(expect.stringMatching(/calibrating on the first 8 lines of .*train\.tsv/), { code: 'LUTMPC_DEFAULT_CALIBRATION' });
  });
});
