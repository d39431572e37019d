import { describe, expect, it } from 'vitest';
import { tsKernels } from '../../src/kernels/ts.js';
import { centre, gatherRows, lut2, matmulW, matmulXX, mulRowXX, requant, requantIndex, rowSumSquares, S_MAX, SHIFT_CAPS, type MatW } from '../../src/model/intops.js';
import { bucketMid, quantizeWeights, shiftCapper, shiftFor } from '../../src/model/quantize.js';

describe('integer primitives', () => {
  it('requant index: arithmetic shift, then the low n bits (wrap, not saturate)', () => {
    expect(requantIndex(1000, 3, 8)).toBe(125);
    expect(requantIndex(-1, 3, 8)).toBe(255); // floor(-1/8) = -1 → 0xff
    expect(requantIndex(-9, 3, 8)).toBe(254); // floor(-9/8) = -2
    expect(requantIndex(128 << 4, 4, 8)).toBe(128); // +128 wraps to the −128 slot
    expect(requantIndex(300 << 2, 2, 8)).toBe(300 & 255);
    expect(requantIndex(0x7fffffff, 20, 12)).toBe(2047);
  });

  it('requant reads per-column tables and several outputs from one index', () => {
    const tA = new Int32Array(2 * 4).map((_, i) => i * 10); // 2 channels × 2^2 entries
    const tB = new Int32Array(2 * 4).map((_, i) => -i);
    const y = Int32Array.of(0, 4, 8, 12, -4, 7); // cols = 2
    const stats = { checked: 0, wrapped: 0 };
    const [a, b] = requant(y, 2, { bits: 2, shifts: Int32Array.of(2, 1), channels: 2, tables: [tA, tB] }, true, stats);
    // col 0 shift 2: 0→0, 8→2, -4→-1→3 ; col 1 shift 1: 4→2, 12→6→2 (wraps), 7→3
    expect(Array.from(a!)).toEqual([0, 60, 20, 60, 30, 70]);
    expect(Array.from(b!)).toEqual([0, -6, -2, -6, -3, -7]);
    expect(stats.wrapped).toBe(4); // 8>>2=2, 4>>1=2, 12>>1=6, 7>>1=3 lie outside the signed 2-bit window [-2, 1]
  });

  it('matmulW equals a naive wrap-around product for 8, 4 and 1-bit weights', async () => {
    const T = 3, K = 5, N = 4;
    const x = Int32Array.from({ length: T * K }, (_, i) => ((i * 37) % 255) - 127);
    for (const [bits, lo, hi] of [[8, -128, 127], [4, -8, 7], [1, -1, 1]] as const) {
      const w = Int8Array.from({ length: K * N }, (_, i) => (bits === 1 ? (i % 3 === 0 ? -1 : 1) : lo + ((i * 7) % (hi - lo + 1))));
      const bias = Int32Array.from({ length: N }, (_, i) => (i === 0 ? 0x7fffffff : -i * 1000));
      const m: MatW = { k: K, n: N, bits, w, bias };
      const y = await matmulW(tsKernels, x, T, m);
      for (let r = 0; r < T; r++) {
        for (let j = 0; j < N; j++) {
          let s = bias[j]!;
          for (let i = 0; i < K; i++) s += x[r * K + i]! * w[i * N + j]!;
          expect(y[r * N + j]).toBe(s | 0);
        }
      }
    }
  });

  it('matmulXX, mulRowXX and Σx² wrap mod 2^32', async () => {
    const a = Int32Array.of(70000, 3, -70000, 1);
    const b = Int32Array.of(70000, 0, 2, 1);
    expect(Array.from(await matmulXX(tsKernels, a, b, 2, 2, 2))).toEqual([Math.imul(70000, 70000) + 6, 3, Math.imul(-70000, 70000) + 2, 1]);
    expect(Array.from(mulRowXX(Int32Array.of(1, -2, 3, 4), 2, 2, Int32Array.of(1 << 30, 5)))).toEqual([2 ** 30, -(2 ** 31), 15, 20]);
    expect(Array.from(rowSumSquares(Int32Array.of(3, 4, 65536, 0), 2, 2))).toEqual([25, 0]);
  });

  it('centre computes H·v − Σv; gatherRows adds the position term; lut2 concatenates indices', () => {
    expect(Array.from(centre(Int32Array.of(1, 2, 6, 10, 10, 10), 2, 3))).toEqual([3 - 9, 6 - 9, 18 - 9, 0, 0, 0]);
    const table = Int8Array.of(1, 2, 3, 4, 5, 6);
    expect(Array.from(gatherRows(table, 2, [2, 0], Int32Array.of(100, 200, 300, 400)))).toEqual([105, 206, 301, 402]);
    const t = Int32Array.from({ length: 16 }, (_, i) => i * 3);
    expect(Array.from(lut2(Int32Array.of(1, 7), 2, Int32Array.of(2, -1), 2, t))).toEqual([(1 * 4 + 2) * 3, (3 * 4 + 3) * 3]);
  });
});

