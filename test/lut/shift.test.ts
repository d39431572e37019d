/**
 * Exact shift, reduction and extension over three in-process parties:
 * bit-exact with `>>` (BigInt floor) on the plaintext for random inputs and
 * the edges −2^(l−1), −1, 0, 2^(l−1)−1; costs equal the counters; several
 * shifts in lockstep share rounds; bad widths fail with ShapeError.
 */
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/errors.js';
import type { RingArray, RingBits } from '../../src/kernels/types.js';
import { extend, extendCost, extendOffline, reduce, reduceMask, shift, shiftCost, shiftOffline, type ShiftOptions } from '../../src/mpc/lut/shift.js';
import { lockstep, ownRounds } from '../../src/mpc/lut/stages.js';
import { inRound } from '../../src/mpc/round.js';
import { big, expectCost, randRing, ringOf, runLut } from './helpers.js';

const mod = (l: number, v: bigint): bigint => BigInt.asUintN(l, v);

function withEdges(l: RingBits, n: number): RingArray {
  const v = big(randRing(l, n));
  const h = 2n ** BigInt(l - 1);
  [-h, -h + 1n, -1n, 0n, 1n, h - 1n, h - 2n].forEach((e, i) => (v[i] = mod(l, e)));
  return ringOf(l, v);
}

function ref(l: number, x: bigint, o: ShiftOptions): bigint {
  const v = o.signed ? BigInt.asIntN(l, x) : x;
  return mod(o.outBits ?? l - o.s, v >> BigInt(o.s));
}

describe('exact shift', () => {
  const cases: [RingBits, ShiftOptions][] = [
    [32, { s: 8, signed: true }],
    [32, { s: 8, signed: false }],
    [32, { s: 24, signed: true, outBits: 8 }],
    [32, { s: 16, signed: true, chunk: 5 }],
    [32, { s: 24, signed: true, outBits: 8, chunk: [4, 4, 8, 8] }],
    [32, { s: 31, signed: true }],
    [64, { s: 32, signed: true }],
    [64, { s: 13, signed: false, outBits: 40, chunk: 7 }],
    [16, { s: 8, signed: true }],
    [8, { s: 3, signed: true, chunk: 1 }],
  ];
  for (const [l, o] of cases) {
    it(`Z_2^${l} >> ${o.s} (${o.signed ? 'signed' : 'unsigned'}, out ${o.outBits ?? l - o.s} bits, chunk ${String(o.chunk ?? 8)}); cost exact`, async () => {
      const n = 500;
      const x = withEdges(l, n);
      const { outs, cl } = await runLut([{ l, shape: [n], value: x }], {
        offline: (off, _p, [rx]) => shiftOffline(off, rx!, o),
        online: async (p, [vx]) => [await shift(ownRounds(p, 'proto'), vx!, o)],
      });
      const ob = o.outBits ?? l - o.s;
      expect(big(outs[0]!).map((v) => mod(ob, v))).toEqual(big(x).map((v) => ref(l, v, o)));
      expectCost(cl, shiftCost({ n, w: l, ...o }));
    });
  }

  it('three shifts in lockstep take as many rounds as the longest (3), one message each way per round', async () => {
    const n = 64;
    const x = withEdges(32, n);
    const opts: ShiftOptions[] = [{ s: 24, outBits: 8, signed: true }, { s: 8, signed: true }, { s: 12, chunk: 6 }];
    const { outs, cl } = await runLut([{ l: 32, shape: [n], value: x }], {
      offline: async (off, _p, [rx]) => Promise.all(opts.map((o) => shiftOffline(off, rx!, o))),
      online: async (p, [vx]) => lockstep(p, 'proto', opts.map((o) => (seq: Parameters<typeof shift>[0]) => shift(seq, vx!, o))),
    });
    opts.forEach((o, i) => expect(big(outs[i]!).map((v) => mod(o.outBits ?? 32 - o.s, v))).toEqual(big(x).map((v) => ref(32, v, o))));
    const c = cl.P1.acct.get('online', 'proto');
    expect(c.rounds).toBe(3);
    expect(c.msgsSent).toBe(3);
  });

  it('s = 0 and reduction are free and exact', async () => {
    const n = 100;
    const x = withEdges(32, n);
    const { outs, cl } = await runLut([{ l: 32, shape: [n], value: x }], {
      offline: async (off, _p, [rx]) => [await shiftOffline(off, rx!, { s: 0, outBits: 16 }), reduceMask(rx!, 8)],
      online: async (p, [vx]) => [await shift(ownRounds(p, 'proto'), vx!, { s: 0, outBits: 16 }), reduce(vx!, 8)],
    });
    expect(big(outs[0]!)).toEqual(big(x).map((v) => mod(16, v)));
    expect(big(outs[1]!)).toEqual(big(x).map((v) => mod(8, v)));
    expect(cl.P1.acct.get('online', 'proto').bytesSent).toBe(0);
    expect(cl.P0.acct.get('offline', 'proto').bytesSent).toBe(0);
  });

  it('bad widths → ShapeError', async () => {
    const { Offline } = await import('../../src/mpc/dealer.js');
    const { inprocCluster } = await import('../../src/mpc/cluster.js');
    const cl = await inprocCluster();
    const off = new Offline(cl.P0);
    const x = { l: 32 as RingBits, shape: [2], r: randRing(32, 2) };
    expect(() => shiftOffline(off, x, { s: 32 })).toThrow(ShapeError);
    expect(() => shiftOffline(off, x, { s: 33 })).toThrow(/not narrower/);
    expect(() => shiftOffline(off, x, { s: 8, outBits: 30 })).toThrow(ShapeError);
    expect(() => shiftOffline(off, x, { s: 8, chunk: [4, 3] })).toThrow(/does not sum/);
    expect(() => shiftOffline(off, x, { s: 20, chunk: [17, 3] })).toThrow(/1…16/);
    expect(() => extendOffline(off, x, { l: 64 })).toThrow(/16-bit table limit/);
    expect(() => extendOffline(off, { l: 16, shape: [2], r: randRing(16, 2) }, { l: 8 })).toThrow(/narrower/);
    await cl.close();
  });
});

