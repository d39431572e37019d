/**
 * Requantization on masked int32 accumulators reproduces intops.requant
 * exactly (same integers): shared and per-channel tables, several outputs
 * from one index, n = 8 with the public S_MAX shift and n = 12 with s = 20,
 * nonlinear tables (GELU-, tanh-, exp-like contents). Costs equal counters;
 * a layer's requants in lockstep share rounds.
 */
import { describe, expect, it } from 'vitest';
import { requant, requantCost, requantOffline, type RequantSpec } from '../../src/mpc/lut/requant.js';
import type { BorrowOut } from '../../src/mpc/lut/borrow-chain.js';
import { lockstep, ownRounds, type RoundSeq } from '../../src/mpc/lut/stages.js';
import { requant as intRequant, S_MAX, type Requant } from '../../src/model/intops.js';
import type { Masked, MaskedShare } from '../../src/mpc/sharing.js';
import { big, expectCost, runLut } from './helpers.js';

/** Accumulators whose (y >> s) spans the whole n-bit window (and beyond: wrap), plus int32 edges. */
function accumulators(n: number, s: number, bits: number): Int32Array {
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const q = (i % 2 ** bits) - 2 ** (bits - 1) + (i % 7 === 0 ? 2 ** bits : 0);
    y[i] = q * 2 ** s + Math.floor(Math.random() * 2 ** s);
  }
  y[0] = -(2 ** 31);
  y[1] = 2 ** 31 - 1;
  y[2] = -1;
  y[3] = 0;
  return y;
}

/** Output tables of a quantizer: clip(round(f(q·scale)/outScale)) per channel, int32 entries. */
function tables(bits: number, channels: number, f: (v: number) => number, seed: number): Int32Array {
  const S = 2 ** bits;
  const t = new Int32Array(channels * S);
  for (let c = 0; c < channels; c++) {
    const scale = 0.01 * (1 + ((c * 7 + seed) % 5));
    for (let j = 0; j < S; j++) {
      const q = j >= S / 2 ? j - S : j;
      t[c * S + j] = Math.max(-128, Math.min(127, Math.round(f(q * scale) / 0.02)));
    }
  }
  return t;
}

const gelu = (v: number): number => 0.5 * v * (1 + Math.tanh(0.7978845608 * (v + 0.044715 * v ** 3)));

