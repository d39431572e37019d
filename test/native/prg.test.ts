/**
 * The native AES-128-CTR keystream equals node:crypto's 'aes-128-ctr' bit for
 * bit: several keys and ivs, lengths that are not multiples of 16, counter
 * carries across the 64-bit boundary and the 128-bit wrap, large outputs that
 * take the multithreaded path, and every implementation (VAES, AES-NI,
 * portable) this CPU can run.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
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
