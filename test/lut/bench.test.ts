/**
 * The lookup-table bench rows run end to end on quick shapes and report the
 * counts the declared costs predict (no timing goals here).
 */
import { describe, expect, it } from 'vitest';
import { benchLutProtocols, lutPartsCost } from '../../src/bench/protocols-lut.js';
import { summarize } from '../../src/mpc/cost.js';
import { lutCost, lutMultiCost } from '../../src/mpc/lut/lut.js';
import { requantCost } from '../../src/mpc/lut/requant.js';
import { shiftCost } from '../../src/mpc/lut/shift.js';
import { rowMaxCost } from '../../src/mpc/lut/compare.js';
import { matmul1bCost } from '../../src/mpc/lut/onebit.js';

describe('bench rows (quick shapes)', () => {
  it('every row runs; offline/online bytes and rounds match the declared costs', async () => {
    const rows = await benchLutProtocols({ quick: true, repeats: 1 });
    const by = (p: string) => rows.find((r) => r.protocol === p)!;
    const want: Record<string, ReturnType<typeof summarize>> = {
      lut8: summarize(lutCost({ n: 4 * 96, bits: 8, l: 8 })),
      lut2: summarize(lutMultiCost({ n: 2 * 8 * 8, bits: [4, 4], l: 16 })),
      shift: summarize(shiftCost({ n: 4 * 96, w: 32, s: 8, signed: true })),
      shiftIdx: summarize(shiftCost({ n: 4 * 96, w: 32, s: 24, outBits: 8 })),
      requant: summarize(requantCost({ n: 4 * 96, w: 32, s: 24, bits: 8, outputs: 1, l: 8 })),
      rowMax: summarize(rowMaxCost({ rows: 16, cols: 8, w: 8, l: 16 })),
      matmul1b: summarize(matmul1bCost({ l: 32, m: 8, k: 96, n: 192 })),
    };
    for (const [p, w] of Object.entries(want)) {
      const r = by(p);
      expect(r, p).toBeDefined();
      expect({ p, off: r.offline.perParty['P0']!.bytesSent, on: r.online.perParty['P1']!.bytesSent * 2, rounds: r.online.perParty['P1']!.rounds }).toEqual({
        p,
        off: w.offline.bytes,
        on: w.online.bytes,
        rounds: w.online.rounds,
      });
    }
    // lut12 is dealt in two parts (two flushes), both re-masks in one round.
    const l12 = by('lut12');
    expect(l12.offline.perParty['P0']!.bytesSent).toBe(4 * 96 * 4096);
    expect(l12.offline.perParty['P2']!.rounds).toBe(2);
    expect(l12.online.perParty['P1']!.rounds).toBe(1);
    expect(l12.costCheck.matches, l12.costCheck.mismatches.join('; ')).toBe(true);
    expect(summarize(lutPartsCost(2, 2 * 96, 12, 8)).offline.bytes).toBe(4 * 96 * 4096);
    expect(by('matmul1b').onlineOver32).toBeGreaterThan(0);
  });
});
