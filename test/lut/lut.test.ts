/**
 * Lookup protocols over three in-process parties: exact outputs for every
 * input of small tables, random inputs for wide indices and rings, per-channel
 * tables, multi-input tables, additive outputs; declared costs equal the
 * counters; bad tables and widths fail with ShapeError.
 */
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/errors.js';
import type { RingArray, RingBits } from '../../src/kernels/types.js';
import { lut, lutAdditive, lutCost, lutMulti, lutMultiCost, lutMultiOffline, lutOffline } from '../../src/mpc/lut/lut.js';
import { remask, remaskOffline } from '../../src/mpc/protocols/remask.js';
import { inRound } from '../../src/mpc/round.js';
import type { MaskOf } from '../../src/mpc/sharing.js';
import { big, expectCost, randRing, ringOf, runLut } from './helpers.js';

const mod = (l: number, v: bigint): bigint => BigInt.asUintN(l, v);

/** Inputs covering every value of an n-bit index `reps` times, in ring l (random high bits). */
function everyIndex(l: RingBits, bits: number, reps: number): { x: RingArray; idx: number[] } {
  const S = 2 ** bits;
  const hi = big(randRing(l, S * reps));
  const idx: number[] = [];
  const v: bigint[] = [];
  for (let i = 0; i < S * reps; i++) {
    idx.push(i % S);
    v.push(l > bits ? (hi[i]! >> BigInt(bits)) * BigInt(S) + BigInt(i % S) : BigInt(i % S));
  }
  return { x: ringOf(l, v), idx };
}

describe('single-input lookup', () => {
  for (const [lin, bits, lout] of [
    [8, 8, 32],
    [16, 8, 1],
    [32, 8, 8],
    [64, 5, 64],
    [8, 3, 16],
  ] as [RingBits, number, RingBits][]) {
    it(`every ${bits}-bit input (x in Z_2^${lin}) → Z_2^${lout}, shared table; cost exact`, async () => {
      const { x, idx } = everyIndex(lin, bits, 4);
      const n = x.length;
      const T = randRing(lout, 2 ** bits);
      const { outs, cl } = await runLut([{ l: lin, shape: [n], value: x }], {
        offline: (off, p, [rx]) => lutOffline(off, rx!, { bits, l: lout }, p.id === 'P0' ? { data: T, channels: 1 } : undefined),
        online: (p, [vx]) => inRound(p, 'proto', (r) => [lut(r, vx!, { bits, l: lout })]),
      });
      const TT = big(T);
      expect(big(outs[0]!)).toEqual(idx.map((j) => TT[j]!));
      expectCost(cl, lutCost({ n, bits, l: lout }));
    });
  }

  it('per-channel tables (channel = column), every input per channel', async () => {
    const bits = 6, cols = 5, l: RingBits = 32;
    const S = 2 ** bits;
    const rows = S * 2;
    const xs: bigint[] = [];
    for (let i = 0; i < rows; i++) for (let c = 0; c < cols; c++) xs.push(BigInt((i * 7 + c) % S) - 32n);
    const T = randRing(l, cols * S);
    const { outs } = await runLut([{ l: 16, shape: [rows, cols], value: ringOf(16, xs) }], {
      offline: (off, p, [rx]) => lutOffline(off, rx!, { bits, l }, p.id === 'P0' ? { data: T, channels: cols } : undefined),
      online: (p, [vx]) => inRound(p, 'proto', (r) => [lut(r, vx!, { bits, l })]),
    });
    const TT = big(T);
    expect(big(outs[0]!)).toEqual(xs.map((v, i) => TT[(i % cols) * S + Number(mod(bits, v))]!));
  });

  it('random 12- and 16-bit indices into Z_2^64 outputs', async () => {
    for (const [bits, lout, n] of [
      [12, 64, 300],
      [16, 16, 16],
      [16, 64, 16],
    ] as [number, RingBits, number][]) {
      const x = randRing(32, n);
      const T = randRing(lout, 2 ** bits);
      const { outs, cl } = await runLut([{ l: 32, shape: [n], value: x }], {
        offline: (off, p, [rx]) => lutOffline(off, rx!, { bits, l: lout }, p.id === 'P0' ? { data: T, channels: 1 } : undefined),
        online: (p, [vx]) => inRound(p, 'proto', (r) => [lut(r, vx!, { bits, l: lout })]),
      });
      const TT = big(T);
      expect(big(outs[0]!)).toEqual(big(x).map((v) => TT[Number(mod(bits, v))]!));
      expectCost(cl, lutCost({ n, bits, l: lout }));
    }
  });

  it('additive output: zero online bytes and rounds; re-masked afterwards it equals T(x)', async () => {
    const bits = 8, l: RingBits = 32;
    const { x, idx } = everyIndex(8, bits, 2);
    const n = x.length;
    const T = randRing(l, 2 ** bits);
    const { outs, cl } = await runLut([{ l: 8, shape: [n], value: x }], {
      offline: async (off, p, [rx]) => {
        await lutOffline(off, rx!, { bits, l }, p.id === 'P0' ? { data: T, channels: 1 } : undefined, { masked: false });
        await off.flush('proto');
        p.label = 'out';
        return remaskOffline(off, l, [n]);
      },
      online: async (p, [vx]) => {
        const a = await lutAdditive(p, vx!, { bits, l });
        return inRound(p, 'out', (r) => [remask(r, a)]);
      },
    });
    const TT = big(T);
      expect(big(outs[0]!)).toEqual(idx.map((j) => TT[j]!));
    expectCost(cl, lutCost({ n, bits, l, masked: false }));
  });
});

