/**
 * The native AES-128-CTR keystream equals node:crypto's 'aes-128-ctr' bit for
 * bit: several keys and ivs, lengths that are not multiples of 16, counter
 * carries across the 64-bit boundary and the 128-bit wrap, large outputs that
 * take the multithreaded path, and every implementation (VAES, AES-NI,
 * portable) this CPU can run. prgGather and prgMix equal the keystream
 * followed by their gather or element-wise op.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { tsKernels } from '../../src/kernels/ts.js';
import { addon, native, nativeAvailable, restoreConfig, simdLevels } from './helpers.js';

function reference(key: Uint8Array, iv: Uint8Array, len: number): Buffer {
  return createCipheriv('aes-128-ctr', key, iv).update(Buffer.alloc(len));
}

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));

const IVS = [
  '00000000000000000000000000000000',
  '0000000000000000ffffffffffffffff', // carry into the high 64 bits after one block
  '00000000000000fffffffffffffffffd', // carry across the 64-bit boundary into byte 6
  'fffffffffffffffffffffffffffffffe', // full 128-bit wrap to zero
  'f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff', // SP 800-38A F.5.1
];
const LENGTHS = [0, 1, 15, 16, 17, 31, 100, 255, 4096 + 7, 65_537];

describe.skipIf(!nativeAvailable)('native prgFill = node:crypto aes-128-ctr', () => {
  afterAll(restoreConfig);

  it('SP 800-38A F.5.1 keystream', async () => {
    const key = hex('2b7e151628aed2a6abf7158809cf4f3c'), iv = hex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff');
    const pt = hex('6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51');
    const ct = hex('874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff');
    const ks = await native.prgFill(key, iv, new Uint8Array(32));
    expect(Buffer.from(ks.map((b, i) => b ^ pt[i]!)).toString('hex')).toBe(Buffer.from(ct).toString('hex'));
  });

  const configs: { simd: 'scalar' | 'avx2' | 'avx512'; aesni: boolean }[] = [];
  for (const simd of simdLevels()) for (const aesni of [false, true]) configs.push({ simd, aesni });
  for (const cfg of configs) {
    it(`equals node:crypto with simd=${cfg.simd} aesni=${cfg.aesni}`, async () => {
      const info = addon.configure(cfg);
      for (const ivh of IVS) {
        for (const len of LENGTHS) {
          const key = randomBytes(16), iv = hex(ivh);
          const got = await native.prgFill(key, iv, new Uint8Array(len));
          expect(Buffer.from(got).equals(reference(key, iv, len)), `${info.aes} iv=${ivh} len=${len}`).toBe(true);
        }
      }
      // Large output: split over threads, each range starting at iv + offset.
      const key = randomBytes(16), iv = hex(IVS[2]!);
      const len = (3 << 20) + 5;
      const got = await native.prgFill(key, iv, new Uint8Array(len));
      expect(Buffer.from(got).equals(reference(key, iv, len)), `${info.aes} large`).toBe(true);
      restoreConfig();
    });
  }

  it('fills a subarray view without touching its neighbours', async () => {
    const buf = new Uint8Array(64).fill(0xaa);
    const view = buf.subarray(5, 5 + 40);
    const key = randomBytes(16), iv = randomBytes(16);
    await native.prgFill(key, iv, view);
    expect(Buffer.from(view).equals(reference(key, iv, 40))).toBe(true);
    expect(buf[4]).toBe(0xaa);
    expect(buf[45]).toBe(0xaa);
  });
});

describe.skipIf(!nativeAvailable)('native prgGather = keystream expansion + per-element gather', () => {
  afterAll(restoreConfig);

  const ringArr = (l: 8 | 16 | 32 | 64, n: number): Uint8Array | Uint16Array | Uint32Array | BigUint64Array => {
    const b = randomBytes(n * (l / 8));
    const buf = new Uint8Array(b.buffer, b.byteOffset, b.byteLength).slice();
    return l === 8 ? buf : l === 16 ? new Uint16Array(buf.buffer) : l === 32 ? new Uint32Array(buf.buffer) : new BigUint64Array(buf.buffer);
  };

  for (const aesni of [false, true]) {
    it(`every ring, index type and width, counter carries (aesni=${aesni})`, async () => {
      addon.configure({ aesni });
      for (const l of [8, 16, 32, 64] as const) {
        for (const bits of [1, 7, 8, 12]) {
          for (const n of [0, 1, 9, 5000, 40_000]) {
            if (n << bits > 1 << 22) continue;
            for (const idxL of [8, 16, 32, 64] as const) {
              if (idxL !== 32 && n !== 5000) continue;
              const key = randomBytes(16), iv = hex(IVS[1]!);
              const idx = ringArr(idxL, n); // random high bits: only the low `bits` count
              const full = new Uint8Array((n << bits) * (l / 8));
              await native.prgFill(key, iv, full);
              const view = l === 8 ? full : l === 16 ? new Uint16Array(full.buffer) : l === 32 ? new Uint32Array(full.buffer) : new BigUint64Array(full.buffer);
              const want = await tsKernels.gatherPerElement(view as never, bits, idx);
              const got = await native.prgGather(key, iv, l, bits, idx);
              expect([...got], `l=${l} bits=${bits} n=${n} idx=${idxL}`).toEqual([...want]);
              expect([...(await tsKernels.prgGather(key, iv, l, bits, idx))]).toEqual([...want]);
            }
          }
        }
      }
      restoreConfig();
    });
  }

  it('writes into out and rejects bad arguments with the argument named', async () => {
    const key = randomBytes(16), iv = randomBytes(16);
    const out = new Uint32Array(3);
    expect(await native.prgGather(key, iv, 32, 4, new Uint8Array([1, 2, 3]), out)).toBe(out);
    await expect(native.prgGather(key.subarray(0, 8), iv, 32, 4, new Uint8Array(3))).rejects.toThrow(/'key' must be 16 bytes/);
    await expect(native.prgGather(key, iv, 1 as never, 4, new Uint8Array(3))).rejects.toThrow(/Z_2\^1/);
    await expect(native.prgGather(key, iv, 32, 25, new Uint8Array(3))).rejects.toThrow(/bits=25 is out of range/);
    await expect(native.prgGather(key, iv, 32, 4, new Uint8Array(3), new Uint32Array(2))).rejects.toThrow(/'out'/);
    await expect(tsKernels.prgGather(key, iv, 1 as never, 4, new Uint8Array(3))).rejects.toThrow(/Z_2\^1/);
  });
});

describe.skipIf(!nativeAvailable)('native prgMix = keystream expansion + element-wise sub or xor, in place', () => {
  afterAll(restoreConfig);

  const ringOf = (l: 8 | 16 | 32 | 64, b: Uint8Array): Uint8Array | Uint16Array | Uint32Array | BigUint64Array =>
    l === 8 ? b : l === 16 ? new Uint16Array(b.buffer, b.byteOffset, b.byteLength / 2) : l === 32 ? new Uint32Array(b.buffer, b.byteOffset, b.byteLength / 4) : new BigUint64Array(b.buffer, b.byteOffset, b.byteLength / 8);

  for (const aesni of [false, true]) {
    it(`every ring, both ops, lengths across blocks, batches and threads, counter carries (aesni=${aesni})`, async () => {
      addon.configure({ aesni });
      for (const l of [8, 16, 32, 64] as const) {
        for (const bytes of [0, l / 8, 16, 24, 4096 + 8, (5 << 18) + 40]) {
          for (const op of ['sub', 'xor'] as const) {
            const key = randomBytes(16), iv = hex(IVS[bytes % 3 === 0 ? 3 : 2]!);
            const data = ringOf(l, new Uint8Array(randomBytes(bytes)));
            const ks = new Uint8Array(bytes);
            await native.prgFill(key, iv, ks);
            const want = tsKernels.binary(op, l, data.slice() as never, ringOf(l, ks) as never);
            const copy = data.slice();
            const got = await native.prgMix(key, iv, op, l, copy as never);
            expect(got, 'in place').toBe(copy);
            expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(want.buffer, want.byteOffset, want.byteLength)), `l=${l} bytes=${bytes} ${op}`).toBe(true);
            const oracle = await tsKernels.prgMix(key, iv, op, l, data.slice() as never);
            expect(Buffer.from(oracle.buffer, oracle.byteOffset, oracle.byteLength).equals(Buffer.from(want.buffer, want.byteOffset, want.byteLength))).toBe(true);
          }
        }
      }
      restoreConfig();
    });
  }

  it('rejects bad arguments with the argument named', async () => {
    const key = randomBytes(16), iv = randomBytes(16);
    await expect(native.prgMix(key.subarray(0, 8), iv, 'sub', 32, new Uint32Array(3))).rejects.toThrow(/'key' must be 16 bytes/);
    await expect(native.prgMix(key, iv, 'add' as never, 32, new Uint32Array(3))).rejects.toThrow(/op must be 'sub' or 'xor'/);
    await expect(native.prgMix(key, iv, 'sub', 1 as never, new Uint8Array(3) as never)).rejects.toThrow(/Z_2\^1/);
    await expect(native.prgMix(key, iv, 'sub', 32, new Uint16Array(3) as never)).rejects.toThrow(/'data'/);
    await expect(tsKernels.prgMix(key, iv, 'add' as never, 32, new Uint32Array(3))).rejects.toThrow(/op must be 'sub' or 'xor'/);
    await expect(tsKernels.prgMix(key, iv, 'sub', 32, new Uint16Array(3) as never)).rejects.toThrow(/'data'/);
  });
});

describe.skipIf(!nativeAvailable)('adviseHugePages', () => {
  it('advises only whole aligned 2 MiB blocks inside the view and never changes its contents', () => {
    const a = new Uint8Array(9 << 20);
    a[0] = 7;
    a[a.length - 1] = 9;
    const advised = addon.adviseHugePages(a);
    expect(advised % (2 << 20)).toBe(0);
    expect(advised).toBeLessThanOrEqual(a.byteLength);
    if (process.platform === 'linux') expect(advised).toBeGreaterThanOrEqual(6 << 20); // ≥ 3 aligned blocks in 9 MiB
    expect(a[0]).toBe(7);
    expect(a[a.length - 1]).toBe(9);
    expect(addon.adviseHugePages(new Uint8Array(4096))).toBe(0);
    expect(() => addon.adviseHugePages({} as never)).toThrow(/'view' must be a typed array/);
  });
});
