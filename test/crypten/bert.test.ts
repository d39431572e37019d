/**
 * BERT under CrypTen's algorithms: a random model against the float
 * reference (same weights), the per-label accounting, and accuracy on the
 * shared SST-2 model (skipped with a message when ../shared is absent).
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadHfBert } from '../../src/model/hf-folder.js';
import { writeRandomBert } from '../../src/model/random-bert.js';
import { argmax } from '../../src/model/int-bert.js';
import { CryptenBertSession, shapeOfConfig } from '../../src/crypten/session.js';
import { evaluateCrypten } from '../../src/crypten/evaluate.js';

describe('CrypTen BERT forward', () => {
  it('the [CLS]-only last layer gives the same logits as the full last layer (up to fixed-point noise)', async () => {
    const dir = writeRandomBert({ layers: 1, hidden: 16, heads: 2, intermediate: 32, maxPositions: 8, seed: 9 });
    const m = loadHfBert(dir);
    const ids = [2, 7, 9, 3];
    const s = await CryptenBertSession.open(shapeOfConfig(m.config), 8, m.model.weights);
    try {
      const a = await s.infer(ids);
      const b = await s.infer(ids, { clsOnlyLastLayer: false });
      for (let j = 0; j < a.logits.length; j++) expect(Math.abs(a.logits[j]! - b.logits[j]!)).toBeLessThan(0.02);
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('random 2-layer model: logits close to the float model, labelled accounting', async () => {
    const dir = writeRandomBert({ layers: 2, hidden: 32, heads: 2, intermediate: 64, maxPositions: 16, seed: 5 });
    const m = loadHfBert(dir);
    const ids = [2, 7, 9, 12, 5, 3];
    const s = await CryptenBertSession.open(shapeOfConfig(m.config), 16, m.model.weights);
    try {
      const r = await s.infer(ids);
      const f = m.model.forward(ids);
      for (let j = 0; j < f.length; j++) expect(Math.abs(r.logits[j]! - f[j]!)).toBeLessThan(0.1);
      expect(argmax(r.logits)).toBe(argmax(f));
      const p1 = s.reports()[1]!;
      const labels = Object.keys(p1.phases['online']!.labels).sort();
      const perLayer = ['attn', 'ffn', 'gelu', 'ln', 'proj', 'qkv', 'softmax'];
      expect(labels).toEqual(['cls', 'embed', 'pooler', ...perLayer, ...perLayer.map((l) => `${l}:last`)].sort());
      // the TTP never takes part online; only P2 receives offline corrections
      expect(s.reports()[0]!.phases['online']).toBeUndefined();
      expect(p1.phases['offline']?.total.bytesRecv ?? 0).toBe(0);
      expect(s.reports()[2]!.phases['offline']!.total.bytesRecv).toBeGreaterThan(0);
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const shared = path.resolve(process.cwd(), '../shared');
const haveShared = existsSync(path.join(shared, 'models/bert-tiny-sst2/config.json')) && existsSync(path.join(shared, 'data/sst2/dev.tsv'));
if (!haveShared) console.warn(`test/crypten/bert.test.ts: ${shared} is absent — skipping the SST-2 accuracy check of the CrypTen baseline`);

describe.skipIf(!haveShared)('CrypTen BERT on the shared SST-2 model', () => {
  it('first 6 dev sentences: same predictions as the float model', async () => {
    const r = await evaluateCrypten({ modelDir: path.join(shared, 'models/bert-tiny-sst2'), dataPath: path.join(shared, 'data/sst2/dev.tsv'), limit: 6 });
    expect(r.n).toBe(6);
    expect(r.agreement).toBe(1);
    expect(r.maxLogitError).toBeLessThan(2);
  });
});
