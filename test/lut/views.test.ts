/**
 * View independence: what P1 and P2 receive in a protocol (offline
 * corrections from P0, online round messages) must not depend on the secrets
 * (inputs, tables, weights). For each protocol: two very different secrets,
 * several runs each, the received bytes of all runs pooled per secret, then a
 * chi-square homogeneity test between the two secrets and a goodness-of-fit
 * test to uniform bytes. A test fails only at p < 1e-6.
 *
 * Each check then repeats with each compute party's own randomness held
 * fixed and its opened values recorded (test/mpc/views.ts): the only form
 * that sees a mask missing from an opening or known to its receiver, since
 * the received share alone stays uniform either way.
 */
import { describe, expect, it } from 'vitest';
import type { RingArray, RingBits } from '../../src/kernels/types.js';
import { compare, compareOffline, max, maxOffline, rowArgmax, rowArgmaxOffline, rowMax, rowMaxOffline, type CompareKind } from '../../src/mpc/lut/compare.js';
import { lut, lutAdditive, lutMulti, lutMultiAdditive, lutMultiOffline, lutOffline } from '../../src/mpc/lut/lut.js';
import { remask, remaskOffline } from '../../src/mpc/protocols/remask.js';
import type { Masked, MaskedShare } from '../../src/mpc/sharing.js';
import { matmul1b, matmul1bOffline, packBits, shareBitWeight, type BitWeightShare } from '../../src/mpc/lut/onebit.js';
import { requant, requantOffline } from '../../src/mpc/lut/requant.js';
import { extend, extendOffline, shift, shiftOffline } from '../../src/mpc/lut/shift.js';
import { ownRounds } from '../../src/mpc/lut/stages.js';
import type { PartyOptions } from '../../src/mpc/party.js';
import { inRound } from '../../src/mpc/round.js';
import { concatBytes, randRing, ringOf, runLut, sameByteDistributionP, uniformBytesP, type InputSpec, type LutProgram } from './helpers.js';
import { expectViewsIndependent } from '../mpc/views.js';

const P_FAIL = 1e-6;
const RUNS = 5;

interface Secret {
  inputs: InputSpec[];
  prog: LutProgram;
}

/** Run once; return the bytes P1 and P2 received from P0 and in the protocol's rounds. */
async function views(s: Secret): Promise<{ P1: Uint8Array; P2: Uint8Array }> {
  const got: Record<'P1' | 'P2', Uint8Array[]> = { P1: [], P2: [] };
  const watch = (id: 'P1' | 'P2'): PartyOptions => ({
    onReceive: (from, tag, payload) => {
      if (from === 'P0' || tag.includes(':proto')) got[id].push(payload.slice());
    },
  });
  await runLut(s.inputs, s.prog, { P1: watch('P1'), P2: watch('P2') });
  return { P1: concatBytes(got.P1), P2: concatBytes(got.P2) };
}

async function checkIndependent(name: string, a: () => Secret, b: () => Secret): Promise<void> {
  const va: { P1: Uint8Array[]; P2: Uint8Array[] } = { P1: [], P2: [] };
  const vb: { P1: Uint8Array[]; P2: Uint8Array[] } = { P1: [], P2: [] };
  for (let i = 0; i < RUNS; i++) {
    const x = await views(a()), y = await views(b());
    va.P1.push(x.P1), va.P2.push(x.P2), vb.P1.push(y.P1), vb.P2.push(y.P2);
  }
  for (const id of ['P1', 'P2'] as const) {
    const A = concatBytes(va[id]), B = concatBytes(vb[id]);
    expect(A.length, `${name}: ${id} receives the same number of bytes`).toBe(B.length);
    expect(A.length, `${name}: ${id} receives something`).toBeGreaterThan(0);
    const p = sameByteDistributionP(A, B);
    expect(p, `${name}: ${id}'s received bytes depend on the secret (p = ${p})`).toBeGreaterThan(P_FAIL);
    const pu = uniformBytesP(A);
    expect(pu, `${name}: ${id}'s received bytes are not uniform (p = ${pu})`).toBeGreaterThan(P_FAIL);
  }
  await expectViewsIndependent(name, async (s, party) => {
    const { inputs, prog } = s === 'a' ? a() : b();
    await runLut(inputs, prog, party);
  });
}

