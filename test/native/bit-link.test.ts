/**
 * The borrow-chain link kernels: native bitLinkGather and prgBitLinkGather
 * equal a per-bit definition written out here (not the TypeScript backend),
 * and the TypeScript backend equals it too: element counts around multiples
 * of 8 and the multithreaded sizes, with and without the borrow-in bits,
 * shifts past bit 32, 1-bit and 16-bit chunks, every AES implementation and
 * 1 and 2 threads; bad arguments name the argument.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { tsKernels } from '../../src/kernels/ts.js';
import { addon, native, nativeAvailable, restoreConfig } from './helpers.js';

/** Bit j of element i's table, j = ((m >> off) mod 2^c) | u_i << c, packed. */
function definition(tables: Uint8Array, byteBits: number, m: Uint32Array, off: number, c: number, u?: Uint8Array): Uint8Array {
  const out = new Uint8Array((m.length + 7) >> 3);
  const stride = 2 ** byteBits;
  for (let i = 0; i < m.length; i++) {
    let j = off >= 32 ? 0 : Number((BigInt(m[i]!) >> BigInt(off)) % 2n ** BigInt(c));
    if (u) j += ((u[i >> 3]! >> (i % 8)) & 1) * 2 ** c;
    const byte = tables[i * stride + (Math.floor(j / 8) % stride)]!;
    if ((byte >> (j % 8)) & 1) out[i >> 3]! |= 1 << (i % 8);
  }
  return out;
}

const rand32 = (n: number): Uint32Array => new Uint32Array(new Uint8Array(randomBytes(4 * n)).buffer);

const CASES: { n: number; byteBits: number; off: number; c: number; withU: boolean }[] = [
  { n: 0, byteBits: 5, off: 0, c: 8, withU: false },
  { n: 1, byteBits: 5, off: 0, c: 8, withU: false },
  { n: 7, byteBits: 6, off: 8, c: 8, withU: true },
  { n: 8, byteBits: 1, off: 3, c: 1, withU: true },
  { n: 9, byteBits: 13, off: 16, c: 16, withU: true },
  { n: 1001, byteBits: 6, off: 24, c: 8, withU: true },
  { n: 3000, byteBits: 2, off: 40, c: 4, withU: true },
  { n: 70_001, byteBits: 6, off: 8, c: 8, withU: true },
];

describe('bit link kernels (borrow-chain reads)', () => {
  afterAll(restoreConfig);

  it('TypeScript backend = the per-bit definition', async () => {
    for (const { n, byteBits, off, c, withU } of CASES.slice(0, 7)) {
      const tables = new Uint8Array(randomBytes(n << byteBits));
      const m = rand32(n);
      const u = withU ? new Uint8Array(randomBytes((n + 7) >> 3)) : undefined;
      expect([...(await tsKernels.bitLinkGather(tables, byteBits, m, off, c, u))], `n=${n}`).toEqual([...definition(tables, byteBits, m, off, c, u)]);
    }
  });

  for (const aesni of [false, true]) {
    for (const threads of [1, 2]) {
      it.skipIf(!nativeAvailable)(`native = definition, stored and keystream tables (aesni=${aesni}, ${threads} thread(s))`, async () => {
        addon.configure({ aesni, threads });
        for (const { n, byteBits, off, c, withU } of CASES) {
          const tables = new Uint8Array(randomBytes(n << byteBits));
          const m = rand32(n);
          const u = withU ? new Uint8Array(randomBytes((n + 7) >> 3)) : undefined;
          const want = [...definition(tables, byteBits, m, off, c, u)];
          expect([...(await native.bitLinkGather(tables, byteBits, m, off, c, u))], `stored n=${n}`).toEqual(want);
          const key = new Uint8Array(randomBytes(16));
          const iv = Uint8Array.from(Buffer.from('0000000000000000fffffffffffffff0', 'hex')); // the counter carries inside
          const ks = new Uint8Array(n << byteBits);
          await tsKernels.prgFill(key, iv, ks);
          const wantPrg = [...definition(ks, byteBits, m, off, c, u)];
          expect([...(await native.prgBitLinkGather(key, iv, byteBits, m, off, c, u))], `keystream n=${n}`).toEqual(wantPrg);
          if (n <= 3000) expect([...(await tsKernels.prgBitLinkGather(key, iv, byteBits, m, off, c, u))]).toEqual(wantPrg);
        }
        restoreConfig();
      });
    }
  }

  it('bad arguments are named (both backends)', async () => {
    const backends = nativeAvailable ? [tsKernels, native] : [tsKernels];
    for (const K of backends) {
      const m = new Uint32Array(10);
      await expect(K.bitLinkGather(new Uint8Array(10 * 64), 6, m, 0, 8, new Uint8Array(1))).rejects.toThrow(/'u' must hold ceil\(m.length\/8\) = 2 bytes/);
      await expect(K.bitLinkGather(new Uint8Array(10 * 63), 6, m, 0, 8)).rejects.toThrow(/'tables'/);
      await expect(K.bitLinkGather(new Uint8Array(10 * 64), 6, m, 0, 17)).rejects.toThrow(/'c'=17/);
      await expect(K.bitLinkGather(new Uint8Array(10 * 64), 6, new Uint16Array(10) as never, 0, 8)).rejects.toThrow(/'m'/);
      await expect(K.bitLinkGather(new Uint8Array(10 * 64), 6, m, 0, 8, undefined, new Uint8Array(3))).rejects.toThrow(/'out'/);
      await expect(K.prgBitLinkGather(new Uint8Array(8), new Uint8Array(16), 6, m, 0, 8)).rejects.toThrow(/'key' must be 16 bytes/);
      const out = new Uint8Array(2);
      expect(await K.bitLinkGather(new Uint8Array(10 * 64), 6, m, 0, 8, undefined, out)).toBe(out);
    }
  });
});