function u32(a: Int32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

describe('requant equals intops.requant', () => {
  for (const [bits, s, channels, fns, chunk, borrowOut] of [
    [8, S_MAX, 1, [gelu], 8, 'bit'],
    [8, S_MAX, 6, [Math.tanh, (v: number) => Math.exp(-Math.abs(v))], 8, 'bit'],
    [12, 20, 1, [(v: number) => v], 8, 'bit'],
    [8, S_MAX, 6, [gelu], 6, 'bit'],
    [8, S_MAX, 6, [Math.tanh, (v: number) => Math.exp(-Math.abs(v))], [10, 6, 8], 'index'],
    [12, 20, 1, [(v: number) => v], [12, 8], 'index'],
  ] as [number, number, number, ((v: number) => number)[], number | number[], BorrowOut][]) {
    it(`n=${bits}, s=${s}, ${channels} channel(s), ${fns.length} output(s), chunk ${JSON.stringify(chunk)}, last opening ${borrowOut}; cost exact`, async () => {
      const rows = 40, cols = 6;
      const y = accumulators(rows * cols, s, bits);
      const rq: Requant = { bits, shifts: Int32Array.of(s), channels, tables: fns.map((f, k) => tables(bits, channels, f, k)) };
      const want = intRequant(y, cols, rq, true);
      const spec: RequantSpec = { s, bits, outputs: fns.length, l: 32, chunk, borrowOut };
      const { outs, cl } = await runLut([{ l: 32, shape: [rows, cols], value: u32(y) }], {
        offline: (off, p, [ry]) => requantOffline(off, ry!, spec, p.id === 'P0' ? rq.tables.map((t) => ({ data: u32(t), channels })) : undefined),
        online: (p, [vy]) => requant(ownRounds(p, 'proto'), vy!, spec),
      });
      want.forEach((w, k) => expect(big(outs[k]!)).toEqual(big(u32(w))));
      expectCost(cl, requantCost({ n: rows * cols, w: 32, ...spec }));
    });
  }

  for (const [bits, z, chunk, borrow, rounds, borrowOut] of [
    [8, 8, 8, 'chain', 3, 'bit'],
    [8, 8, 8, 'select', 3, 'bit'],
    [8, 4, 10, 'chain', 3, 'bit'],
    [8, 0, 8, 'select', 3, 'bit'],
    [12, 5, 15, 'chain', 2, 'bit'],
    [8, 24, 8, 'chain', 1, 'bit'],
    [8, 8, [10, 6], 'chain', 3, 'index'],
    [8, 0, 8, 'select', 3, 'index'],
    [12, 5, 15, 'chain', 2, 'index'],
    [8, 24, 8, 'chain', 1, 'index'],
  ] as [number, number, number | number[], 'chain' | 'select', number, BorrowOut][]) {
    const s = 32 - bits;
    it(`zeroLow ${z} (y a multiple of 2^${z}), n=${bits}, s=${s}, chunk ${JSON.stringify(chunk)}, ${borrow}, last opening ${borrowOut}: ${rounds} round(s); cost exact`, async () => {
      const rows = 24, cols = 6;
      const y = accumulators(rows * cols, s, bits).map((v) => v & -(2 ** z));
      y[4] = -(2 ** z); // −1 at the kept bits: every borrow 1
      y[5] = 2 ** z; // the smallest nonzero value
      const rq: Requant = { bits, shifts: Int32Array.of(s), channels: cols, tables: [tables(bits, cols, gelu, 7)] };
      const [want] = intRequant(y, cols, rq, true);
      const spec: RequantSpec = { s, bits, outputs: 1, l: 32, chunk, borrow, zeroLow: z, borrowOut };
      const { outs, cl } = await runLut([{ l: 32, shape: [rows, cols], value: u32(y) }], {
        offline: (off, p, [ry]) => requantOffline(off, ry!, spec, p.id === 'P0' ? [{ data: u32(rq.tables[0]!), channels: cols }] : undefined),
        online: (p, [vy]) => requant(ownRounds(p, 'proto'), vy!, spec),
      });
      expect(big(outs[0]!)).toEqual(big(u32(want!)));
      expectCost(cl, requantCost({ n: rows * cols, w: 32, ...spec }));
      expect(cl.P1.acct.get('online', 'proto').rounds).toBe(rounds);
    });
  }

  it('zeroLow outside 0…s is refused', async () => {
    const y = { l: 32 as const, shape: [2, 2], m: new Uint32Array(4), r: new Uint32Array(4) };
    const seq = { party: {}, next: () => ({}) } as unknown as RoundSeq;
    await expect(requant(seq, y, { s: S_MAX, bits: 8, outputs: 1, l: 32, zeroLow: S_MAX + 1 })).rejects.toThrow(/zeroLow=25 must be an integer in 0…24/);
    await expect(requant(seq, y, { s: S_MAX, bits: 8, outputs: 1, l: 32, zeroLow: 1.5 })).rejects.toThrow(/zeroLow=1.5/);
  });

  it('a last output opened as row sums: the sums of intops.requant\'s rows, at rows·4 bytes; cost exact', async () => {
    const rows = 12, cols = 10, bits = 8;
    const y = accumulators(rows * cols, S_MAX, bits);
    const rq: Requant = { bits, shifts: Int32Array.of(S_MAX), channels: cols, tables: [tables(bits, cols, gelu, 1), tables(bits, cols, (v) => v * v, 2)] };
    const want = intRequant(y, cols, rq, true);
    const spec: RequantSpec = { s: S_MAX, bits, outputs: 2, l: 32, rowSumsOfLast: cols };
    const { outs, cl } = await runLut([{ l: 32, shape: [rows, cols], value: u32(y) }], {
      offline: (off, p, [ry]) => requantOffline(off, ry!, spec, p.id === 'P0' ? rq.tables.map((t) => ({ data: u32(t), channels: cols })) : undefined),
      online: (p, [vy]) => requant(ownRounds(p, 'proto'), vy!, spec),
    });
    expect(big(outs[0]!)).toEqual(big(u32(want[0]!)));
    const sums = Array.from({ length: rows }, (_, i) => BigInt(want[1]!.subarray(i * cols, (i + 1) * cols).reduce((a, b) => (a + b) | 0, 0) >>> 0));
    expect(big(outs[1]!)).toEqual(sums);
    expectCost(cl, requantCost({ n: rows * cols, w: 32, ...spec }));
    expect(() => requantCost({ n: rows * cols, w: 32, ...spec, rowSumsOfLast: 7 })).toThrow(/do not form rows of 7 columns/);
  });

  it('a residual left unopened and opened inside a later requant (plus): T_a(y1) + T_b(y2) with one opening; bytes exact', async () => {
    const rows = 10, cols = 8, bits = 8, n = rows * cols;
    const y1 = accumulators(n, S_MAX, bits);
    const y2 = accumulators(n, S_MAX, bits);
    const rq1: Requant = { bits, shifts: Int32Array.of(S_MAX), channels: cols, tables: [tables(bits, cols, gelu, 3), tables(bits, cols, Math.tanh, 4)] };
    const rq2: Requant = { bits, shifts: Int32Array.of(S_MAX), channels: cols, tables: [tables(bits, cols, (v) => v, 5)] };
    const [a0, a1] = intRequant(y1, cols, rq1, true);
    const [b0] = intRequant(y2, cols, rq2, true);
    const spec1: RequantSpec = { s: S_MAX, bits, outputs: 2, l: 32 };
    const spec2: RequantSpec = { s: S_MAX, bits, outputs: 1, l: 32 };
    const dealt = (t: Requant) => t.tables.map((d) => ({ data: u32(d), channels: cols }));
    const { outs, cl } = await runLut(
      [{ l: 32, shape: [rows, cols], value: u32(y1) }, { l: 32, shape: [rows, cols], value: u32(y2) }],
      {
        offline: async (off, p, [r1, r2]) => {
          const [h, res] = await requantOffline(off, r1!, spec1, p.id === 'P0' ? dealt(rq1) : undefined);
          const [sum] = await requantOffline(off, r2!, spec2, p.id === 'P0' ? dealt(rq2) : undefined, [res]);
          return [h, sum];
        },
        online: async (p, [v1, v2]) => {
          const [h, res] = await requant(ownRounds(p, 'proto'), v1!, spec1, { unopened: [1] });
          expect('m' in res!).toBe(false);
          const [sum] = await requant(ownRounds(p, 'proto'), v2!, spec2, { plus: [res as MaskedShare] });
          return [h as Masked, sum as Masked];
        },
      },
    );
    expect(big(outs[0]!)).toEqual(big(u32(a0!)));
    expect(big(outs[1]!)).toEqual(big(Uint32Array.from(b0!, (b, i) => (b + a1![i]!) >>> 0)));
    const sent = (c: ReturnType<typeof requantCost>) => c.online.messages.filter((m) => m.from === 'P1').reduce((a, m) => a + m.bytes, 0);
    const want = sent(requantCost({ n, w: 32, ...spec1, unopened: [1] })) + sent(requantCost({ n, w: 32, ...spec2 }));
    expect(cl.P1.acct.get('online', 'proto').bytesSent).toBe(want);
    expect(want).toBe(sent(requantCost({ n, w: 32, ...spec1 })) + sent(requantCost({ n, w: 32, ...spec2 })) - 4 * n);
  });

  it('rejects an addend of the wrong size and an unopened output out of range', async () => {
    const spec: RequantSpec = { s: S_MAX, bits: 8, outputs: 1, l: 32 };
    const y = { l: 32 as const, shape: [2, 2], m: new Uint32Array(4), r: new Uint32Array(4) };
    const seq = { party: {}, next: () => ({}) } as unknown as RoundSeq;
    await expect(requant(seq, y, spec, { unopened: [1] })).rejects.toThrow(/unopened output 1 outside 0..0/);
    await expect(requant(seq, y, spec, { plus: [undefined, undefined] })).rejects.toThrow(/2 addends for 1 output/);
  });

  it('int8 outputs in Z_2^8 and a layer of three requants in lockstep (4 rounds in all: 3 borrow + 1)', async () => {
    const rows = 16, cols = 6, bits = 8;
    const ys = [0, 1, 2].map(() => accumulators(rows * cols, S_MAX, bits));
    const rqs: Requant[] = ys.map((_, k) => ({ bits, shifts: Int32Array.of(S_MAX), channels: cols, tables: [tables(bits, cols, gelu, k)] }));
    const spec: RequantSpec = { s: S_MAX, bits, outputs: 1, l: 8 };
    const { outs, cl } = await runLut(
      ys.map((y) => ({ l: 32, shape: [rows, cols], value: u32(y) })),
      {
        offline: async (off, p, rys) => {
          const o = [];
          for (let k = 0; k < 3; k++) o.push(await requantOffline(off, rys[k]!, spec, p.id === 'P0' ? [{ data: new Uint8Array(rqs[k]!.tables[0]!), channels: cols }] : undefined));
          return o;
        },
        online: async (p, vys) => {
          const res = await lockstep(p, 'proto', vys.map((v) => (seq: RoundSeq) => requant(seq, v, spec)));
          return res.flat();
        },
      },
    );
    ys.forEach((y, k) => expect(big(outs[k]!)).toEqual(big(new Uint8Array(intRequant(y, cols, rqs[k]!, true)[0]!))));
    const c = cl.P1.acct.get('online', 'proto');
    expect(c.rounds).toBe(4);
    expect(c.msgsSent).toBe(4);
  });
});
