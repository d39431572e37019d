/**
 * The CrypTen-style primitives: exact results (up to the 1-ulp truncation
 * error of the 2-party local division), declared costs equal to the counters,
 * and uniform Beaver openings.
 */
import { describe, expect, it } from 'vitest';
import { perParty, type ProtocolCost } from '../../src/mpc/cost.js';
import type { PartyReport } from '../../src/mpc/accounting.js';
import { candCost, cb2aCost, cmmCost, cmulCost, csqCost, expCost, ltzCost } from '../../src/crypten/cost.js';
import { cexp } from '../../src/crypten/functions.js';
import { decode, encode, floorDivShares } from '../../src/crypten/fixed.js';
import { chiSquareUniformBytes } from './stats.js';
import { measure } from './helpers.js';

const ULP = 2 ** -16;

function rnd(n: number, scale: number, seed = 1): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return Math.round(((s / 2147483648) * 2 - 1) * scale * 65536) / 65536;
  });
}

/** Counters of label 'f' must equal the declared cost, per party, online and offline. */
function expectCost(reports: Record<string, PartyReport>, cost: ProtocolCost): void {
  for (const [phase, pc] of [['online', cost.online], ['offline', cost.offline]] as const) {
    const want = perParty(pc);
    for (const id of ['P0', 'P1', 'P2'] as const) {
      const got = reports[id]!.phases[phase]?.labels['f'] ?? { bytesSent: 0, bytesRecv: 0, msgsSent: 0, msgsRecv: 0, rounds: 0 };
      expect({ party: id, phase, bytesSent: got.bytesSent, bytesRecv: got.bytesRecv, msgsSent: got.msgsSent, msgsRecv: got.msgsRecv, rounds: got.rounds }).toEqual({
        party: id,
        phase,
        bytesSent: want[id].bytesSent,
        bytesRecv: want[id].bytesRecv,
        msgsSent: want[id].msgsSent,
        msgsRecv: want[id].msgsRecv,
        rounds: want[id].rounds,
      });
    }
  }
}

describe('fixed point', () => {
  it('encodes and decodes signed values with 16 fractional bits', () => {
    const xs = [0, 1, -1, 0.5, -0.25, 12345.678, -98765.4321, ULP, -ULP];
    const back = decode(encode(xs));
    xs.forEach((x, i) => expect(Math.abs(back[i]! - x)).toBeLessThanOrEqual(ULP / 2));
  });
  it('floor-divides shares like torch // on int64', () => {
    const a = encode([-3, 3, -1e-5, 7.5]);
    const got = decode(floorDivShares(a, 3, (x) => x), 16);
    const want = [-3, 3, -1e-5, 7.5].map((x) => Math.floor(Math.round(x * 65536) / 3) / 65536);
    want.forEach((w, i) => expect(got[i]).toBe(w));
  });
});

describe('Beaver primitives', () => {
  it('mul: x·y within 1 ulp and exactly the declared cost', async () => {
    const x = rnd(300, 100, 3);
    const y = rnd(300, 100, 5);
    const { out, reports } = await measure((e, [a, b]) => e.mul(a!, b!), [x, y], 300);
    out!.forEach((v, i) => expect(Math.abs(v - x[i]! * y[i]!)).toBeLessThanOrEqual(2 * ULP));
    expectCost(reports, cmulCost(300));
  });
  it('square: x² within 1 ulp, declared cost', async () => {
    const x = rnd(257, 200, 7);
    const { out, reports } = await measure((e, [a]) => e.square(a!), [x], 257);
    out!.forEach((v, i) => expect(Math.abs(v - x[i]! ** 2)).toBeLessThanOrEqual(2 * ULP));
    expectCost(reports, csqCost(257));
  });
  it('batched matmul: 3 × (4×5 · 5×6) within k ulp, declared cost', async () => {
    const [b, m, k, n] = [3, 4, 5, 6];
    const X = rnd(b * m * k, 10, 11);
    const Y = rnd(b * k * n, 10, 13);
    const { out, reports } = await measure((e, [p, q]) => e.matmul(p!, q!, b, m, k, n), [X, Y], b * m * n);
    for (let h = 0; h < b; h++)
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let t = 0; t < k; t++) s += X[h * m * k + i * k + t]! * Y[h * k * n + t * n + j]!;
          expect(Math.abs(out![h * m * n + i * n + j]! - s)).toBeLessThanOrEqual(2 * ULP);
        }
    expectCost(reports, cmmCost({ batch: b, m, k, n }));
  });
  it('ltz: exact sign at edge values and large magnitudes, declared cost (8 rounds)', async () => {
    const x = [0, ULP, -ULP, 1, -1, 2 ** 40, -(2 ** 40), 123.5, -0.5, 2 ** 46, -(2 ** 46) + 1];
    const { out, reports } = await measure((e, [a]) => e.ltz(a!, false), [x], x.length);
    out!.forEach((v, i) => expect(v * 65536).toBe(x[i]! < 0 ? 1 : 0));
    expectCost(reports, ltzCost(x.length));
  });
  it('AND and single-bit B2A alone: declared costs', async () => {
    const r1 = await measure(async (e, [a, b]) => (await e.andMany([[a!, b!]]))[0], [rnd(64, 5), rnd(64, 5, 9)], 0);
    expectCost(r1.reports, candCost(64));
    const r2 = await measure((e, [a]) => e.b2aBit(a!), [rnd(33, 5)], 0);
    expectCost(r2.reports, cb2aCost(33));
  });
  it('exp: d squarings, declared cost', async () => {
    const { reports } = await measure((e, [a]) => cexp(e, a!), [rnd(50, 3)], 0);
    expectCost(reports, expCost(50, 8));
  });
});

describe('security sanity', () => {
  it('the Beaver openings P1 receives are uniform bytes even for a constant input', async () => {
    const got: Uint8Array[] = [];
    const zeros = new Array(4096).fill(0);
    await measure((e, [a]) => e.mul(a!, a!), [zeros], 0, {
      party: { P1: { onReceive: (from, tag, p) => { if (from === 'P2' && tag.includes(':f:cmul')) got.push(p.slice()); } } },
    });
    expect(got.length).toBe(1);
    expect(got[0]!.byteLength).toBe(2 * 8 * 4096);
    expect(chiSquareUniformBytes(got[0]!)).toBeGreaterThan(1e-4);
  });
});
