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
