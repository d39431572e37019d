/**
 * mulPrescaled: a ⊙ b from an unopened a, the unopened a·ρ_b (tables the
 * dealer built knowing b's mask, dealt by freshMask before b's requant) and
 * a masked b — the LayerNorm product d·(1/σ) without opening d. Exact
 * against intops.requant, per-row b broadcast as in LayerNorm; declared cost
 * equals the counters; what P1 and P2 receive is uniform.
 */
import { describe, expect, it } from 'vitest';
import { requant, requantOffline, type RequantSpec } from '../../src/mpc/lut/requant.js';
import { ownRounds } from '../../src/mpc/lut/stages.js';
import { requant as intRequant, S_MAX, type Requant } from '../../src/model/intops.js';
import { freshMask, freshMaskOffline } from '../../src/mpc/protocols/fresh-mask.js';
import { mulPrescaled, mulPrescaledCost, mulPrescaledOffline } from '../../src/mpc/protocols/mul-prescaled.js';
import { inRound } from '../../src/mpc/round.js';
import type { Masked, MaskedShare } from '../../src/mpc/sharing.js';
import { big, runLut, uniformBytesP } from './helpers.js';

const rows = 6, cols = 10, n = rows * cols, bits = 8;

function accumulators(len: number, seed: number): Int32Array {
  const y = new Int32Array(len);
  for (let i = 0; i < len; i++) y[i] = ((((i * 37 + seed * 11) % 256) - 128) * 2 ** S_MAX + ((i * 7919 + seed) % 2 ** S_MAX)) | 0;
  y[0] = -(2 ** 31);
  y[1] = -1;
  return y;
}

/** Per-channel int8-like tables with negative entries (wrap-around in Z_2^32). */
function table(channels: number, f: (q: number, c: number) => number): Int32Array {
  const t = new Int32Array(channels * 256);
  for (let c = 0; c < channels; c++) for (let j = 0; j < 256; j++) t[c * 256 + j] = f(j >= 128 ? j - 256 : j, c);
  return t;
}

const u32 = (a: Int32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);

describe('mulPrescaled', () => {
  it('d ⊙ (1/σ broadcast per row) equals the plaintext product; d is never opened; cost exact', async () => {
    const ya = accumulators(n, 1);
    const yb = accumulators(rows, 2); // one value per row, as 1/σ
    const rqa: Requant = { bits, shifts: Int32Array.of(S_MAX), channels: cols, tables: [table(cols, (q, c) => q * (c + 1) - 3)] };
    const rqb: Requant = { bits, shifts: Int32Array.of(S_MAX), channels: 1, tables: [table(1, (q) => 1000 * q + 77)] };
    const [a] = intRequant(ya, cols, rqa, true);
    const [b] = intRequant(yb, 1, rqb, true);
    const want = Uint32Array.from({ length: n }, (_, e) => Math.imul(a![e]!, b![Math.floor(e / cols)]!) >>> 0);
    const specA: RequantSpec = { s: S_MAX, bits, outputs: 2, l: 32 };
    const specB: RequantSpec = { s: S_MAX, bits, outputs: 1, l: 32 };
    const received: Uint8Array[] = [];
    const { outs, cl } = await runLut(
      [{ l: 32, shape: [rows, cols], value: u32(ya) }, { l: 32, shape: [rows, 1], value: u32(yb) }],
      {
        offline: async (off, p, [ra, rb]) => {
          const rho = await freshMaskOffline(off, 32, [rows, 1]);
          let tables;
          if (p.id === 'P0') {
            const ta = u32(rqa.tables[0]!);
            const scaled = new Uint32Array(n * 256);
            for (let e = 0; e < n; e++) for (let j = 0; j < 256; j++) scaled[e * 256 + j] = Math.imul(ta[(e % cols) * 256 + j]!, (rho.r as Uint32Array)[Math.floor(e / cols)]!) >>> 0;
            tables = [{ data: ta, channels: cols }, { data: scaled, channels: n }];
          }
          const [am, aRho] = await requantOffline(off, ra!, specA, tables);
          const [bm] = await requantOffline(off, rb!, specB, p.id === 'P0' ? [{ data: u32(rqb.tables[0]!), channels: 1 }] : undefined, undefined, [rho]);
          expect(bm!.r).toBe(rho.r);
          const bFull = { l: 32 as const, shape: [rows, cols], r: Uint32Array.from({ length: n }, (_, e) => (bm!.r as Uint32Array)[Math.floor(e / cols)]!) };
          void aRho;
          return [await mulPrescaledOffline(off, am!, bFull)];
        },
        online: async (p, [va, vb]) => {
          p.label = 'pre';
          freshMask(p, 32, [rows, 1]);
          const [am, aRho] = await requant(ownRounds(p, 'pre'), va!, specA, { unopened: [0, 1] });
          const [bm] = (await requant(ownRounds(p, 'pre'), vb!, specB)) as Masked[];
          const bFull: Masked = { l: 32, shape: [rows, cols], m: Uint32Array.from({ length: n }, (_, e) => (bm!.m as Uint32Array)[Math.floor(e / cols)]!), r: new Uint32Array(n) };
          p.label = 'proto';
          const [z] = await inRound(p, 'proto', (r) => [mulPrescaled(r, am as MaskedShare, aRho as MaskedShare, bFull)]);
          received.push(new Uint8Array((z!.m as Uint32Array).buffer.slice(0)));
          return [z!];
        },
      },
    );
    expect(big(outs[0]!)).toEqual(big(want));
    // The protocol's own label: one exchange of n words each way, nothing offline.
    const c = mulPrescaledCost({ l: 32, n });
    for (const p of [cl.P1, cl.P2]) expect(p.acct.get('online', 'proto')).toMatchObject({ rounds: 1, bytesSent: 4 * n, bytesRecv: 4 * n });
    expect(c.online.messages.reduce((s, m) => s + m.bytes, 0)).toBe(8 * n);
    expect(c.offline.messages).toEqual([]);
    expect(uniformBytesP(received[0]!)).toBeGreaterThan(1e-4);
  });
});