describe('multi-input lookup', () => {
  it('T(x1, x2) over 4+4 bits: every input pair; cost exact', async () => {
    const b1 = 4, b2 = 4, l: RingBits = 32;
    const n = 256 * 2;
    const x1 = ringOf(16, Array.from({ length: n }, (_, i) => BigInt((i >> 4) & 15) + 16n * BigInt(i)));
    const x2 = ringOf(8, Array.from({ length: n }, (_, i) => BigInt(i & 15) + 48n));
    const T = randRing(l, 256);
    const { outs, cl } = await runLut(
      [
        { l: 16, shape: [n], value: x1 },
        { l: 8, shape: [n], value: x2 },
      ],
      {
        offline: (off, p, rs) => lutMultiOffline(off, rs, { bits: [b1, b2], l }, p.id === 'P0' ? { data: T, channels: 1 } : undefined),
        online: (p, vs) => inRound(p, 'proto', (r) => [lutMulti(r, vs, { bits: [b1, b2], l })]),
      },
    );
    const TT = big(T);
    expect(big(outs[0]!)).toEqual(Array.from({ length: n }, (_, i) => TT[(((i >> 4) & 15) << 4) | (i & 15)]!));
    expectCost(cl, lutMultiCost({ n, bits: [b1, b2], l }));
  });

  it('three inputs 2+5+5 bits (12-bit table), random, per-element tables', async () => {
    const bits = [2, 5, 5], l: RingBits = 16, n = 40;
    const xs = bits.map(() => randRing(32, n));
    const T = randRing(l, n * 4096);
    const { outs } = await runLut(
      xs.map((v) => ({ l: 32 as RingBits, shape: [n], value: v })),
      {
        offline: (off, p, rs) => lutMultiOffline(off, rs, { bits, l }, p.id === 'P0' ? { data: T, channels: n } : undefined),
        online: (p, vs) => inRound(p, 'proto', (r) => [lutMulti(r, vs, { bits, l })]),
      },
    );
    const X = xs.map(big);
    const TT = big(T);
    expect(big(outs[0]!)).toEqual(
      Array.from({ length: n }, (_, i) => TT[i * 4096 + Number(((mod(2, X[0]![i]!) << 10n) | (mod(5, X[1]![i]!) << 5n) | mod(5, X[2]![i]!)))]!),
    );
  });
});

describe('bad arguments', () => {
  it('table size, index width and ring fail with ShapeError before anything is sent', async () => {
    const { Offline } = await import('../../src/mpc/dealer.js');
    const { inprocCluster } = await import('../../src/mpc/cluster.js');
    const cl = await inprocCluster();
    const off = new Offline(cl.P0);
    const x: MaskOf = { l: 8, shape: [4], r: randRing(8, 4) };
    const x32: MaskOf = { l: 32, shape: [4], r: randRing(32, 4) };
    expect(() => lutOffline(off, x, { bits: 8, l: 32 }, { data: randRing(32, 128), channels: 1 })).toThrow(ShapeError);
    expect(() => lutOffline(off, x, { bits: 8, l: 32 }, { data: randRing(16, 256), channels: 1 })).toThrow(/storage/);
    expect(() => lutOffline(off, x32, { bits: 17, l: 32 }, { data: randRing(32, 2 ** 17), channels: 1 })).toThrow(/index width 17/);
    expect(() => lutOffline(off, x, { bits: 12, l: 32 }, { data: randRing(32, 4096), channels: 1 })).toThrow(/does not fit the input ring/);
    expect(() => lutOffline(off, x, { bits: 4, l: 32 }, { data: randRing(32, 48), channels: 3 })).toThrow(/divide/);
    expect(() => lutMultiOffline(off, [x32, x32], { bits: [9, 8], l: 8 }, { data: randRing(8, 2 ** 17), channels: 1 })).toThrow(/total index/);
    await cl.close();
  });
});
