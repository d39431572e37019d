/**
 * The shared real BERT-tiny (SST-2): tokenizer ids and float logits against
 * the stored reference, and a small integer-program check (the full dev-set
 * accuracy runs belong in the CLI: `lutmpc eval`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tsKernels } from '../../src/kernels/ts.js';
import { calibrate } from '../../src/model/calibrate.js';
import { readTsv } from '../../src/model/data.js';
import { loadHfBert } from '../../src/model/hf-folder.js';
import { IntBert, argmax } from '../../src/model/int-bert.js';
import { compileProgram } from '../../src/model/quantize.js';

const shared = resolve(process.cwd(), '../shared');
const modelDir = resolve(shared, 'models/bert-tiny-sst2');
const have = existsSync(resolve(modelDir, 'model.safetensors')) && existsSync(resolve(shared, 'data/sst2/train.tsv'));
if (!have) console.warn(`skipping shared-model tests: ${modelDir} or ../shared/data is absent`);

describe.skipIf(!have)('shared bert-tiny-sst2', () => {
  const m = have ? loadHfBert(modelDir) : undefined!;
  const refs = have
    ? readFileSync(resolve(modelDir, 'reference_logits.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { text: string; label: number; input_ids: number[]; logits: number[] })
    : [];

  it('tokenizer reproduces the reference input ids for all 64 sentences', () => {
    expect(refs.length).toBe(64);
    for (const r of refs) expect(m.tokenizer.encode(r.text, m.config.maxPositions).ids).toEqual(r.input_ids);
  });

  it('float logits match the reference within 1e-4', () => {
    let worst = 0;
    for (const r of refs) {
      const lg = m.model.forward(r.input_ids);
      for (let i = 0; i < lg.length; i++) worst = Math.max(worst, Math.abs(lg[i]! - r.logits[i]!));
    }
    expect(worst).toBeLessThan(1e-4);
  });

  it('int8 program (calibrated on 128 train sentences) agrees with float on the 64 reference sentences', async () => {
    const calib = readTsv(resolve(shared, 'data/sst2/train.tsv'), 128).map((e) => m.tokenizer.encode(e.text, m.config.maxPositions).ids);
    const program = compileProgram(m.model, calibrate(m.model, calib));
    const ib = new IntBert(program, tsKernels);
    let agree = 0;
    let correct = 0;
    for (const r of refs) {
      const q = argmax((await ib.forward(r.input_ids)).logits);
      if (q === argmax(r.logits)) agree++;
      if (q === r.label) correct++;
    }
    expect(agree).toBeGreaterThanOrEqual(61);
    expect(correct).toBeGreaterThanOrEqual(45);
    expect(ib.wraps.wrapped / ib.wraps.checked).toBeLessThan(1e-3);
  });
});