describe('quantizer helpers', () => {
  it('shiftFor fits range × margin into the window; bucketMid is the bucket centre', () => {
    expect(shiftFor(100, 8, true, 1)).toBe(0);
    expect(shiftFor(127, 8, true, 1)).toBe(0);
    expect(shiftFor(128, 8, true, 1)).toBe(1);
    expect(shiftFor(5000, 12, false, 1)).toBe(1);
    for (const [r, n, sg] of [[1e6, 8, true], [3e4, 12, false], [777, 8, true]] as const) {
      const s = shiftFor(r, n, sg, 1.25);
      expect(Math.floor((r * 1.25) / 2 ** s)).toBeLessThan(sg ? 2 ** (n - 1) : 2 ** n);
    }
    expect(bucketMid(255, 8, 0, true)).toBe(-1);
    expect(bucketMid(3, 8, 2, true)).toBe(13.5);
    expect(bucketMid(255, 8, 1, false)).toBe(510.5);
  });

  it('shiftCapper keeps a shift within its role\'s public cap and counts the ones it lowered', () => {
    const clamped: Record<string, number> = {};
    const cap = shiftCapper(clamped);
    expect(cap('linear', SHIFT_CAPS.linear)).toBe(SHIFT_CAPS.linear);
    expect(cap('linear', SHIFT_CAPS.linear + 3)).toBe(SHIFT_CAPS.linear);
    expect(cap('ctx', 24)).toBe(24);
    expect(cap('lnInv', 15, 14)).toBe(14);
    expect(cap('lnCentre', 0)).toBe(0);
    expect(clamped).toEqual({ linear: 1, lnInv: 1 });
    // Every cap leaves the engine's public shift P(n) = 32 − n reachable: ≤ S_MAX for 8-bit indices, ≤ 20 for 12-bit ones.
    for (const c of Object.values(SHIFT_CAPS)) expect(c).toBeLessThanOrEqual(S_MAX);
    expect(SHIFT_CAPS.lnInv).toBeLessThanOrEqual(20);
    expect(SHIFT_CAPS.zinv).toBeLessThanOrEqual(20);
  });

  it('weights land in their bit range with per-output-channel scales', () => {
    const L = { in: 6, out: 3, w: Float64Array.from({ length: 18 }, (_, i) => Math.sin(i) * (1 + (i % 3))), b: new Float64Array(3) };
    for (const bits of [8, 4, 1] as const) {
      const { w, scales } = quantizeWeights(L, bits);
      const [lo, hi] = bits === 8 ? [-127, 127] : bits === 4 ? [-8, 7] : [-1, 1];
      for (const v of w) {
        expect(v).toBeGreaterThanOrEqual(lo);
        expect(v).toBeLessThanOrEqual(hi);
        if (bits === 1) expect(v).not.toBe(0);
      }
      expect(new Set(scales).size).toBe(3);
      if (bits === 8) {
        // dequantized weights within half a step of the float ones
        for (let o = 0; o < 3; o++) for (let i = 0; i < 6; i++) expect(Math.abs(w[i * 3 + o]! * scales[o]! - L.w[o * 6 + i]!)).toBeLessThanOrEqual(scales[o]! / 2 + 1e-12);
      }
    }
  });
});
