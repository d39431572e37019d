/**
 * The shared bert-tiny-sst2 model on a few SST-2 dev sentences: the secure
 * logits equal the integer reference exactly (eval --mode secure's function).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateSecure } from '../../src/secure/evaluate.js';

const SHARED = path.resolve(process.cwd(), '../shared');
const MODEL = path.join(SHARED, 'models/bert-tiny-sst2');
const present = existsSync(path.join(MODEL, 'config.json')) && existsSync(path.join(SHARED, 'data/sst2/dev.tsv'));
if (!present) console.warn(`skipping the shared-model secure tests: ${MODEL} or its SST-2 data is absent`);

describe.skipIf(!present)('secure forward on the shared bert-tiny-sst2', () => {
  it('equals the integer reference exactly on the first 4 dev sentences', async () => {
    const r = await evaluateSecure({ modelDir: MODEL, dataPath: path.join(SHARED, 'data/sst2/dev.tsv'), limit: 4, calibPath: path.join(SHARED, 'data/sst2/train.tsv'), calibLimit: 64 });
    for (const s of r.sentences) expect({ i: s.index, logits: s.logits }).toEqual({ i: s.index, logits: s.reference });
    expect(r.allExact).toBe(true);
    expect(r.n).toBe(4);
    expect(r.mean.rounds).toBe(19 + 44 * 2);
  });
});
