/**
 * The declared cost of the whole secure forward (cost.ts, a formula of the
 * shapes) equals the measured counters exactly, per label and phase, at
 * chunks 8 and 12, with the default (select) and the chain borrow, with the
 * last borrow or the index opened (borrowOut: everywhere, per role, and
 * the default that opens the LayerNorm centre's index); the logits stay exact.
 */
import { describe, expect, it } from 'vitest';
import type { Borrow } from '../../src/mpc/lut/requant.js';
import type { BorrowOut } from '../../src/mpc/lut/borrow-chain.js';
import { getKernels } from '../../src/kernels/loader.js';
import { IntBert } from '../../src/model/int-bert.js';
import { InProcessSecure } from '../../src/secure/inprocess.js';
import { LABELS, secureForwardCost } from '../../src/secure/cost.js';
import type { BorrowOutPlan } from '../../src/secure/forward.js';
import { publicShape } from '../../src/secure/session.js';
import { compileRandom, idsOfLength } from './helpers.js';

describe.each([
  { o: { layers: 2, hidden: 32, heads: 2, intermediate: 64, maxPositions: 16, seed: 31 }, T: 5, chunk: 8 },
  { o: { layers: 1, hidden: 32, heads: 4, intermediate: 64, maxPositions: 16, numLabels: 3, seed: 32 }, T: 3, chunk: 12 },
  { o: { layers: 2, hidden: 32, heads: 2, intermediate: 64, maxPositions: 16, seed: 33 }, T: 4, chunk: 8, borrow: 'chain' as Borrow },
  { o: { layers: 1, hidden: 32, heads: 2, intermediate: 64, maxPositions: 16, seed: 34 }, T: 4, chunk: 8, borrowOut: 'index' as BorrowOut },
  { o: { layers: 1, hidden: 32, heads: 2, intermediate: 64, maxPositions: 16, seed: 35 }, T: 3, chunk: 8, borrow: 'chain' as Borrow, borrowOut: 'index' as BorrowOut },
  { o: { layers: 1, hidden: 32, heads: 2, intermediate: 64, maxPositions: 16, seed: 36 }, T: 4, chunk: 8, borrowOut: 'bit' as BorrowOut },
  { o: { layers: 1, hidden: 32, heads: 2, intermediate: 64, maxPositions: 16, seed: 37 }, T: 3, chunk: 8, borrowOut: { score: 'index', ctx: 'index', lnInv: 'index' } as BorrowOutPlan },
])('declared cost, %o', ({ o, T, chunk, borrow, borrowOut }: { o: Parameters<typeof compileRandom>[0]; T: number; chunk: number; borrow?: Borrow; borrowOut?: BorrowOutPlan }) => {
  it('equals the counters of every label (bytes, rounds; online and offline) and the weight setup', async () => {
    const { program } = compileRandom(o);
    const sh = publicShape(program.config);
    const s = await InProcessSecure.start(program, 'inproc', {}, { chunk, borrow, borrowOut });
    try {
      const ids = idsOfLength(T, sh.vocab, 5);
      const run = await s.infer(ids);
      expect(Array.from(run.logits)).toEqual(Array.from((await new IntBert(program, getKernels()).forward(ids)).logits));
      const [P0, P1, P2, C] = [s.cl.P0, s.cl.P1, s.cl.P2, s.cl.C].map((p) => p.acct);
      const want = secureForwardCost(sh, T, { chunk, borrow, borrowOut });
      for (const label of LABELS) {
        const on = [P1!, P2!, C!].reduce((a, p) => a + p.get('online', label).bytesSent, 0);
        const got = {
          label,
          online: { bytes: on, rounds: P2!.get('online', label).rounds },
          offline: { bytes: P0!.get('offline', label).bytesSent, rounds: P2!.get('offline', label).rounds },
        };
        expect(got).toEqual({ label, ...want.labels[label] });
        expect(P1!.get('online', label).rounds).toBe(want.labels[label].online.rounds);
      }
      expect({ bytes: P0!.get('offline', 'weights').bytesSent, rounds: P2!.get('offline', 'weights').rounds }).toEqual(want.weights);
      expect(P2!.total('online').rounds).toBe(want.total.online.rounds);
      // The forward.ts formula: 19 + 44·N (default select: the context requant's borrow in 2 rounds), 19 + 45·N (chain: 3).
      if (chunk === 8) expect(want.total.online.rounds).toBe(borrow === 'chain' ? 19 + 45 * o.layers! : 19 + 44 * o.layers!);
    } finally {
      await s.close();
    }
  });
});
