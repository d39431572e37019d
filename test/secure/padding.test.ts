/**
 * Padding: P0 deals for a public number of positions and the client pads its
 * ids to it, so the dealer never learns the token count (design card §1);
 * P1 and P2 zero the padded attention keys. The logits must equal the
 * integer reference's for the UNPADDED ids, bit for bit, and the views of the
 * compute parties must stay independent of the secrets.
 */
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/errors.js';
import { getKernels } from '../../src/kernels/loader.js';
import { IntBert } from '../../src/model/int-bert.js';
import { InProcessSecure } from '../../src/secure/inprocess.js';
import { padIds } from '../../src/secure/session.js';
import { expectViewsIndependent } from '../mpc/views.js';
import { compileRandom, idsOfLength } from './helpers.js';
import type { RandomBertOptions } from '../../src/model/random-bert.js';

const shapes: { name: string; o: RandomBertOptions; cases: [number, number][] }[] = [
  { name: '2 layers, H 32, 2 heads', o: { layers: 2, hidden: 32, heads: 2, intermediate: 64, maxPositions: 16, seed: 31 }, cases: [[2, 16], [5, 8], [9, 16], [15, 16]] },
  { name: '1 layer, H 48, 4 heads, 3 labels', o: { layers: 1, hidden: 48, heads: 4, intermediate: 96, maxPositions: 12, numLabels: 3, seed: 32 }, cases: [[3, 12], [11, 12]] },
];

describe.each(shapes)('padded secure forward: $name', ({ o, cases }) => {
  const { program } = compileRandom(o);
  it.each(cases)('%i tokens padded to %i positions: the logits equal the reference for the unpadded ids', async (n, T) => {
    const ids = idsOfLength(n, program.config.vocabSize, 500 + n);
    const ref = await new IntBert(program, getKernels()).forward(ids);
    const s = await InProcessSecure.start(program);
    try {
      const padded = await s.infer(ids, { padTo: T });
      expect(Array.from(padded.logits)).toEqual(Array.from(ref.logits));
      // Without the key masking the padded forward is the forward of other ids: the test can fail.
      const raw = await new IntBert(program, getKernels()).forward(padIds(ids, T));
      expect(Array.from(raw.logits)).not.toEqual(Array.from(ref.logits));
    } finally {
      await s.close();
    }
  }, 60_000);
});

describe('padding', () => {
  const { program } = compileRandom({ layers: 1, hidden: 32, heads: 2, intermediate: 64, maxPositions: 16, seed: 33 });

  it('the streamed phases pad the same way', async () => {
    const ids = idsOfLength(6, program.config.vocabSize, 7);
    const ref = await new IntBert(program, getKernels()).forward(ids);
    const s = await InProcessSecure.start(program);
    try {
      expect(Array.from((await s.infer(ids, { padTo: 14, stream: true })).logits)).toEqual(Array.from(ref.logits));
    } finally {
      await s.close();
    }
  });

  it('refuses more tokens than positions, ids outside the vocabulary and lengths past the model’s, before any dealing', async () => {
    expect(() => padIds([1, 2, 3], 2)).toThrow(ShapeError);
    const s = await InProcessSecure.start(program);
    try {
      await expect(s.infer(idsOfLength(9, program.config.vocabSize, 1), { padTo: 8 })).rejects.toThrow(/9 tokens do not fit 8 positions/);
      await expect(s.infer([2, program.config.vocabSize, 3])).rejects.toThrow(/outside the model's vocabulary/);
      await expect(s.infer([2, 5, 3], { padTo: 99 })).rejects.toThrow(/outside 1\.\.16/);
      // Refused before any dealing: the session stays usable.
      const ids = idsOfLength(4, program.config.vocabSize, 9);
      const ref = await new IntBert(program, getKernels()).forward(ids);
      expect(Array.from((await s.infer(ids, { padTo: 8 })).logits)).toEqual(Array.from(ref.logits));
    } finally {
      await s.close().catch(() => undefined);
    }
  });

  it('what P1 and P2 see stays independent of the secrets (their own randomness fixed)', async () => {
    const b = compileRandom({ layers: 1, hidden: 32, heads: 2, intermediate: 64, maxPositions: 16, seed: 34 }).program;
    const secrets = { a: { program, ids: idsOfLength(5, program.config.vocabSize, 1) }, b: { program: b, ids: idsOfLength(9, b.config.vocabSize, 2) } };
    await expectViewsIndependent(
      'padded forward',
      async (w, party) => {
        const s = await InProcessSecure.start(secrets[w].program, 'inproc', { party });
        try {
          await s.infer(secrets[w].ids, { padTo: 12 });
        } finally {
          await s.close();
        }
      },
      { repeats: 1 },
    );
  }, 60_000);
});