describe('ring extension', () => {
  for (const [from, to, signed] of [
    [8, 32, true],
    [8, 32, false],
    [16, 64, true],
    [8, 16, true],
  ] as [RingBits, RingBits, boolean][]) {
    it(`Z_2^${from} → Z_2^${to} ${signed ? 'signed' : 'unsigned'}, every input (8-bit) / edges; cost exact`, async () => {
      const n = from === 8 ? 512 : 40;
      const x = from === 8 ? ringOf(8, Array.from({ length: n }, (_, i) => BigInt(i & 255))) : withEdges(from, n);
      const { outs, cl } = await runLut([{ l: from, shape: [n], value: x }], {
        offline: (off, _p, [rx]) => extendOffline(off, rx!, { l: to, signed }),
        online: (p, [vx]) => inRound(p, 'proto', (r) => [extend(r, vx!, { l: to, signed })]),
      });
      expect(big(outs[0]!)).toEqual(big(x).map((v) => mod(to, signed ? BigInt.asIntN(from, v) : v)));
      expectCost(cl, extendCost({ n, bits: from, l: to, signed }));
    });
  }

  it('int32 >> 20 to a 12-bit value, then sign-extended back to int32: equals (x >> 20) as int32', async () => {
    const n = 200;
    const x = withEdges(32, n);
    const { outs } = await runLut([{ l: 32, shape: [n], value: x }], {
      offline: async (off, _p, [rx]) => [await extendOffline(off, await shiftOffline(off, rx!, { s: 20, signed: true }), { l: 32, signed: true })],
      online: async (p, [vx]) => {
        const t = await shift(ownRounds(p, 'proto'), vx!, { s: 20, signed: true });
        return inRound(p, 'proto', (r) => [extend(r, t, { l: 32, signed: true })]);
      },
    });
    expect(big(outs[0]!)).toEqual(big(x).map((v) => mod(32, BigInt.asIntN(32, v) >> 20n)));
  });
});
