/**
 * The borrow chain (requant's exact high bits with one opened bit per chunk)
 * and the packed-bit helpers under it: every value of a 16-bit ring
 * through several chunk schedules (1-bit and 15-bit chunks, a last chunk
 * that takes the rest), 64-bit storage, the dealer's link tables against a
 * per-bit definition (every entry, masks at both ends of the range, both
 * borrow-in values), and pack/unpack/setBitRange against plain loops.
 */
import { describe, expect, it } from 'vitest';
import { packBits, setBitRange, unpackBits, bitTableStride } from '../../src/mpc/bits.js';
import { BORROW_OUTS, chainCost, chainPlan, finalIndex, indexLinkTable, linkTable, type BorrowOut } from '../../src/mpc/lut/borrow-chain.js';
import { requant, requantCost, requantOffline, type RequantSpec } from '../../src/mpc/lut/requant.js';
import { ownRounds } from '../../src/mpc/lut/stages.js';
import { tableFrom } from '../../src/mpc/lut/tables.js';
import type { RingArray, RingBits } from '../../src/kernels/types.js';
import { big, expectCost, randRing, ringOf, runLut } from './helpers.js';

/** The n bits above bit s of every value, through requant with the identity table. */
async function highBits(l: RingBits, values: RingArray, s: number, n: number, chunk: number | number[], borrowOut: BorrowOut = 'bit'): Promise<bigint[]> {
  const spec: RequantSpec = { s, bits: n, outputs: 1, l: 16, chunk, borrowOut };
  const id = tableFrom(n, 16, (j) => j);
  const { outs, cl } = await runLut([{ l, shape: [values.length], value: values }], {
    offline: (off, p, [ry]) => requantOffline(off, ry!, spec, p.id === 'P0' ? [{ data: id, channels: 1 }] : undefined),
    online: (p, [vy]) => requant(ownRounds(p, 'proto'), vy!, spec),
  });
  expectCost(cl, requantCost({ n: values.length, w: l, ...spec }));
  return big(outs[0]!);
}

