/**
 * Transport-free math of the lookup-table protocols, exhaustively on small
 * domains: the dealer's rotated tables read at the public masked index give
 * T(x) for every input and every mask; the exact-shift steps give x >> s for
 * every input and every mask; standard tables; bad arguments.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { ShapeError } from '../../src/errors.js';
import { allocRing, type RingArray, type RingBits } from '../../src/kernels/types.js';
import { lookup, concatIndex } from '../../src/mpc/lut/local.js';
import { shiftPlan, shiftStepLocal, shiftStepTables } from '../../src/mpc/lut/shift.js';
import {
  borrowTables,
  extensionTable,
  reluTable,
  rotateTables,
  rotateTablesMulti,
  signedOf,
  signTable,
  tableFrom,
} from '../../src/mpc/lut/tables.js';
import { big, randRing } from './helpers.js';

const mod = (l: number, v: bigint): bigint => BigInt.asUintN(l, v);

describe('rotated tables (every input × every mask)', () => {
  for (const bits of [1, 3, 5, 8]) {
    for (const l of (bits === 8 ? [1, 64] : [1, 8, 32, 64]) as RingBits[]) {
      it(`shared ${bits}-bit table in Z_2^${l}: T'_r[(x + r) mod 2^n] = T(x)`, async () => {
        const S = 2 ** bits;
        const T = randRing(l, S);
        // Element e = x·S + r: every (input, mask) pair once.
        const N = S * S;
        const r = new Uint32Array(N), m = new Uint32Array(N);
        for (let x = 0; x < S; x++) for (let q = 0; q < S; q++) {
          r[x * S + q] = q + S * 7; // high bits of the mask must not matter
          m[x * S + q] = (x + q) % S + S * 3;
        }
        const rot = await rotateTables(T, bits, l, 1, r);
        const got = big(await lookup(rot, bits, m));
        const TT = big(T);
        const want = Array.from({ length: N }, (_, e) => TT[Math.floor(e / S)]!);
        expect(got).toEqual(want);
      });
    }
  }

  it('per-channel tables: element i uses channel i mod C, every mask', async () => {
    const bits = 4, S = 16, C = 5, l: RingBits = 16;
    const T = randRing(l, C * S);
    const N = C * S * S;
    const r = new Uint32Array(N), m = new Uint32Array(N), want: bigint[] = [];
    const TT = big(T);
    for (let i = 0; i < N; i++) {
      const c = i % C, q = Math.floor(i / C) % S, x = Math.floor(i / (C * S));
      r[i] = q;
      m[i] = (x + q) % S;
      want.push(TT[c * S + x]!);
    }
    const got = big(await lookup(await rotateTables(T, bits, l, C, r), bits, m));
    expect(got).toEqual(want);
  });

  it('block channels: element i uses table ⌊i / (N / C)⌋ (heads stacked one after another), every input × every mask', async () => {
    const bits = 4, l: RingBits = 32, C = 3, S = 2 ** bits;
    const T = randRing(l, C * S);
    const per = S * S; // each block: every input under every mask
    const N = C * per;
    const r = new Uint32Array(N), m = new Uint32Array(N), want: bigint[] = [];
    const TT = big(T);
    for (let i = 0; i < N; i++) {
      const c = Math.floor(i / per), q = i % S, x = Math.floor(i / S) % S;
      r[i] = q;
      m[i] = (x + q) % S;
      want.push(TT[c * S + x]!);
    }
    expect(big(await lookup(await rotateTables(T, bits, l, C, r, true), bits, m))).toEqual(want);
    // The cyclic layout reads other tables for the same elements.
    expect(big(await lookup(await rotateTables(T, bits, l, C, r), bits, m))).not.toEqual(want);
  });

  it('masks in a 64-bit ring (BigUint64Array) rotate by their low bits', async () => {
    const T = randRing(8, 256);
    const r = randRing(64, 500) as BigUint64Array;
    const x = new Uint32Array(500).map(() => randomBytes(1)[0]!);
    const m = new BigUint64Array(500).map((_, i) => BigInt.asUintN(64, BigInt(x[i]!) + r[i]!));
    const got = big(await lookup(await rotateTables(T, 8, 8, 1, r), 8, m));
    const TT = big(T);
    expect(got).toEqual(Array.from(x, (v) => TT[v]!));
  });

  for (const bits of [[4, 4], [3, 5], [2, 3, 3], [1, 1, 1, 1]]) {
    it(`multi-input table over ${bits.join('+')} bits: every input pair × every mask pair`, async () => {
      const B = bits.reduce((a, b) => a + b, 0);
      const S = 2 ** B;
      const l: RingBits = 32;
      const T = randRing(l, S);
      // Elements enumerate (x, r) with x, r over the concatenated domain.
      const N = S * S;
      const xs = bits.map(() => new Uint32Array(N));
      const rs = bits.map(() => new Uint32Array(N));
      const ms = bits.map(() => new Uint32Array(N));
      const want: bigint[] = [];
      const TT = big(T);
      for (let e = 0; e < N; e++) {
        const xc = Math.floor(e / S), rc = e % S;
        let shiftBits = B;
        for (let t = 0; t < bits.length; t++) {
          shiftBits -= bits[t]!;
          const D = 2 ** bits[t]!;
          const xv = Math.floor(xc / 2 ** shiftBits) % D, rv = Math.floor(rc / 2 ** shiftBits) % D;
          xs[t]![e] = xv;
          rs[t]![e] = rv;
          ms[t]![e] = (xv + rv) % D + 5 * D; // junk above the index bits
        }
        want.push(TT[xc]!);
      }
      const rot = await rotateTablesMulti(T, bits, l, 1, rs);
      const idx = concatIndex(ms.map((m) => ({ l: 32 as RingBits, m })), bits);
      expect(big(await lookup(rot, B, idx))).toEqual(want);
    });
  }
});

describe('borrow tables and exact-shift steps', () => {
  it('borrow table B[j] = base − [j < rl] for every rl and j', () => {
    for (const c of [1, 4, 8]) {
      const S = 2 ** c;
      const rl = new Uint32Array(S).map((_, i) => i);
      const base = randRing(16, S) as Uint16Array;
      const t = borrowTables(c, 16, rl, base);
      const want: number[] = [];
      for (let i = 0; i < S; i++) for (let j = 0; j < S; j++) want.push((base[i]! - (j < i ? 1 : 0)) & 0xffff);
      expect(Array.from(t as Uint16Array)).toEqual(want);
    }
  });

  /** Run all steps of a shift on (x, r) pairs without transport; returns the final masked values and masks. */
  async function simulateRaw(l: RingBits, x: RingArray, r: RingArray, s: number, signed: boolean, outBits: number | undefined, chunk: number): Promise<{ m: RingArray; r: RingArray; o: number }> {
    const plan = shiftPlan(l, { s, outBits, chunk });
    let cur = { l, r, m: (await import('../../src/mpc/ring.js')).add(l, x, r) };
    for (let k = 0; k < plan.steps.length; k++) {
      const st = plan.steps[k]!;
      const rho = randRing(st.L, x.length);
      const tables = shiftStepTables(plan, k, cur, rho, l, s, signed);
      const m = await shiftStepLocal(st, cur, tables);
      cur = { l: st.L, r: rho, m };
    }
    return { m: cur.m, r: cur.r, o: plan.outBits };
  }

  async function simulate(l: RingBits, x: RingArray, r: RingArray, s: number, signed: boolean, outBits: number | undefined, chunk: number): Promise<bigint[]> {
    const { m, r: rr, o } = await simulateRaw(l, x, r, s, signed, outBits, chunk);
    const mm = big(m), rb = big(rr);
    return mm.map((v, i) => mod(o, v - rb[i]!));
  }

  function refShift(l: number, x: bigint, s: number, signed: boolean, o: number): bigint {
    const v = signed ? BigInt.asIntN(l, x) : BigInt.asUintN(l, x);
    return mod(o, v >> BigInt(s)); // BigInt >> is floor for negatives
  }

  it('every 8-bit input × every 8-bit mask, all shifts, chunks 1–8, signed and unsigned', async () => {
    const l: RingBits = 8;
    const N = 65536;
    const x = allocRing(8, N), r = allocRing(8, N);
    for (let i = 0; i < N; i++) {
      x[i] = i & 255;
      r[i] = i >> 8;
    }
    for (let s = 1; s < 8; s++) {
      for (const chunk of [1, 3, 8]) {
        for (const signed of [false, true]) {
          for (const outBits of s < 3 ? [undefined, 1, 8 - s - 2] : [undefined, 1]) {
            const got = await simulateRaw(l, x, r, s, signed, outBits, chunk);
            const o = got.o, M = got.m as Uint8Array, Rm = got.r as Uint8Array, mask = 2 ** o - 1;
            for (let i = 0; i < N; i++) {
              const xv = signed ? (x[i]! << 24) >> 24 : x[i]!;
              const want = (xv >> s) & mask;
              if (((M[i]! - Rm[i]!) & mask) !== want) throw new Error(`s=${s} chunk=${chunk} signed=${signed} o=${o}: x=${x[i]} r=${r[i]} got ${(M[i]! - Rm[i]!) & mask} want ${want}`);
            }
          }
        }
      }
    }
  });

  it('16-, 32- and 64-bit values: random inputs and the edges −2^(l−1), −1, 0, 2^(l−1)−1 (and neighbours), random masks', async () => {
    for (const l of [16, 32, 64] as RingBits[]) {
      const edges = [-(2n ** BigInt(l - 1)), -(2n ** BigInt(l - 1)) + 1n, -2n, -1n, 0n, 1n, 2n ** BigInt(l - 1) - 2n, 2n ** BigInt(l - 1) - 1n];
      const N = 2000;
      const xv = randRing(l, N);
      const xa = big(xv);
      for (let i = 0; i < edges.length; i++) xa[i] = mod(l, edges[i]!);
      const x = allocRing(l, N) as RingArray;
      xa.forEach((v, i) => ((x as unknown as { [k: number]: number | bigint })[i] = l === 64 ? v : Number(v)));
      for (const s of [1, 7, 8, 9, 17, l - 1].filter((v) => v < l)) {
        for (const signed of [false, true]) {
          for (const chunk of [8, 5]) {
            const r = randRing(l, N);
            const got = await simulate(l, x, r, s, signed, undefined, chunk);
            const want = xa.map((v) => refShift(l, v, s, signed, l - s));
            expect(got).toEqual(want);
          }
        }
      }
    }
  });
});

