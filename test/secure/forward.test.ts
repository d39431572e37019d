/**
 * The secure forward (three parties + client in one process) reproduces the
 * integer reference's logits exactly, on random BERTs of several shapes,
 * weight widths and sequence lengths.
 */
import { describe, expect, it } from 'vitest';
import { getKernels } from '../../src/kernels/loader.js';
import { IntBert } from '../../src/model/int-bert.js';
import { InProcessSecure } from '../../src/secure/inprocess.js';
import { compileRandom, idsOfLength } from './helpers.js';

const cases = [
  { name: '2 layers, H 32, 2 heads, FFN 64, 8-bit', o: { layers: 2, hidden: 32, heads: 2, intermediate: 64, maxPositions: 16, seed: 21 }, Ts: [2, 5, 9] },
  { name: '1 layer, H 48, 4 heads, FFN 96, 3 labels, relu', o: { layers: 1, hidden: 48, heads: 4, intermediate: 96, maxPositions: 16, numLabels: 3, seed: 22, hiddenAct: 'relu' as const }, Ts: [2, 9] },
  {
    name: '2 layers, H 64, 1 head, FFN 128, 4-bit and 1-bit weights',
    o: { layers: 2, hidden: 64, heads: 1, intermediate: 128, maxPositions: 16, seed: 23 },
    bits: { 'l0.ffn1': 4 as const, 'l0.ffn2': 4 as const, 'l1.ffn1': 1 as const, 'l1.q': 1 as const, 'l0.v': 4 as const, pooler: 1 as const },
    Ts: [5],
  },
];

describe.each(cases)('secure forward: $name', ({ o, bits, Ts }) => {
  const { program } = compileRandom(o, bits);
  it.each(Ts)('T = %i: secure int32 logits equal the integer reference', async (T) => {
    const ids = idsOfLength(T, program.config.vocabSize, 1000 + T);
    const ref = await new IntBert(program, getKernels()).forward(ids);
    const s = await InProcessSecure.start(program);
    try {
      const run = await s.infer(ids);
      expect(Array.from(run.logits)).toEqual(Array.from(ref.logits));
    } finally {
      await s.close();
    }
  });
});

describe('streamed offline/online (segments alternate at flush points)', () => {
  const { program } = compileRandom({ layers: 2, hidden: 32, heads: 2, intermediate: 64, maxPositions: 16, seed: 24 });
  it('gives the same logits and the same online traffic as the phased run', async () => {
    const ids = idsOfLength(7, program.config.vocabSize, 99);
    const ref = await new IntBert(program, getKernels()).forward(ids);
    const runs = [];
    for (const stream of [false, true]) {
      const s = await InProcessSecure.start(program);
      try {
        const r = await s.infer(ids, { stream });
        runs.push({ logits: Array.from(r.logits), online: s.reports().map((x) => x.phases['online']), offline: s.reports().map((x) => x.phases['offline']?.labels), ms: [r.offlineMs, r.onlineMs] });
      } finally {
        await s.close();
      }
    }
    expect(runs[1]!.logits).toEqual(Array.from(ref.logits));
    expect(runs[1]!.online).toEqual(runs[0]!.online);
    // Offline: the same corrections per label, plus P2's one-byte 'sync' messages to P0.
    const sync = runs[1]!.offline[2]!['sync']!;
    expect(sync.bytesSent).toBe(sync.msgsSent);
    for (let p = 0; p < 3; p++) {
      const { sync: _s, ...rest } = runs[1]!.offline[p] ?? {};
      void _s;
      expect(rest).toEqual(runs[0]!.offline[p] ?? {});
    }
    expect(runs[1]!.ms.every((x) => x > 0)).toBe(true);
  });
});
