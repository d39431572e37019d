/**
 * Comparison family: sign / ReLU / [x > 0] tables on every input, max of two
 * (every pair of 5-bit values, random int8), row max and row argmax (first
 * maximum, ties included) over odd and power-of-two widths; costs exact.
 */
import { describe, expect, it } from 'vitest';
import type { RingBits } from '../../src/kernels/types.js';
import { compare, compareCost, compareOffline, max, maxCost, maxOffline, rowArgmax, rowArgmaxCost, rowArgmaxOffline, rowMax, rowMaxCost, rowMaxOffline, type CompareKind } from '../../src/mpc/lut/compare.js';
import { ownRounds } from '../../src/mpc/lut/stages.js';
import { inRound } from '../../src/mpc/round.js';
import { big, expectCost, ringOf, runLut } from './helpers.js';

const mod = (l: number, v: bigint): bigint => BigInt.asUintN(l, v);
const s = (l: number, v: bigint): bigint => BigInt.asIntN(l, v);

function randInts(n: number, w: number): bigint[] {
  return Array.from({ length: n }, () => BigInt(Math.floor(Math.random() * 2 ** w) - 2 ** (w - 1)));
}

describe('sign, relu, positive', () => {
  for (const kind of ['sign', 'relu', 'positive'] as CompareKind[]) {
    it(`${kind} of every 9-bit value; cost exact`, async () => {
      const bits = 9, l: RingBits = 16, n = 512;
      const x = Array.from({ length: n }, (_, i) => BigInt(i - 256));
      const { outs, cl } = await runLut([{ l: 16, shape: [n], value: ringOf(16, x) }], {
        offline: (off, _p, [rx]) => compareOffline(off, kind, rx!, { bits, l }),
        online: (p, [vx]) => inRound(p, 'proto', (r) => [compare(r, vx!, { bits, l })]),
      });
      const f = (v: bigint): bigint => (kind === 'sign' ? (v > 0n ? 1n : v < 0n ? -1n : 0n) : kind === 'relu' ? (v > 0n ? v : 0n) : v > 0n ? 1n : 0n);
      expect(big(outs[0]!)).toEqual(x.map((v) => mod(l, f(v))));
      expectCost(cl, compareCost({ n, bits, l }));
    });
  }
});

describe('max', () => {
  it('every pair of 5-bit values (Z_2^8) and random int8 pairs (Z_2^16); cost exact', async () => {
    for (const [w, l, a, b] of [
      [5, 8, Array.from({ length: 1024 }, (_, i) => BigInt((i >> 5) - 16)), Array.from({ length: 1024 }, (_, i) => BigInt((i & 31) - 16))],
      [8, 16, randInts(700, 8), randInts(700, 8)],
    ] as [number, RingBits, bigint[], bigint[]][]) {
      const n = a.length;
      const { outs, cl } = await runLut(
        [
          { l, shape: [n], value: ringOf(l, a) },
          { l, shape: [n], value: ringOf(l, b) },
        ],
        {
          offline: (off, _p, [ra, rb]) => maxOffline(off, ra!, rb!, w),
          online: (p, [va, vb]) => inRound(p, 'proto', (r) => [max(r, va!, vb!, w)]),
        },
      );
      expect(big(outs[0]!).map((v) => s(l, v))).toEqual(a.map((v, i) => (v > b[i]! ? v : b[i]!)));
      expectCost(cl, maxCost({ n, w, l }));
    }
  });
});

describe('row max and argmax (tree)', () => {
  for (const [rows, cols] of [
    [5, 7],
    [3, 16],
    [4, 1],
    [2, 33],
  ]) {
    it(`${rows}×${cols} int8 in Z_2^16; argmax is the first maximum; costs exact`, async () => {
      const w = 8, l: RingBits = 16;
      const x = randInts(rows * cols, 3); // few distinct values: many ties
      const shape = [rows, cols];
      const mx = await runLut([{ l, shape, value: ringOf(l, x) }], {
        offline: (off, _p, [rx]) => rowMaxOffline(off, rx!, w),
        online: async (p, [vx]) => [await rowMax(ownRounds(p, 'proto'), vx!, w)],
      });
      const am = await runLut([{ l, shape, value: ringOf(l, x) }], {
        offline: (off, _p, [rx]) => rowArgmaxOffline(off, rx!, w),
        online: async (p, [vx]) => rowArgmax(ownRounds(p, 'proto'), vx!, w),
      });
      const wantMax: bigint[] = [], wantIdx: bigint[] = [];
      for (let i = 0; i < rows; i++) {
        let best = 0;
        for (let j = 1; j < cols; j++) if (x[i * cols + j]! > x[i * cols + best]!) best = j;
        wantMax.push(x[i * cols + best]!);
        wantIdx.push(BigInt(best));
      }
      expect(big(mx.outs[0]!).map((v) => s(l, v))).toEqual(wantMax);
      expect(big(am.outs[0]!).map((v) => s(l, v))).toEqual(wantMax);
      expect(big(am.outs[1]!)).toEqual(wantIdx);
      expectCost(mx.cl, rowMaxCost({ rows, cols, w, l }));
      expectCost(am.cl, rowArgmaxCost({ rows, cols, w, l }));
      if (cols > 1) expect(mx.cl.P1.acct.get('online', 'proto').rounds).toBe(Math.ceil(Math.log2(cols)));
    });
  }
});
