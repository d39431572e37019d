/**
 * What P1 and P2 receive is uniformly random bytes: online (masked openings,
 * the client's input share) and offline (P0's corrections), for a real
 * program whose plaintext activations are small integers — any opened
 * unmasked value (an int8 in a 32-bit word, a shift, a table entry) would
 * skew the byte histogram.
 */
import { describe, expect, it } from 'vitest';
import { InProcessSecure } from '../../src/secure/inprocess.js';
import { concatBytes, uniformBytesP } from '../lut/helpers.js';
import { compileRandom, idsOfLength } from './helpers.js';

describe('views of the compute parties', () => {
  it.each(['chain', 'select'] as const)('every byte P1 and P2 receive, online and offline, is uniform (borrow %s)', async (borrow) => {
    const { program } = compileRandom({ layers: 1, hidden: 32, heads: 2, intermediate: 64, maxPositions: 16, seed: 51 });
    const seen: Record<string, Uint8Array[]> = { P1: [], P2: [] };
    const watch = (id: 'P1' | 'P2') => ({ onReceive: (_from: string, tag: string, payload: Uint8Array) => void (tag.startsWith('setup:') || seen[id]!.push(payload.slice())) });
    const s = await InProcessSecure.start(program, 'inproc', { party: { P1: watch('P1'), P2: watch('P2') } }, { borrow });
    try {
      await s.infer(idsOfLength(16, program.config.vocabSize, 3));
    } finally {
      await s.close();
    }
    for (const id of ['P1', 'P2']) {
      const all = concatBytes(seen[id]!);
      expect(all.length).toBeGreaterThan(20_000);
      expect(uniformBytesP(all)).toBeGreaterThan(1e-4);
    }
  });
});
