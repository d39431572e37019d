/**
 * 1-bit weight layer: [[X]]·(1 − 2B) + bias equals the plaintext ring product
 * (k not a multiple of 64, Z_2^32 and Z_2^64); the per-channel scale folded
 * into the following requant tables reproduces intops (matmulW with ±1
 * weights, then requant); packing round-trips; costs equal counters.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { getKernels } from '../../src/kernels/loader.js';
import { matmul1b, matmul1bCost, matmul1bOffline, packBits, shareBitWeight, shareBitWeightCost, unpackPm1, type BitWeightShare } from '../../src/mpc/lut/onebit.js';
import { requant, requantOffline, type RequantSpec } from '../../src/mpc/lut/requant.js';
import { ownRounds } from '../../src/mpc/lut/stages.js';
import { inRound } from '../../src/mpc/round.js';
import { matmulW, requant as intRequant, S_MAX, type MatW, type Requant } from '../../src/model/intops.js';
import { big, expectCost, randRing, ringOf, runLut } from './helpers.js';

const mod = (l: number, v: bigint): bigint => BigInt.asUintN(l, v);

function randBits(n: number): Uint8Array {
  return new Uint8Array(randomBytes(n)).map((v) => v & 1);
}

describe('packing', () => {
  it('packBits / unpackPm1 round-trip and agree with gemmPm1', async () => {
    const [m, k, n] = [3, 130, 5];
    const B = randBits(k * n);
    const packed = packBits(B, k, n);
    const W = big(unpackPm1(packed, k, n, 32));
    expect(W).toEqual(Array.from(B, (b) => (b ? 0xffffffffn : 1n)));
    const X = randRing(32, m * k) as Uint32Array;
    const got = big(await getKernels().gemmPm1(32, X, packed, m, k, n));
    const XX = big(X);
    const want: bigint[] = [];
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let s = 0n;
      for (let t = 0; t < k; t++) s += XX[i * k + t]! * (B[t * n + j] ? -1n : 1n);
      want.push(mod(32, s));
    }
    expect(got).toEqual(want);
  });
});

describe('1-bit matmul', () => {
  for (const l of [32, 64] as (32 | 64)[]) {
    it(`Z_2^${l}: X (7×130) · (1 − 2B) + bias; costs exact`, async () => {
      const [m, k, n] = [7, 130, 9];
      const X = randRing(l, m * k);
      const B = randBits(k * n);
      const bias = randRing(l, n);
      const packed = packBits(B, k, n);
      const shares = new Map<string, BitWeightShare>();
      const { outs, cl } = await runLut([{ l, shape: [m, k], value: X }], {
        offline: async (off, p, [rx]) => {
          p.label = 'setup';
          const w = await shareBitWeight(off, l, k, n, p.id === 'P0' ? packed : undefined);
          await off.flush('setup');
          shares.set(p.id, w);
          p.label = 'proto';
          return matmul1bOffline(off, rx!, w, p.id === 'P0' ? bias : undefined);
        },
        online: (p, [vx]) => inRound(p, 'proto', (r) => [matmul1b(r, vx!, shares.get(p.id)!)]),
      });
      const XX = big(X), BB = big(bias);
      const want: bigint[] = [];
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
        let s = BB[j]!;
        for (let t = 0; t < k; t++) s += XX[i * k + t]! * (B[t * n + j] ? -1n : 1n);
        want.push(mod(l, s));
      }
      expect(big(outs[0]!)).toEqual(want);
      expectCost(cl, matmul1bCost({ l, m, k, n }));
      const setup = shareBitWeightCost({ l, k, n });
      expect(cl.P0.acct.get('offline', 'setup').bytesSent).toBe(setup.offline.messages[0]!.bytes);
    });
  }

  it('int8 activations × ±1 weights, per-channel scale in the next requant table: equals intops', async () => {
    const [m, k, n] = [6, 96, 8];
    const x = new Int32Array(m * k).map(() => Math.floor(Math.random() * 256) - 128);
    const B = randBits(k * n);
    const bias = new Int32Array(n).map(() => Math.floor(Math.random() * 2000) - 1000);
    const wq: MatW = { k, n, bits: 1, w: Int8Array.from(B, (b) => (b ? -1 : 1)), bias };
    // Per-channel scale s_c folded into the table of channel c (pre-scaled by 2^(S_MAX − 4)).
    const bits = 8;
    const tables = new Int32Array(n * 256);
    for (let c = 0; c < n; c++) for (let j = 0; j < 256; j++) tables[c * 256 + j] = Math.max(-128, Math.min(127, Math.round((j >= 128 ? j - 256 : j) * (0.5 + c / 8))));
    const rq: Requant = { bits, shifts: Int32Array.of(4), channels: n, tables: [tables] };
    const y = await matmulW(getKernels(), x, m, wq);
    const want = intRequant(y, n, rq, true)[0]!;
    // Secure side: weights and bias pre-scaled by 2^(S_MAX − 4) so the public shift is S_MAX.
    const pre = 2 ** (S_MAX - 4);
    const scaledBias = ringOf(32, Array.from(bias, (b) => BigInt(b) * BigInt(pre)));
    const X = ringOf(32, Array.from(x, (v) => BigInt(v) * BigInt(pre)));
    const spec: RequantSpec = { s: S_MAX, bits, outputs: 1, l: 32 };
    const packed = packBits(B, k, n);
    const shares = new Map<string, BitWeightShare>();
    const { outs } = await runLut([{ l: 32, shape: [m, k], value: X }], {
      offline: async (off, p, [rx]) => {
        const w = await shareBitWeight(off, 32, k, n, p.id === 'P0' ? packed : undefined);
        shares.set(p.id, w);
        const ry = await matmul1bOffline(off, rx!, w, p.id === 'P0' ? scaledBias : undefined);
        return requantOffline(off, ry, spec, p.id === 'P0' ? [{ data: new Uint32Array(tables.buffer), channels: n }] : undefined);
      },
      online: async (p, [vx]) => {
        const [yy] = await inRound(p, 'proto', (r) => [matmul1b(r, vx!, shares.get(p.id)!)]);
        return requant(ownRounds(p, 'proto'), yy, spec);
      },
    });
    expect(big(outs[0]!)).toEqual(big(new Uint32Array(want.buffer)));
  });
});
