/**
 * matmulRowScale: [[diag(s)·(A·B)]] with A·B never opened equals the
 * plaintext product mod 2^32 (random values and the edges 0, −1, 2^31),
 * its counters equal the declared cost, and the opened value is uniform.
 */
import { describe, expect, it } from 'vitest';
import { matmulRowScale, matmulRowScaleCost, matmulRowScaleOffline } from '../../src/mpc/protocols/matmul-rowscale.js';
import { inRound } from '../../src/mpc/round.js';
import { big, expectCost, randRing, runLut, uniformBytesP } from '../lut/helpers.js';

function plain(A: Uint32Array, B: Uint32Array, s: Uint32Array, m: number, k: number, n: number): Uint32Array {
  const out = new Uint32Array(m * n);
  for (let t = 0; t < m; t++) {
    for (let c = 0; c < n; c++) {
      let acc = 0;
      for (let j = 0; j < k; j++) acc = (acc + Math.imul(A[t * k + j]!, B[j * n + c]!)) >>> 0;
      out[t * n + c] = Math.imul(acc, s[t]!) >>> 0;
    }
  }
  return out;
}

describe('matmulRowScale', () => {
  for (const [m, k, n] of [
    [5, 7, 3],
    [16, 16, 8],
  ]) {
    it(`${m}×${k} · ${k}×${n}, rows scaled: exact, cost exact, uniform opening`, async () => {
      const A = randRing(32, m * k) as Uint32Array;
      const B = randRing(32, k * n) as Uint32Array;
      const s = randRing(32, m) as Uint32Array;
      A.set([0, 0xffffffff, 0x80000000]);
      B.set([0xffffffff, 0x80000000, 1]);
      s.set([0xffffffff, 0]);
      let opened: Uint8Array | undefined;
      const { outs, cl } = await runLut(
        [
          { l: 32, shape: [m, k], value: A },
          { l: 32, shape: [k, n], value: B },
          { l: 32, shape: [m, 1], value: s },
        ],
        {
          offline: async (off, _p, [a, b, sc]) => [await matmulRowScaleOffline(off, a!, b!, sc!)],
          online: async (p, [a, b, sc]) => {
            const [y] = await inRound(p, 'proto', (r) => [matmulRowScale(r, a!, b!, sc!)]);
            opened = new Uint8Array((y!.m as Uint32Array).slice().buffer);
            return [y!];
          },
        },
      );
      expect(big(outs[0]!)).toEqual(big(plain(A, B, s, m, k, n)));
      expectCost(cl, matmulRowScaleCost({ l: 32, m, k, n }));
      if (m * n >= 128) expect(uniformBytesP(opened!)).toBeGreaterThan(1e-4);
    });
  }

  it('rejects shapes that do not fit', async () => {
    const x = { l: 32 as const, shape: [2, 3], r: new Uint32Array(6) };
    const y = { l: 32 as const, shape: [4, 2], r: new Uint32Array(8) };
    expect(() => matmulRowScaleOffline({} as never, x, y, { l: 32, shape: [2, 1], r: new Uint32Array(2) })).toThrow(/does not fit/);
  });
});