describe('standard tables', () => {
  it('extension, relu and sign tables', () => {
    expect(big(extensionTable(3, 8, false))).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n]);
    expect(big(extensionTable(3, 8, true))).toEqual([0n, 1n, 2n, 3n, 252n, 253n, 254n, 255n]);
    expect(big(reluTable(3, 8))).toEqual([0n, 1n, 2n, 3n, 0n, 0n, 0n, 0n]);
    expect(big(signTable(2, 16))).toEqual([0n, 1n, 65535n, 65535n]);
    expect(signedOf(255, 8)).toBe(-1);
    expect(big(tableFrom(2, 64, (j) => -j))).toEqual([0n, 2n ** 64n - 1n, 2n ** 64n - 2n, 2n ** 64n - 3n]);
  });
});

describe('bad arguments → ShapeError', () => {
  it('table size, index width, shift width, chunk', async () => {
    const r = new Uint32Array(4);
    await expect(rotateTables(allocRing(8, 100), 7, 8, 1, r)).rejects.toThrow(ShapeError);
    await expect(rotateTables(allocRing(8, 2 ** 17), 17, 8, 1, r)).rejects.toThrow(/index width 17/);
    await expect(rotateTables(allocRing(8, 256), 8, 8, 3, r)).rejects.toThrow(ShapeError);
    await expect(rotateTables(allocRing(16, 256), 8, 8, 1, r)).rejects.toThrow(/Uint8Array storage/);
    await expect(rotateTablesMulti(allocRing(8, 2 ** 18), [9, 9], 8, 1, [r, r])).rejects.toThrow(/total index/);
    expect(() => shiftPlan(32, { s: 32 })).toThrow(/not narrower/);
    expect(() => shiftPlan(32, { s: 40 })).toThrow(ShapeError);
    expect(() => shiftPlan(32, { s: 8, outBits: 25 })).toThrow(ShapeError);
    expect(() => shiftPlan(32, { s: 8, chunk: 0 })).toThrow(ShapeError);
  });
});