describe("borrow chain: exact high bits of a masked value (the select: borrow-select.test.ts)", () => {
  const all16 = ringOf(16, Array.from({ length: 2 ** 16 }, (_, i) => BigInt(i)));
  for (const [s, n, chunk, out] of [
    [10, 6, 4, 'bit'],
    [8, 8, [1, 7], 'bit'],
    [12, 4, [3, 3, 3, 3], 'bit'],
    [10, 6, 4, 'index'],
    [8, 8, [1, 7], 'index'],
    [12, 4, [3, 3, 3, 3], 'index'],
    [7, 9, [5, 2], 'index'],
    [6, 10, 6, 'index'],
  ] as [number, number, number | number[], BorrowOut][]) {
    it(`every value of Z_2^16, s=${s}, n=${n}, chunks ${JSON.stringify(chunk)}, last opening ${out}; cost exact`, async () => {
      const got = await highBits(16, all16, s, n, chunk, out);
      const want = Array.from({ length: 2 ** 16 }, (_, y) => BigInt((y >> s) & (2 ** n - 1)));
      expect(got).toEqual(want);
    });
  }

  it('one 15-bit chunk (16-bit link tables): 4096 values spread over Z_2^16', async () => {
    const v = ringOf(16, Array.from({ length: 4096 }, (_, i) => BigInt(i * 16 + ((i * 7) & 15))));
    expect(await highBits(16, v, 15, 1, 15)).toEqual(Array.from(v as Uint16Array, (y) => BigInt(y >> 15)));
  });

  for (const out of BORROW_OUTS) {
    it(`64-bit storage: bits 40…47 of random values and of 0, −1, 2^63, 2^63 − 1 (last opening ${out})`, async () => {
      const v = randRing(64, 3000) as BigUint64Array;
      v.set([0n, 2n ** 64n - 1n, 2n ** 63n, 2n ** 63n - 1n, 2n ** 40n - 1n, 2n ** 40n]);
      const got = await highBits(64, v, 40, 8, 8, out);
      expect(got).toEqual(Array.from(v, (y) => (y >> 40n) & 255n));
    });
  }

  it('plans: chunks of c with the rest last, explicit schedules, bad chunks named', () => {
    expect(chainPlan(24, 8).chunks).toEqual([8, 8, 8]);
    expect(chainPlan(20, 12).chunks).toEqual([12, 8]);
    expect(chainPlan(24, [4, 4, 16 - 8, 8]).chunks).toEqual([4, 4, 8, 8]);
    expect(() => chainPlan(24, 16)).toThrow(/chunk 16 must be an integer in 1…15/);
    expect(() => chainPlan(24, [8, 8])).toThrow(/does not sum to s=24/);
    expect(() => chainPlan(0, 8)).toThrow(/shift 0/);
  });

  it('cost: 3 bit-rounds of ⌈N/8⌉ bytes and 32 + 64 + 64 table bytes per element at s = 24, chunk 8', () => {
    const c = chainCost(1000, chainPlan(24, 8));
    expect(c.offline).toBe(1000 * (32 + 64 + 64));
    expect(c.online.rounds).toEqual({ P1: 3, P2: 3 });
    expect(c.online.messages.map((m) => m.bytes)).toEqual([125, 125, 125, 125, 125, 125]);
  });

  it("cost with the index opened ('index'): the last link's 2^9 bytes per element at 8-bit indices, its round N bytes each way; 16-bit storage past n = 8", () => {
    const c = chainCost(1000, chainPlan(16, 8), 'index', 8);
    expect(c.offline).toBe(1000 * (32 + 512));
    expect(c.online.rounds).toEqual({ P1: 2, P2: 2 });
    expect(c.online.messages.map((m) => m.bytes)).toEqual([125, 125, 1000, 1000]);
    const w = chainCost(10, chainPlan(6, 6), 'index', 12);
    expect(w.offline).toBe(10 * 64 * 2);
    expect(w.online.messages.map((m) => m.bytes)).toEqual([20, 20]);
  });

  it('index link tables equal σ − [j < r + (u ⊕ ρ_in)] mod 2^L at every entry, σ at 0 and 2^L − 1, masks 0 and 2^c − 1', () => {
    for (const [c, L] of [[1, 8], [3, 8], [8, 8], [4, 16]] as [number, 8 | 16][]) {
      const S = 2 ** c;
      const rk = Uint32Array.from([0, S - 1, Math.floor(S / 2), 1, S - 1, 0, 0, S - 1]);
      const sigma = (L === 8 ? Uint8Array : Uint16Array).from([0, 2 ** L - 1, 5, 0, 77, 2 ** L - 1, 1, 3]);
      for (const rhoIn of [undefined, Uint8Array.from([1, 1, 0, 0, 0, 1, 0, 1])]) {
        const U = rhoIn ? 2 : 1;
        const t = indexLinkTable(rk, c, L, rhoIn, sigma);
        expect(t.length).toBe(rk.length * U * S);
        for (let e = 0; e < rk.length; e++) {
          for (let u = 0; u < U; u++) {
            for (let j = 0; j < S; j++) {
              const bIn = rhoIn ? u ^ rhoIn[e]! : 0;
              const want = (sigma[e]! - (j < rk[e]! + bIn ? 1 : 0) + 2 ** L) % 2 ** L;
              expect(t[(e * U + u) * S + j], `c=${c} e=${e} u=${u} j=${j}`).toBe(want);
            }
          }
        }
      }
    }
  });

  it('link tables equal [j < r + (u ⊕ ρ_in)] ⊕ ρ_out at every entry, masks 0 and 2^c − 1 included', () => {
    for (const c of [1, 2, 3, 8]) {
      const S = 2 ** c;
      const rk = Uint32Array.from([0, S - 1, Math.floor(S / 2), 1, S - 1, 0, 0, S - 1]);
      const rhoOut = Uint8Array.from([0, 1, 0, 1, 0, 1, 1, 0]);
      for (const rhoIn of [undefined, Uint8Array.from([1, 1, 0, 0, 0, 1, 0, 1])]) {
        const bits = rhoIn ? c + 1 : c;
        const stride = bitTableStride(bits);
        const t = linkTable(rk, c, stride, rhoIn, rhoOut);
        for (let e = 0; e < rk.length; e++) {
          for (let u = 0; u < (rhoIn ? 2 : 1); u++) {
            for (let j = 0; j < S; j++) {
              const pos = e * stride * 8 + u * S + j;
              const bit = (t[pos >> 3]! >> (pos & 7)) & 1;
              const bIn = rhoIn ? u ^ rhoIn[e]! : 0;
              expect(bit, `c=${c} e=${e} u=${u} j=${j}`).toBe((j < rk[e]! + bIn ? 1 : 0) ^ rhoOut[e]!);
            }
          }
        }
      }
    }
  });
});

