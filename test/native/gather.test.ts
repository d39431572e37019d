/**
 * Native gathers equal the TypeScript oracle for every table width, every
 * index array type (high index bits ignored), bits from 1 to 24, empty index
 * arrays, per-element tables and in-place use on the index array.
 */
import { randomFillSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { tsKernels as ts } from '../../src/kernels/ts.js';
import { allocRing, type RingArray, type RingBits } from '../../src/kernels/types.js';
import { firstMismatch, native, nativeAvailable } from './helpers.js';

const WIDTHS: RingBits[] = [8, 16, 32, 64];

function rnd(l: RingBits, n: number): RingArray {
  const a = allocRing(l, n);
  randomFillSync(a);
  return a;
}

describe.skipIf(!nativeAvailable)('native gathers = TypeScript', () => {
  for (const l of WIDTHS) {
    it(`gatherShared, table Z_2^${l}`, async () => {
      for (const bits of [1, 3, 8, 12, 16, 24]) {
        const table = rnd(l, 2 ** bits);
        for (const il of WIDTHS) {
          for (const n of bits === 24 ? [0, 1000] : [0, 1, 65, 5000, 100_003]) {
            const idx = rnd(il, n);
            const want = await ts.gatherShared(table, bits, idx);
            expect(firstMismatch(await native.gatherShared(table, bits, idx), want), `bits=${bits} idx=${il} n=${n}`).toBeUndefined();
          }
        }
      }
    });

    it(`gatherPerElement, tables Z_2^${l}`, async () => {
      for (const bits of [1, 4, 8, 10]) {
        for (const il of WIDTHS) {
          for (const n of [0, 1, 65, bits <= 8 ? 40_000 : 300]) {
            const tables = rnd(l, n * 2 ** bits), idx = rnd(il, n);
            const want = await ts.gatherPerElement(tables, bits, idx);
            expect(firstMismatch(await native.gatherPerElement(tables, bits, idx), want), `bits=${bits} idx=${il} n=${n}`).toBeUndefined();
          }
        }
      }
    });

    it(`in place on idx and into a given out, Z_2^${l}`, async () => {
      const bits = 6;
      const table = rnd(l, 64), idx = rnd(l, 999);
      const want = await ts.gatherShared(table, bits, idx);
      const out = allocRing(l, 999);
      expect(await native.gatherShared(table, bits, idx, out)).toBe(out);
      expect(firstMismatch(out, want)).toBeUndefined();
      expect(firstMismatch(await native.gatherShared(table, bits, idx, idx), want)).toBeUndefined();
    });
  }
});

describe.skipIf(!nativeAvailable)('native rotateTables = TypeScript', () => {
  for (const l of WIDTHS) {
    it(`per channel, shared, per element, blocks and pairs, rotations 0 and 2^bits − 1, Z_2^${l}`, async () => {
      for (const bits of [1, 5, 9]) {
        const S = 2 ** bits;
        for (const [channels, n] of [[1, 0], [1, 777], [7, 7 * 300], [1200, 2400]] as const) {
          for (const [blocks, ps] of [[false, 0], [true, 0], [false, 1], [true, 1]] as const) {
            if (n % 2 ** ps !== 0 || (n >> ps) % channels !== 0) continue;
            const table = rnd(l, channels * S);
            const rot = rnd(32, n) as Uint32Array;
            for (let i = 0; i < n; i += 5) rot[i] = i % 10 === 0 ? 0 : S - 1;
            const want = await ts.rotateTables(table, bits, rot, channels, blocks, ps);
            const what = `bits=${bits} channels=${channels} n=${n} blocks=${blocks} pairShift=${ps}`;
            expect(firstMismatch(await native.rotateTables(table, bits, rot, channels, blocks, ps), want), what).toBeUndefined();
          }
        }
      }
    });
  }

  it('the TypeScript form is the definition: out[i·S + j] = T_c(i)[(j − rot_i) mod S]', async () => {
    const table = Uint32Array.from({ length: 2 * 4 }, (_, k) => 100 + k);
    const rot = Uint32Array.from([0, 1, 3, 6]); // 6: only the low 2 bits count
    const byColumn = await ts.rotateTables(table, 2, rot, 2, false, 0);
    expect(Array.from(byColumn as Uint32Array)).toEqual([100, 101, 102, 103, 107, 104, 105, 106, 101, 102, 103, 100, 106, 107, 104, 105]);
    const pairs = await ts.rotateTables(table, 2, rot, 2, true, 1);
    expect(Array.from(pairs as Uint32Array)).toEqual([100, 101, 102, 103, 103, 100, 101, 102, 105, 106, 107, 104, 106, 107, 104, 105]);
  });

  it('names bad arguments', async () => {
    const t = allocRing(32, 16);
    await expect(native.rotateTables(t, 2, new Uint32Array(4), 2, false, 0)).rejects.toThrow(/channels\*2\^bits|channels · 2\^bits/);
    await expect(native.rotateTables(t, 3, new Uint32Array(3), 2, false, 0)).rejects.toThrow(/do not divide into 2 table channels/);
    await expect(native.rotateTables(t, 4, new Uint32Array(3), 1, false, 1)).rejects.toThrow(/groups of 2/);
    await expect(native.rotateTables(t, 4, new Uint32Array(4), 1, false, 0, t)).rejects.toThrow(/out/);
    await expect(native.rotateTables(t, 17, new Uint32Array(4), 1, false, 0)).rejects.toThrow(/bits/);
  });
});
