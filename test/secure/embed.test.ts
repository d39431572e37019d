/**
 * The factored embedding input (embed.ts): the client's two small one-hots
 * multiply out to the id's one-hot for every id of a vocabulary (and for
 * vocabulary sizes that are and are not A·B), bad ids are named, and the
 * secure forward is exact on the edge ids 0, V − 1, B − 1 and B.
 */
import { describe, expect, it } from 'vitest';
import { getKernels } from '../../src/kernels/loader.js';
import { IntBert } from '../../src/model/int-bert.js';
import { embedFactors, factoredOneHot } from '../../src/secure/embed.js';
import { InProcessSecure } from '../../src/secure/inprocess.js';
import { compileRandom } from './helpers.js';

describe('factored one-hot', () => {
  it.each([1, 2, 7, 16, 17, 300, 30522])('V = %i: A·B ≥ V, and xa ⊗ xb is the one-hot of every id', (V) => {
    const { A, B } = embedFactors(V);
    expect(A * B).toBeGreaterThanOrEqual(V);
    expect((A - 1) * B).toBeLessThan(V);
    const ids = V <= 300 ? Array.from({ length: V }, (_, i) => i) : [0, 1, B - 1, B, V - 2, V - 1];
    const [xa, xb] = factoredOneHot(ids, V);
    ids.forEach((id, t) => {
      const ones: number[] = [];
      for (let a = 0; a < A; a++) for (let b = 0; b < B; b++) if (xa[t * A + a]! * xb[t * B + b]! === 1) ones.push(a * B + b);
      expect(ones).toEqual([id]);
    });
  });

  it('names ids outside the vocabulary', () => {
    expect(() => factoredOneHot([3, 10], 10)).toThrow(/token id 10 is outside the vocabulary 0..9/);
    expect(() => factoredOneHot([-1], 10)).toThrow(/token id -1/);
    expect(() => factoredOneHot([1.5], 10)).toThrow(/token id 1.5/);
  });
});

describe('secure embedding at the edges of the factorisation', () => {
  it('ids 0, V − 1, B − 1 and B: logits equal the integer reference', async () => {
    const { program } = compileRandom({ layers: 1, hidden: 32, heads: 2, intermediate: 64, maxPositions: 16, seed: 61 });
    const V = program.config.vocabSize;
    const { B } = embedFactors(V);
    const ids = [0, V - 1, B - 1, B, V - 1, 0];
    const ref = await new IntBert(program, getKernels()).forward(ids);
    const s = await InProcessSecure.start(program);
    try {
      expect(Array.from((await s.infer(ids)).logits)).toEqual(Array.from(ref.logits));
    } finally {
      await s.close();
    }
  });
});
