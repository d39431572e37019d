/**
 * The carry-select borrow (borrow-select.ts), which requant uses with
 * `borrow: 'select'` for 3…5 chunks: the dealer's tables against the plain borrow for every public
 * value, every mask and every mask bit (no MPC in between, so a wrong table
 * entry is named); the bit interleaving against a loop; the cost; and
 * through requant, every value of a 16-bit ring at 3, 4 and 5 chunks, and
 * the fallback to the chain at 6 chunks, with the last borrow or the index
 * opened (borrowOut); a bad borrow name is refused.
 */
import { describe, expect, it } from 'vitest';
import { bitTableStride, packBits } from '../../src/mpc/bits.js';
import { chainPlan, limb, linkTable, type BorrowOut } from '../../src/mpc/lut/borrow-chain.js';
import { candidateTable, combineEntries, combineIndexTable, combineTable, interleaveBits, selectApplies, selectCost } from '../../src/mpc/lut/borrow-select.js';
import { requant, requantCost, requantOffline, type RequantSpec } from '../../src/mpc/lut/requant.js';
import { ownRounds } from '../../src/mpc/lut/stages.js';
import { tableFrom } from '../../src/mpc/lut/tables.js';
import type { RingArray } from '../../src/kernels/types.js';
import { big, expectCost, randRing, ringOf, runLut } from './helpers.js';

function bit(t: Uint8Array, pos: number): number {
  return (t[pos >> 3]! >> (pos & 7)) & 1;
}

describe('borrow select: dealer tables', () => {
  it('g, the candidates and C give [m_lo < r_lo] for every m and every mask bit (3 chunks of 2 bits)', () => {
    const plan = chainPlan(6, 2);
    const K = plan.chunks.length;
    // Element e has mask r = e (all 64 low masks) and mask bits from e's pattern.
    const N = 64 * 8;
    const r = Uint32Array.from({ length: N }, (_, e) => e % 64);
    const mb = (e: number, j: number): number => ((e >> 6) >> j) & 1 ^ ((e * 37) >> (j + 1)) & 1;
    const rho = Uint8Array.from({ length: N }, (_, e) => mb(e, 0));
    const alpha = [1, 2].map((k) => Uint8Array.from({ length: N }, (_, e) => mb(e, 2 * k - 1)));
    const beta = [1, 2].map((k) => Uint8Array.from({ length: N }, (_, e) => mb(e, 2 * k)));
    const rhoB = Uint8Array.from({ length: N }, (_, e) => mb(e, 2) ^ mb(e, 1));
    const g = linkTable(limb(r, 0, 2), 2, bitTableStride(2), undefined, rho);
    const cand = [1, 2].map((k) => candidateTable(limb(r, 2 * k, 2), 2, alpha[k - 1]!, beta[k - 1]!));
    const C = combineTable(K, rho, alpha, beta, rhoB);
    const sG = bitTableStride(2) * 8, sK = bitTableStride(3) * 8, sC = bitTableStride(5) * 8;
    for (let e = 0; e < N; e++) {
      for (let m = 0; m < 64; m++) {
        const u = bit(g, e * sG + (m & 3));
        let v = 0;
        for (let k = 1; k < K; k++) {
          const mk = (m >> (2 * k)) & 3;
          v |= bit(cand[k - 1]!, e * sK + mk) << (2 * k - 2);
          v |= bit(cand[k - 1]!, e * sK + 4 + mk) << (2 * k - 1);
        }
        const got = bit(C, e * sC + u * 16 + v) ^ rhoB[e]!;
        expect(got, `e=${e} r=${r[e]} m=${m}`).toBe(m < r[e]! ? 1 : 0);
      }
    }
  });

  it('candidate tables hold [j < r] ⊕ α and [j < r + 1] ⊕ β at every entry, masks 0 and 2^c − 1 included', () => {
    for (const c of [1, 3, 8]) {
      const S = 2 ** c;
      const rk = Uint32Array.from([0, S - 1, S >> 1, 1, S - 1, 0]);
      const alpha = Uint8Array.from([0, 1, 0, 1, 1, 0]), beta = Uint8Array.from([1, 1, 0, 0, 0, 1]);
      const t = candidateTable(rk, c, alpha, beta);
      const stride = bitTableStride(c + 1) * 8;
      for (let e = 0; e < rk.length; e++) {
        for (let j = 0; j < S; j++) {
          expect(bit(t, e * stride + j), `lo c=${c} e=${e} j=${j}`).toBe((j < rk[e]! ? 1 : 0) ^ alpha[e]!);
          expect(bit(t, e * stride + S + j), `le c=${c} e=${e} j=${j}`).toBe((j <= rk[e]! ? 1 : 0) ^ beta[e]!);
        }
      }
    }
  });

  it('C at 5 chunks: every entry is the select of the unmasked bits, ⊕ ρ_B', () => {
    const K = 5;
    const alpha = [1, 0, 1, 1], beta = [0, 0, 1, 0];
    const C = combineEntries(K, 1, alpha, beta, 1);
    expect(C.length).toBe(2 ** 9);
    for (let idx = 0; idx < C.length; idx++) {
      let b = (idx >> 8) ^ 1;
      for (let k = 1; k < K; k++) b = b ? ((idx >> (2 * k - 1)) & 1) ^ beta[k - 1]! : ((idx >> (2 * k - 2)) & 1) ^ alpha[k - 1]!;
      expect(C[idx], `idx=${idx}`).toBe(b ^ 1);
    }
  });
});

