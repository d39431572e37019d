/**
 * Native GEMM, ±1 GEMM and the row-batched GEMM equal the TypeScript oracle mod 2^32 and 2^64 on
 * odd shapes (1, 3, 65, 127, K not a multiple of any block), empty shapes,
 * given and aliased outputs, at every SIMD level the CPU has, with 1 and 2
 * threads.
 */
import { randomFillSync } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { randomRing } from '../../src/kernels/selftest.js';
import { tsKernels as ts } from '../../src/kernels/ts.js';
import { allocRing, type GemmBits } from '../../src/kernels/types.js';
import { addon, firstMismatch, native, nativeAvailable, restoreConfig, simdLevels } from './helpers.js';

const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 3, 1],
  [3, 1, 3],
  [3, 65, 127],
  [65, 127, 3],
  [127, 3, 65],
  [2, 300, 33],
  [17, 70, 40],
  [0, 5, 4],
  [4, 0, 5],
  [4, 5, 0],
];
const BIG: [number, number, number] = [64, 513, 96];

function packed(k: number, n: number): BigUint64Array {
  const words = Math.ceil(k / 64);
  const b = new BigUint64Array(n * words);
  randomFillSync(b); // padding bits beyond k are set too: they must be ignored
  return b;
}

describe.skipIf(!nativeAvailable)('native gemm = TypeScript', () => {
  afterAll(restoreConfig);
  for (const simd of simdLevels()) {
    for (const threads of [1, 2]) {
      for (const l of [32, 64] as GemmBits[]) {
        it(`gemm Z_2^${l}, ${simd}, ${threads} thread(s)`, async () => {
          addon.configure({ simd, threads });
          for (const [m, k, n] of l === 32 ? [...SHAPES, BIG] : SHAPES) {
            const a = randomRing(l, m * k), b = randomRing(l, k * n);
            const want = await ts.gemm(l, a, b, m, k, n);
            expect(firstMismatch(await native.gemm(l, a, b, m, k, n), want), `${m}x${k}x${n}`).toBeUndefined();
          }
          restoreConfig();
        });

        it(`rowGemm Z_2^${l}, ${simd}, ${threads} thread(s)`, async () => {
          addon.configure({ simd, threads });
          for (const [m, k, n] of [...SHAPES, [128, 128, 64] as [number, number, number]]) {
            const a = randomRing(l, m * k), b = randomRing(l, m * k * n);
            if (a.length > 1) (a as Uint32Array | BigUint64Array).fill(l === 32 ? (0xffffffff as never) : ((2n ** 64n - 1n) as never), 0, 1); // −1
            const want = await ts.rowGemm(l, a, b, m, k, n);
            expect(firstMismatch(await native.rowGemm(l, a, b, m, k, n), want), `${m}x${k}x${n}`).toBeUndefined();
          }
          restoreConfig();
        });

        it(`gemmPm1 Z_2^${l}, ${simd}, ${threads} thread(s)`, async () => {
          addon.configure({ simd, threads });
          for (const [m, k, n] of [...SHAPES, [9, 200, 31] as [number, number, number]]) {
            const x = randomRing(l, m * k), bp = packed(k, n);
            const want = await ts.gemmPm1(l, x, bp, m, k, n);
            expect(firstMismatch(await native.gemmPm1(l, x, bp, m, k, n), want), `${m}x${k}x${n}`).toBeUndefined();
          }
          restoreConfig();
        });
      }
    }
  }

  it('writes into a given out and into an aliased input', async () => {
    for (const l of [32, 64] as GemmBits[]) {
      const [m, k, n] = [5, 7, 7];
      const a = randomRing(l, m * k), b = randomRing(l, k * n);
      const want = await ts.gemm(l, a, b, m, k, n);
      const out = allocRing(l, m * n);
      expect(await native.gemm(l, a, b, m, k, n, out)).toBe(out);
      expect(firstMismatch(out, want)).toBeUndefined();
      const a2 = a.slice();
      expect(await native.gemm(l, a2, b, m, k, n, a2)).toBe(a2); // out aliases a (m·k = m·n)
      expect(firstMismatch(a2, want)).toBeUndefined();
      const x = randomRing(l, m * k), bp = packed(k, n);
      const wantPm = await ts.gemmPm1(l, x, bp, m, k, n);
      expect(firstMismatch(await native.gemmPm1(l, x, bp, m, k, n, x), wantPm)).toBeUndefined();
    }
  });

  it('rowGemm: out given, out overlapping an input rejected, wrong lengths named', async () => {
    const [m, k, n] = [3, 4, 5];
    const a = randomRing(32, m * k), b = randomRing(32, m * k * n);
    const out = allocRing(32, m * n);
    expect(await native.rowGemm(32, a, b, m, k, n, out)).toBe(out);
    expect(firstMismatch(out, await ts.rowGemm(32, a, b, m, k, n))).toBeUndefined();
    for (const k2 of [native, ts]) {
      await expect(k2.rowGemm(32, a, b, m, k, n, b.subarray(0, m * n))).rejects.toThrow(/must not overlap/);
      await expect(k2.rowGemm(32, a, b.subarray(1), m, k, n)).rejects.toThrow(/rowGemm/);
    }
  });

  it('BERT-sized products mod 2^32 match (128×768×64, 128×64×768)', async () => {
    for (const [m, k, n] of [
      [128, 768, 64],
      [128, 64, 768],
    ] as [number, number, number][]) {
      const a = randomRing(32, m * k), b = randomRing(32, k * n);
      expect(firstMismatch(await native.gemm(32, a, b, m, k, n), await ts.gemm(32, a, b, m, k, n))).toBeUndefined();
    }
  });
});
