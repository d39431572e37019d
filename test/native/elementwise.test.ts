/**
 * Native element-wise ring ops equal the TypeScript oracle for all five ring
 * widths, every op, edge values, odd and empty lengths, in-place use and
 * sizes large enough to take the multithreaded path.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { randomRing } from '../../src/kernels/selftest.js';
import { tsKernels as ts } from '../../src/kernels/ts.js';
import { RING_BITS, type RingArrayOf, type RingBits } from '../../src/kernels/types.js';
import { addon, firstMismatch, native, nativeAvailable, restoreConfig } from './helpers.js';

const SIZES = [0, 1, 3, 65, 127, 1031, 300_001];
const BIN = ['add', 'sub', 'mul', 'and', 'or', 'xor'] as const;

/** Random values with every edge pair (0, −1, 2^(l−1), 2^(l−1)−1, 1) crossed at the start. */
function pairs<L extends RingBits>(l: L, n: number): [RingArrayOf<L>, RingArrayOf<L>] {
  const a = randomRing(l, n), b = randomRing(l, n);
  const edges = randomRing(l, 5);
  for (let i = 0; i < Math.min(25, n); i++) {
    (a as unknown as { [i: number]: number | bigint })[i] = edges[i % 5]!;
    (b as unknown as { [i: number]: number | bigint })[i] = edges[Math.floor(i / 5)]!;
  }
  return [a, b];
}

describe.skipIf(!nativeAvailable)('native element-wise ops = TypeScript', () => {
  afterAll(restoreConfig);
  for (const l of RING_BITS) {
    it(`binary ops, Z_2^${l}`, () => {
      for (const n of SIZES) {
        const [a, b] = pairs(l, n);
        for (const op of BIN) {
          const want = ts.binary(op, l, a, b);
          expect(firstMismatch(native.binary(op, l, a, b), want), `${op} n=${n}`).toBeUndefined();
          const inPlace = a.slice() as RingArrayOf<typeof l>;
          expect(native.binary(op, l, inPlace, b, inPlace)).toBe(inPlace);
          expect(firstMismatch(inPlace, want), `${op} in place n=${n}`).toBeUndefined();
        }
      }
    });

    it(`unary ops and mulScalar, Z_2^${l}`, () => {
      for (const n of SIZES) {
        const [a] = pairs(l, n);
        for (const op of ['neg', 'not'] as const) {
          expect(firstMismatch(native.unary(op, l, a), ts.unary(op, l, a)), `${op} n=${n}`).toBeUndefined();
        }
        for (const s of [0n, 1n, -1n, 3n, 1n << 63n, (1n << 64n) + 5n, -(1n << 70n) - 3n, 0x1234_5678_9abc_def1n, BigInt(l === 1 ? 1 : 2 ** (l - 1))]) {
          expect(firstMismatch(native.mulScalar(l, a, s), ts.mulScalar(l, a, s)), `s=${s} n=${n}`).toBeUndefined();
        }
      }
    });

    it(`shifts for every k, Z_2^${l}`, () => {
      const [a] = pairs(l, 1031);
      for (const op of ['shl', 'shr', 'sar'] as const) {
        for (let k = 0; k < l; k++) {
          expect(firstMismatch(native.shift(op, l, a, k), ts.shift(op, l, a, k)), `${op} k=${k}`).toBeUndefined();
        }
      }
      const [big] = pairs(l, 300_001);
      for (const op of ['shl', 'shr', 'sar'] as const) {
        const k = l === 1 ? 0 : l - 1;
        expect(firstMismatch(native.shift(op, l, big, k), ts.shift(op, l, big, k)), `${op} big`).toBeUndefined();
      }
    });
  }

  it('single-threaded pool gives the same results', () => {
    addon.configure({ threads: 1 });
    const [a, b] = pairs(32, 300_001);
    expect(firstMismatch(native.binary('mul', 32, a, b), ts.binary('mul', 32, a, b))).toBeUndefined();
    restoreConfig();
  });
});