describe('borrow select: online helpers and cost', () => {
  it('interleaveBits equals a per-bit loop for 1…8 vectors and lengths not a multiple of 8', () => {
    for (const [count, N] of [[1, 1], [2, 13], [5, 77], [8, 64], [8, 1001]] as const) {
      const bits = Array.from({ length: count }, () => randRing(1, N) as Uint8Array);
      const got = interleaveBits(bits.map(packBits), N);
      expect(got.length).toBe(N);
      for (let i = 0; i < N; i++) {
        let want = 0;
        for (let j = 0; j < count; j++) want |= bits[j]![i]! << j;
        expect(got[i], `count=${count} i=${i}`).toBe(want);
      }
    }
    expect(() => interleaveBits(Array.from({ length: 9 }, () => new Uint8Array(1)), 8)).toThrow(/9 bit vectors/);
  });

  it('applies to 3…5 chunks; cost at s = 24, chunk 8: 2 rounds, 5 then 1 bits, 32 + 64 + 64 + 4 table bytes per element', () => {
    expect([chainPlan(24, 8), chainPlan(24, 6), chainPlan(20, 4)].map(selectApplies)).toEqual([true, true, true]);
    expect([chainPlan(24, 12), chainPlan(24, 4), chainPlan(8, 8)].map(selectApplies)).toEqual([false, false, false]);
    const c = selectCost(1000, chainPlan(24, 8));
    expect(c.offline).toBe(1000 * (32 + 64 + 64 + 4));
    expect(c.online.rounds).toEqual({ P1: 2, P2: 2 });
    expect(c.online.messages.map((m) => m.bytes)).toEqual([625, 625, 125, 125]);
    expect(() => selectCost(10, chainPlan(24, 12))).toThrow(/2 chunks/);
  });
});

/** The n bits above bit s of every value, through requant with the identity table. */
async function highBits(values: RingArray, s: number, n: number, chunk: number | number[], borrowOut: BorrowOut = 'bit'): Promise<bigint[]> {
  const spec: RequantSpec = { s, bits: n, outputs: 1, l: 16, chunk, borrow: 'select', borrowOut };
  const id = tableFrom(n, 16, (j) => j);
  const { outs, cl } = await runLut([{ l: 16, shape: [values.length], value: values }], {
    offline: (off, p, [ry]) => requantOffline(off, ry!, spec, p.id === 'P0' ? [{ data: id, channels: 1 }] : undefined),
    online: (p, [vy]) => requant(ownRounds(p, 'proto'), vy!, spec),
  });
  const cost = requantCost({ n: values.length, w: 16, ...spec });
  expectCost(cl, cost);
  return big(outs[0]!);
}

