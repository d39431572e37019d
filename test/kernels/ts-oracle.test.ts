/**
 * The TypeScript backend is the oracle for every native kernel, so it is
 * itself checked against an independent BigInt formulation of each op and
 * against published AES-CTR test vectors.
 */
import { describe, expect, it } from 'vitest';
import { tsKernels as K } from '../../src/kernels/ts.js';
import { randomRing } from '../../src/kernels/selftest.js';
import { RING_BITS, type RingArray, type RingBits } from '../../src/kernels/types.js';

const big = (a: RingArray): bigint[] => Array.from(a as ArrayLike<number | bigint>, (v) => BigInt(v));
const mod = (l: number, v: bigint): bigint => BigInt.asUintN(l, v);
const sgn = (l: number, v: bigint): bigint => BigInt.asIntN(l, v);

describe('TypeScript backend against BigInt formulas', () => {
  for (const l of RING_BITS) {
    it(`element-wise ops in Z_2^${l}`, () => {
      const n = 257;
      const a = randomRing(l, n), b = randomRing(l, n);
      const A = big(a), B = big(b);
      const ops = {
        add: (x: bigint, y: bigint) => mod(l, x + y),
        sub: (x: bigint, y: bigint) => mod(l, x - y),
        mul: (x: bigint, y: bigint) => mod(l, x * y),
        and: (x: bigint, y: bigint) => x & y,
        or: (x: bigint, y: bigint) => x | y,
        xor: (x: bigint, y: bigint) => x ^ y,
      } as const;
      for (const [op, f] of Object.entries(ops)) {
        expect(big(K.binary(op as keyof typeof ops, l, a, b)), op).toEqual(A.map((x, i) => f(x, B[i]!)));
      }
      expect(big(K.unary('neg', l, a))).toEqual(A.map((x) => mod(l, -x)));
      expect(big(K.unary('not', l, a))).toEqual(A.map((x) => mod(l, ~x)));
      expect(big(K.mulScalar(l, a, -3n))).toEqual(A.map((x) => mod(l, -3n * x)));
      for (let k = 0; k < l; k += Math.max(1, l >> 2)) {
        expect(big(K.shift('shl', l, a, k))).toEqual(A.map((x) => mod(l, x << BigInt(k))));
        expect(big(K.shift('shr', l, a, k))).toEqual(A.map((x) => x >> BigInt(k)));
        expect(big(K.shift('sar', l, a, k))).toEqual(A.map((x) => mod(l, sgn(l, x) >> BigInt(k))));
      }
    });
  }

  it('in-place operation (out aliases an input)', () => {
    const a = Uint32Array.of(1, 2, 0xffffffff), b = Uint32Array.of(5, 6, 2);
    K.binary('add', 32, a, b, a);
    expect(Array.from(a)).toEqual([6, 8, 1]);
  });

  for (const l of [32, 64] as const) {
    it(`gemm and ±1 gemm mod 2^${l}, including wrap-around and empty shapes`, async () => {
      for (const [m, k, n] of [[3, 70, 5], [1, 1, 1], [0, 4, 3], [2, 0, 2], [4, 129, 0]] as const) {
        const a = randomRing(l, m * k), b = randomRing(l, k * n);
        const A = big(a), B = big(b);
        const want: bigint[] = [];
        for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
          let s = 0n;
          for (let t = 0; t < k; t++) s += A[i * k + t]! * B[t * n + j]!;
          want.push(mod(l, s));
        }
        expect(big(await K.gemm(l, a, b, m, k, n))).toEqual(want);

        const words = Math.ceil(k / 64);
        const packed = randomRing(64, n * words);
        const bit = (t: number, j: number): bigint => (packed[j * words + (t >> 6)]! >> BigInt(t & 63)) & 1n;
        const wantPm: bigint[] = [];
        for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
          let s = 0n;
          for (let t = 0; t < k; t++) s += A[i * k + t]! * (1n - 2n * bit(t, j));
          wantPm.push(mod(l, s));
        }
        expect(big(await K.gemmPm1(l, a, packed, m, k, n))).toEqual(wantPm);
      }
    });
  }

  it('gathers read the low `bits` bits of every index, for all table entries', async () => {
    const bits = 8;
    const table = randomRing(16, 256);
    const idx = new Uint32Array(512);
    for (let i = 0; i < 512; i++) idx[i] = (i * 0x10001 + 0xabc00) >>> 0; // high bits must be ignored
    const shared = await K.gatherShared(table, bits, idx);
    for (let i = 0; i < 512; i++) expect(shared[i]).toBe(table[i & 255]);
    const tables = randomRing(64, 256 * 3);
    const per = await K.gatherPerElement(tables, bits, BigUint64Array.of(0n, 255n, 0xffff_ffff_ffff_ff01n));
    expect(big(per)).toEqual([tables[0], tables[256 + 255], tables[512 + 1]]);
  });

  it('prgFill equals the NIST SP 800-38A F.5.1 AES-128-CTR keystream', async () => {
    const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
    const key = hex('2b7e151628aed2a6abf7158809cf4f3c');
    const iv = hex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff');
    const pt = hex('6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51');
    const ct = hex('874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff');
    const ks = await K.prgFill(key, iv, new Uint8Array(32));
    expect(Buffer.from(ks.map((v, i) => v ^ pt[i]!)).toString('hex')).toBe(Buffer.from(ct).toString('hex'));
  });

  it('bad input: clear errors naming the argument', async () => {
    expect(() => K.binary('add', 32, new Uint16Array(2) as never, new Uint32Array(2))).toThrow(/argument 'a' must be a Uint32Array/);
    expect(() => K.binary('add', 32, new Uint32Array(2), new Uint32Array(3))).toThrow(RangeError);
    expect(() => K.binary('add', 12 as RingBits, new Uint32Array(2) as never, new Uint32Array(2) as never)).toThrow(/ring width l=12/);
    expect(() => K.shift('shl', 8, new Uint8Array(2), 8)).toThrow(/shift count k=8/);
    await expect(K.gemm(32, new Uint32Array(6), new Uint32Array(6), 2, 3, 3)).rejects.toThrow(/argument 'b' must have length 9/);
    await expect(K.gemm(16 as 32, new Uint32Array(1), new Uint32Array(1), 1, 1, 1)).rejects.toThrow(RangeError);
    await expect(K.gatherShared(new Uint8Array(255), 8, new Uint8Array(1))).rejects.toThrow(/2\^bits = 256/);
    await expect(K.gatherShared(new Uint8Array(1 << 25), 25, new Uint8Array(1))).rejects.toThrow(/bits=25/);
    await expect(K.prgFill(new Uint8Array(15), new Uint8Array(16), new Uint8Array(1))).rejects.toThrow(/'key' must be 16 bytes/);
  });
});