describe('packed bits', () => {
  it('pack/unpack round-trip at every length 0…40 and at an unaligned offset', () => {
    for (let n = 0; n <= 40; n++) {
      const a = randRing(1, n) as Uint8Array;
      const p = packBits(a);
      expect(p.length).toBe(Math.ceil(n / 8));
      for (let k = 0; k < n; k++) expect((p[k >> 3]! >> (k & 7)) & 1).toBe(a[k]);
      expect(Array.from(unpackBits(p, n))).toEqual(Array.from(a));
    }
    const buf = new Uint8Array(1001);
    const view = buf.subarray(1);
    view.set(randRing(1, 1000) as Uint8Array);
    view[3] = 0xff; // only the low bit counts
    expect(Array.from(unpackBits(packBits(view), 1000))).toEqual(Array.from(view, (b) => b & 1));
  });

  it('setBitRange equals a per-bit loop on every range of a 40-bit buffer', () => {
    for (let from = 0; from <= 40; from += 3) {
      for (let to = from; to <= 40; to += 5) {
        for (const v of [0, 1]) {
          const a = new Uint8Array(5).fill(v ? 0 : 0xff);
          const want = new Uint8Array(5).fill(v ? 0 : 0xff);
          setBitRange(a, from, to, v);
          for (let k = from; k < to; k++) want[k >> 3] = v ? want[k >> 3]! | (1 << (k & 7)) : want[k >> 3]! & ~(1 << (k & 7));
          expect(Array.from(a), `[${from}, ${to}) := ${v}`).toEqual(Array.from(want));
          // The same range counted from a byte offset lands 3 bytes further on.
          const b = new Uint8Array(8).fill(v ? 0 : 0xff);
          setBitRange(b, from, to, v, 3);
          expect(Array.from(b.subarray(3)), `base 3: [${from}, ${to}) := ${v}`).toEqual(Array.from(want));
          expect(Array.from(b.subarray(0, 3))).toEqual([0, 0, 0].map(() => (v ? 0 : 0xff)));
        }
      }
    }
  });

  it('setBitRange refuses bit positions past 2^31 (where >> 3 wraps) instead of writing elsewhere', () => {
    // The link tables of a 12-bit chunk over 393216 elements hold 3.2·10^9 bits:
    // absolute positions there once wrapped and gave wrong BERT-base logits.
    expect(() => setBitRange(new Uint8Array(8), 2 ** 31, 2 ** 31 + 4, 1)).toThrow(/past 2\^31/);
  });
});

describe('finalIndex: the output tables index u·2^n + m_hi', () => {
  /** Per element, from the definition: bits s … s+n−1 of m, and bit i of the packed u at bit n. */
  const reference = (m: RingArray, s: number, n: number, u: Uint8Array): number[] =>
    Array.from(m as ArrayLike<number | bigint>, (v, i) => Number((BigInt(v) >> BigInt(s)) & ((1n << BigInt(n)) - 1n)) + ((u[i >> 3]! >> (i & 7)) & 1) * 2 ** n);

  it('32-bit storage (the 8-at-a-time pass): lengths around whole bytes of u, every shift and width', () => {
    let seed = 7;
    const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (const N of [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1003]) {
      const m = Uint32Array.from({ length: N }, (_, i) => (i % 5 === 0 ? 0 : i % 5 === 1 ? 0xffffffff : next()));
      const u = Uint8Array.from({ length: Math.ceil(N / 8) + 1 }, () => next() & 255);
      for (const s of [0, 1, 8, 16, 24, 31]) {
        for (const n of [1, 8, 9, 15, 16]) {
          expect(Array.from(finalIndex(m, s, n, u)), `N ${N} s ${s} n ${n}`).toEqual(reference(m, s, n, u));
        }
      }
    }
  });

  it('64-bit storage, shifts past 32 bits', () => {
    const m = BigUint64Array.from([0n, 2n ** 64n - 1n, 0x0123456789abcdefn, 2n ** 40n + 5n, 2n ** 63n, 77n, 1n << 33n, 99n, 3n]);
    const u = Uint8Array.from([0b10110101, 0b1]);
    for (const s of [0, 20, 33, 40]) for (const n of [1, 8, 16]) expect(Array.from(finalIndex(m, s, n, u))).toEqual(reference(m, s, n, u));
  });
});
