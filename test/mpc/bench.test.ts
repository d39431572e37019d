/** Smoke test of benchProtocols at small shapes: structure and exact counts (no timing goals here). */
import { describe, expect, it } from 'vitest';
import { benchProtocols, formatProtocolBench } from '../../src/bench/protocols.js';

describe('benchProtocols', () => {
  it('reports offline/online seconds, per-party bytes and rounds, and the plaintext ratio', async () => {
    const r = await benchProtocols({ quick: true, transports: ['inproc'], repeats: 1 });
    expect(r.rows.map((x) => `${x.protocol} ${x.shape}`)).toEqual(['matmulW 16x96x96', 'matmulW 16x96x384', 'mul 16x384', 'matmulRowScale 16x16x8']);
    expect(r.network.mode).toBe('computed');
    for (const x of r.rows) {
      const out = x.protocol === 'mul' ? 16 * 384 : 16 * Number(x.shape.split('x')[2]);
      expect(x.online.perParty['P1']).toEqual({ bytesSent: out * 4, bytesRecv: out * 4, msgsSent: 1, rounds: 1 });
      // matmulRowScale (m×k·k×n, here 16×16·16×8) also deals its cross terms: 2mn + mkn + mk words.
      const offWords = x.protocol === 'matmulRowScale' ? 2 * 16 * 8 + 16 * 16 * 8 + 16 * 16 : out;
      expect(x.offline.perParty['P0']!.bytesSent).toBe(offWords * 4);
      expect(x.costCheck.matches).toBe(true);
      expect(x.offline.perParty['P2']!.rounds).toBe(1);
      expect(x.online.seconds).toBeGreaterThan(0);
      expect(x.plaintextSeconds).toBeGreaterThan(0);
      expect(x.onlineOverPlaintext).toBeCloseTo(x.online.seconds / x.plaintextSeconds, 9);
      expect(x.online.wanSeconds).toBeCloseTo(0.04 + (out * 4 * 8) / 100e6, 9);
    }
    expect(formatProtocolBench(r)).toMatch(/matmulW 16x96x96 \[inproc\]/);
  });
});