describe("requant with borrow: 'select': every value of Z_2^16", () => {
  const all16 = ringOf(16, Array.from({ length: 2 ** 16 }, (_, i) => BigInt(i)));
  for (const [s, n, chunk, rounds] of [
    [12, 4, 4, 3],
    [13, 3, [1, 4, 7, 1], 3],
    [15, 1, 3, 3],
    [12, 4, 2, 7],
  ] as [number, number, number | number[], number][]) {
    const K = chainPlan(s, chunk).chunks.length;
    it(`s=${s}, n=${n}, ${K} chunks (${selectApplies(chainPlan(s, chunk)) ? 'select' : 'falls back to the chain'}): exact, ${rounds} rounds, cost exact`, async () => {
      const got = await highBits(all16, s, n, chunk);
      expect(got).toEqual(Array.from({ length: 2 ** 16 }, (_, y) => BigInt((y >> s) & (2 ** n - 1))));
      expect(requantCost({ n: 1, w: 16, s, bits: n, outputs: 1, l: 16, chunk, borrow: 'select' }).online.rounds.P1).toBe(rounds);
      // The default chain: one round per chunk.
      expect(requantCost({ n: 1, w: 16, s, bits: n, outputs: 1, l: 16, chunk }).online.rounds.P1).toBe(K + 1);
    });
  }
  for (const [s, n, chunk] of [
    [12, 4, 4],
    [13, 3, [1, 4, 7, 1]],
    [8, 8, [2, 2, 2, 1, 1]],
    [6, 10, 2],
  ] as [number, number, number | number[]][]) {
    it(`s=${s}, n=${n}, chunks ${JSON.stringify(chunk)}, the index opened ('index'): exact, 3 rounds, cost exact`, async () => {
      const got = await highBits(all16, s, n, chunk, 'index');
      expect(got).toEqual(Array.from({ length: 2 ** 16 }, (_, y) => BigInt((y >> s) & (2 ** n - 1))));
    });
  }
});

describe("select with the index opened: C's entries", () => {
  it('per element σ − (the select of the unmasked bits) at every (u, v), 3 chunks, σ at both ends of Z_2^8', () => {
    const K = 3, N = 6;
    const rho = Uint8Array.from([0, 1, 0, 1, 1, 0]);
    const alpha = [Uint8Array.from([0, 0, 1, 1, 0, 1]), Uint8Array.from([1, 0, 1, 0, 0, 1])];
    const beta = [Uint8Array.from([1, 1, 0, 0, 1, 0]), Uint8Array.from([0, 1, 1, 0, 1, 0])];
    const sigma = Uint8Array.from([0, 255, 3, 0, 128, 255]);
    const t = combineIndexTable(K, rho, alpha, beta, sigma, 8);
    for (let e = 0; e < N; e++) {
      const bits = combineEntries(K, rho[e]!, alpha.map((a) => a[e]!), beta.map((b) => b[e]!), 0);
      for (let i = 0; i < 32; i++) expect(t[e * 32 + i], `e=${e} i=${i}`).toBe((sigma[e]! - bits[i]! + 256) % 256);
    }
  });

  it("cost at s = 24, chunk 8: 32 + 64 + 64 + 32 table bytes per element, 5 bits then N bytes each way", () => {
    const c = selectCost(1000, chainPlan(24, 8), 'index', 8);
    expect(c.offline).toBe(1000 * (32 + 64 + 64 + 32));
    expect(c.online.messages.map((m) => m.bytes)).toEqual([625, 625, 1000, 1000]);
  });
});

describe('requant borrow option', () => {
  it("refuses a borrow that is not 'chain' or 'select'", () => {
    const spec = { s: 24, bits: 8, outputs: 1, l: 32, borrow: 'fast' } as unknown as RequantSpec;
    expect(() => requantCost({ n: 4, w: 32, ...spec })).toThrow(/borrow 'fast'/);
  });

  it("refuses a borrowOut that is not 'bit' or 'index'; 16 index bits with a shift only with 'index'", () => {
    const spec = { s: 8, bits: 8, outputs: 1, l: 32, borrowOut: 'byte' } as unknown as RequantSpec;
    expect(() => requantCost({ n: 4, w: 32, ...spec })).toThrow(/borrowOut 'byte'/);
    expect(() => requantCost({ n: 4, w: 32, s: 8, bits: 16, outputs: 1, l: 32 })).toThrow(/at most 15 index bits/);
    expect(requantCost({ n: 4, w: 32, s: 8, bits: 16, outputs: 1, l: 32, borrowOut: 'index' }).online.rounds.P1).toBe(2);
  });
});