const N = 2048;
const constant = (l: RingBits, v: bigint, n = N): RingArray => ringOf(l, Array.from({ length: n }, () => v));
const table = (l: RingBits, bits: number, f: (j: number) => bigint): RingArray => ringOf(l, Array.from({ length: 2 ** bits }, (_, j) => f(j)));

describe('view independence (chi-square, fail at p < 1e-6)', () => {
  it('negative control: the test flags an opening whose mask is drawn from half the ring', async () => {
    const { randomBytes } = await import('node:crypto');
    const leak = (x: number) => new Uint8Array(randomBytes(3 * N)).map((r) => (x + (r & 0x7f)) & 0xff);
    expect(sameByteDistributionP(leak(0), leak(0x40))).toBeLessThan(P_FAIL);
    expect(uniformBytesP(leak(0))).toBeLessThan(P_FAIL);
    const fair = () => new Uint8Array(randomBytes(3 * N));
    expect(sameByteDistributionP(fair(), fair())).toBeGreaterThan(P_FAIL);
  });

  it('lut: 8-bit index, zero table + zero input vs random table + input 0xff', async () => {
    const mk = (x: RingArray, T: RingArray) => (): Secret => ({
      inputs: [{ l: 8, shape: [N], value: x }],
      prog: {
        offline: (off, p, [rx]) => lutOffline(off, rx!, { bits: 8, l: 8 }, p.id === 'P0' ? { data: T, channels: 1 } : undefined),
        online: (p, [vx]) => inRound(p, 'proto', (r) => [lut(r, vx!, { bits: 8, l: 8 })]),
      },
    });
    await checkIndependent('lut', mk(constant(8, 0n), table(8, 8, () => 0n)), mk(constant(8, 0xffn), randRing(8, 256)));
  });

  it('two-input lut (4+4 bits)', async () => {
    const mk = (v: bigint, T: RingArray) => (): Secret => ({
      inputs: [
        { l: 8, shape: [N], value: constant(8, v) },
        { l: 8, shape: [N], value: constant(8, v ^ 3n) },
      ],
      prog: {
        offline: (off, p, rs) => lutMultiOffline(off, rs, { bits: [4, 4], l: 16 }, p.id === 'P0' ? { data: T, channels: 1 } : undefined),
        online: (p, vs) => inRound(p, 'proto', (r) => [lutMulti(r, vs, { bits: [4, 4], l: 16 })]),
      },
    });
    await checkIndependent('lutMulti', mk(0n, table(16, 8, (j) => BigInt(j))), mk(9n, randRing(16, 256)));
  });

  it('exact shift (int32 >> 20, signed, chunk 8): −2^31 vs 2^31 − 1', async () => {
    const mk = (v: bigint) => (): Secret => ({
      inputs: [{ l: 32, shape: [N], value: constant(32, v) }],
      prog: {
        offline: async (off, _p, [rx]) => shiftOffline(off, rx!, { s: 20, signed: true }),
        online: async (p, [vx]) => [await shift(ownRounds(p, 'proto'), vx!, { s: 20, signed: true })],
      },
    });
    await checkIndependent('shift', mk(-(2n ** 31n)), mk(2n ** 31n - 1n));
  });

  for (const [borrow, borrowOut] of [['chain', 'bit'], ['select', 'bit'], ['chain', 'index'], ['select', 'index']] as const) {
    it(`requant (s = 24, 8-bit index, per-channel tables, borrow ${borrow}, last opening ${borrowOut})`, async () => {
      const spec = { s: 24, bits: 8, outputs: 1, l: 8 as RingBits, borrow, borrowOut };
      const mk = (v: bigint, T: RingArray) => (): Secret => ({
        inputs: [{ l: 32, shape: [N / 8, 8], value: constant(32, v) }],
        prog: {
          offline: (off, p, [ry]) => requantOffline(off, ry!, spec, p.id === 'P0' ? [{ data: T, channels: 8 }] : undefined),
          online: (p, [vy]) => requant(ownRounds(p, 'proto'), vy!, spec),
        },
      });
      // 0 against a value whose low 24 bits are all ones: every chunk's borrow
      // candidates differ between the two secrets.
      await checkIndependent(`requant/${borrow}/${borrowOut}`, mk(0n, ringOf(8, Array.from({ length: 8 * 256 }, () => 0n))), mk(-12345678n, randRing(8, 8 * 256)));
      await checkIndependent(`requant/${borrow}/${borrowOut} low bits`, mk(0n, ringOf(8, Array.from({ length: 8 * 256 }, () => 0n))), mk(0xffffffn, ringOf(8, Array.from({ length: 8 * 256 }, () => 0n))));
    });
  }

  it('requant with zeroLow 8 (the engine\'s capped shifts: y a multiple of 2^8, 2 links)', async () => {
    const spec = { s: 24, bits: 8, outputs: 1, l: 8 as RingBits, zeroLow: 8 };
    const mk = (v: bigint, T: RingArray) => (): Secret => ({
      inputs: [{ l: 32, shape: [N / 8, 8], value: constant(32, v) }],
      prog: {
        offline: (off, p, [ry]) => requantOffline(off, ry!, spec, p.id === 'P0' ? [{ data: T, channels: 8 }] : undefined),
        online: (p, [vy]) => requant(ownRounds(p, 'proto'), vy!, spec),
      },
    });
    // 0 against −2^8 (every kept low bit one: every borrow differs) with a random table.
    await checkIndependent('requant/zeroLow', mk(0n, ringOf(8, Array.from({ length: 8 * 256 }, () => 0n))), mk(2n ** 32n - 256n, randRing(8, 8 * 256)));
  });

  it("requant with the index opened ('index'): the opened index less the public m_hi is uniform whatever the borrow (y = 0: every borrow 0; y = 2^24 − 2^8: every borrow 1)", async () => {
    // The opened j = m_hi − b + σ is known to both P1 and P2 together with
    // m_hi, so σ must hide b in j − m_hi: the received bytes alone would not
    // show a missing σ (each party's share is uniform either way). The
    // harness rebuilds j from both parties' received halves of that round.
    const spec = { s: 24, bits: 8, outputs: 1, l: 8 as RingBits, zeroLow: 8, borrowOut: 'index' as const };
    const diffs = async (v: bigint): Promise<Uint8Array> => {
      const out: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const got: Record<'P1' | 'P2', Uint8Array[]> = { P1: [], P2: [] };
        const watch = (id: 'P1' | 'P2'): PartyOptions => ({ onReceive: (_from, tag, payload) => void (tag.includes(':proto') && got[id].push(payload.slice())) });
        let m: Uint32Array | undefined;
        await runLut(
          [{ l: 32, shape: [N / 8, 8], value: constant(32, v) }],
          {
            offline: (off, p, [ry]) => requantOffline(off, ry!, spec, p.id === 'P0' ? [{ data: randRing(8, 8 * 256), channels: 8 }] : undefined),
            online: (p, [vy]) => {
              if (p.id === 'P1') m = vy!.m as Uint32Array;
              return requant(ownRounds(p, 'proto'), vy!, spec);
            },
          },
          { P1: watch('P1'), P2: watch('P2') },
        );
        // Rounds: the first link's bits, the index, the output.
        const [a, b] = [got.P1[1]!, got.P2[1]!];
        expect(a.length).toBe(N);
        for (let i = 0; i < N; i++) out.push((a[i]! + b[i]! - (m![i]! >>> 24)) & 255);
      }
      return Uint8Array.from(out);
    };
    const zero = await diffs(0n), ones = await diffs(2n ** 24n - 256n);
    for (const d of [zero, ones]) expect(uniformBytesP(d)).toBeGreaterThan(P_FAIL);
    expect(sameByteDistributionP(zero, ones)).toBeGreaterThan(P_FAIL);
  });

  it('max and row argmax (int8 in Z_2^16)', async () => {
    const mkMax = (a: bigint, b: bigint) => (): Secret => ({
      inputs: [
        { l: 16, shape: [N], value: constant(16, a) },
        { l: 16, shape: [N], value: constant(16, b) },
      ],
      prog: {
        offline: (off, _p, [ra, rb]) => maxOffline(off, ra!, rb!, 8),
        online: (p, [va, vb]) => inRound(p, 'proto', (r) => [max(r, va!, vb!, 8)]),
      },
    });
    await checkIndependent('max', mkMax(-128n, 127n), mkMax(127n, -128n));
    const mkArg = (v: (i: number) => bigint) => (): Secret => ({
      inputs: [{ l: 16, shape: [64, 16], value: ringOf(16, Array.from({ length: 1024 }, (_, i) => v(i))) }],
      prog: {
        offline: (off, _p, [rx]) => rowArgmaxOffline(off, rx!, 8),
        online: (p, [vx]) => rowArgmax(ownRounds(p, 'proto'), vx!, 8),
      },
    });
    await checkIndependent('rowArgmax', mkArg(() => 0n), mkArg((i) => BigInt((i % 16) * 8 - 100)));
  });

  it('1-bit matmul: all-zero bits and zero input vs random bits and input', async () => {
    const [m, k, n] = [16, 64, 32];
    const mk = (X: RingArray, B: Uint8Array) => (): Secret => {
      const shares = new Map<string, BitWeightShare>();
      return {
        inputs: [{ l: 32, shape: [m, k], value: X }],
        prog: {
          offline: async (off, p, [rx]) => {
            const w = await shareBitWeight(off, 32, k, n, p.id === 'P0' ? packBits(B, k, n) : undefined);
            shares.set(p.id, w);
            return matmul1bOffline(off, rx!, w);
          },
          online: (p, [vx]) => inRound(p, 'proto', (r) => [matmul1b(r, vx!, shares.get(p.id)!)]),
        },
      };
    };
    const rb = new Uint8Array(k * n).map(() => (Math.random() < 0.5 ? 1 : 0));
    await checkIndependent('matmul1b', mk(constant(32, 0n, m * k), new Uint8Array(k * n)), mk(randRing(32, m * k), rb));
  });
  it('additive lookups (no opening: P2 sees only P0’s corrections), then one re-mask', async () => {
    const mk = (v: bigint, T: RingArray) => (): Secret => ({
      inputs: [{ l: 8, shape: [N], value: constant(8, v) }],
      prog: {
        offline: async (off, p, [rx]) => {
          await lutOffline(off, rx!, { bits: 8, l: 32 }, p.id === 'P0' ? { data: T, channels: 1 } : undefined, { masked: false });
          return remaskOffline(off, 32, [N]);
        },
        online: async (p, [vx]) => {
          const a = await lutAdditive(p, vx!, { bits: 8, l: 32 });
          return inRound(p, 'proto', (r) => [remask(r, a)]);
        },
      },
    });
    await checkIndependent('lutAdditive', mk(0n, table(32, 8, () => 0n)), mk(0xffn, randRing(32, 256)));
    const mk2 = (v: bigint, T: RingArray) => (): Secret => ({
      inputs: [
        { l: 8, shape: [N], value: constant(8, v) },
        { l: 8, shape: [N], value: constant(8, v) },
      ],
      prog: {
        offline: async (off, p, rs) => {
          await lutMultiOffline(off, rs, { bits: [4, 4], l: 32 }, p.id === 'P0' ? { data: T, channels: 1 } : undefined, { masked: false });
          return remaskOffline(off, 32, [N]);
        },
        online: async (p, vs) => {
          const a = await lutMultiAdditive(p, vs, { bits: [4, 4], l: 32 });
          return inRound(p, 'proto', (r) => [remask(r, a)]);
        },
      },
    });
    await checkIndependent('lutMultiAdditive', mk2(0n, table(32, 8, () => 0n)), mk2(15n, randRing(32, 256)));
  });

  for (const kind of ['sign', 'relu', 'positive'] as CompareKind[]) {
    it(`${kind} (9-bit values in Z_2^16): −256 vs 255`, async () => {
      const mk = (v: bigint) => (): Secret => ({
        inputs: [{ l: 16, shape: [N], value: constant(16, v) }],
        prog: {
          offline: (off, _p, [rx]) => compareOffline(off, kind, rx!, { bits: 9, l: 16 }),
          online: (p, [vx]) => inRound(p, 'proto', (r) => [compare(r, vx!, { bits: 9, l: 16 })]),
        },
      });
      await checkIndependent(kind, mk(-256n), mk(255n));
    });
  }

  it('ring extension Z_2^8 → Z_2^32 (signed): −128 vs 127', async () => {
    const mk = (v: bigint) => (): Secret => ({
      inputs: [{ l: 8, shape: [N], value: constant(8, v) }],
      prog: {
        offline: (off, _p, [rx]) => extendOffline(off, rx!, { l: 32, signed: true }),
        online: (p, [vx]) => inRound(p, 'proto', (r) => [extend(r, vx!, { l: 32, signed: true })]),
      },
    });
    await checkIndependent('extend', mk(-128n), mk(127n));
  });

  it('row max (int8 in Z_2^16, 64 rows of 16)', async () => {
    const mk = (v: (i: number) => bigint) => (): Secret => ({
      inputs: [{ l: 16, shape: [64, 16], value: ringOf(16, Array.from({ length: 1024 }, (_, i) => v(i))) }],
      prog: {
        offline: (off, _p, [rx]) => rowMaxOffline(off, rx!, 8),
        online: async (p, [vx]) => [await rowMax(ownRounds(p, 'proto'), vx!, 8)],
      },
    });
    await checkIndependent('rowMax', mk(() => -128n), mk((i) => BigInt((i % 16) * 16 - 128)));
  });

  // 512 elements: two 32-bit output tables of 2^9 entries each per element are dealt 17 times.
  const rows = 64;
  it('requant with two outputs, the last opened as row sums', async () => {
    const two = { s: 24, bits: 8, outputs: 2, l: 32 as RingBits, zeroLow: 8, rowSumsOfLast: 8 };
    const mkTwo = (v: bigint, T: RingArray) => (): Secret => ({
      inputs: [{ l: 32, shape: [rows, 8], value: constant(32, v, rows * 8) }],
      prog: {
        offline: (off, p, [ry]) => requantOffline(off, ry!, two, p.id === 'P0' ? [{ data: T, channels: 8 }, { data: T, channels: 8 }] : undefined),
        online: (p, [vy]) => requant(ownRounds(p, 'proto'), vy!, two),
      },
    });
    await checkIndependent('requant/rowSums', mkTwo(0n, ringOf(32, new Array<bigint>(8 * 256).fill(0n))), mkTwo(2n ** 32n - 256n, randRing(32, 8 * 256)));
  });

  it('requant with a 12-bit index (the reciprocal roles)', async () => {    const wide = { s: 20, bits: 12, outputs: 1, l: 16 as RingBits };
    // 2^13 table entries per element: a smaller tensor keeps the dealing short.
    const mkWide = (v: bigint, T: RingArray) => (): Secret => ({
      inputs: [{ l: 32, shape: [32, 8], value: constant(32, v, 256) }],
      prog: {
        offline: (off, p, [ry]) => requantOffline(off, ry!, wide, p.id === 'P0' ? [{ data: T, channels: 8 }] : undefined),
        online: (p, [vy]) => requant(ownRounds(p, 'proto'), vy!, wide),
      },
    });
    await checkIndependent('requant/12-bit', mkWide(0n, ringOf(16, new Array<bigint>(8 * 4096).fill(0n))), mkWide(2n ** 32n - 1n, randRing(16, 8 * 4096)));
  });

  it('requant with an output left unopened and opened inside a later requant (plus)', async () => {    const first = { s: 24, bits: 8, outputs: 2, l: 32 as RingBits };
    const second = { s: 24, bits: 8, outputs: 1, l: 32 as RingBits };
    const mkPlus = (v: bigint, T: RingArray) => (): Secret => ({
      inputs: [
        { l: 32, shape: [rows, 8], value: constant(32, v, rows * 8) },
        { l: 32, shape: [rows, 8], value: constant(32, v, rows * 8) },
      ],
      prog: {
        offline: async (off, p, [y1, y2]) => {
          const dealt = p.id === 'P0' ? [{ data: T, channels: 8 }, { data: T, channels: 8 }] : undefined;
          const [h, res] = await requantOffline(off, y1!, first, dealt);
          const [sum] = await requantOffline(off, y2!, second, dealt?.slice(0, 1), [res]);
          return [h, sum];
        },
        online: async (p, [v1, v2]) => {
          const [h, res] = await requant(ownRounds(p, 'proto'), v1!, first, { unopened: [1] });
          const [sum] = await requant(ownRounds(p, 'proto'), v2!, second, { plus: [res as MaskedShare] });
          return [h as Masked, sum as Masked];
        },
      },
    });
    await checkIndependent('requant/plus', mkPlus(0n, ringOf(32, new Array<bigint>(8 * 256).fill(0n))), mkPlus(-12345678n, randRing(32, 8 * 256)));
  });
});
