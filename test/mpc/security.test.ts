/**
 * Every message a party receives is statistically independent of the secrets
 * (client inputs, weights): each protocol runs many times with secret A (all
 * zeros) and with secret B (fixed random values), fresh seeds every run, and
 * for every (receiver, sender, message kind) the nibble histograms of the
 * received bytes are compared with a two-sample chi-square test; p < 1e-6
 * fails (a true null fails about once in a million runs). A deliberately
 * leaky message is caught by the same test (negative control).
 */
import { describe, expect, it } from 'vitest';
import { inprocCluster } from '../../src/mpc/cluster.js';
import type { PartyId } from '../../src/mpc/party.js';
import { inRound } from '../../src/mpc/round.js';
import { clientInput, input, inputOffline } from '../../src/mpc/protocols/input.js';
import { clientOutput, output } from '../../src/mpc/protocols/output.js';
import { mul, mulAdditive, mulAdditiveOffline, mulOffline } from '../../src/mpc/protocols/mul.js';
import { matmulRowScale, matmulRowScaleOffline } from '../../src/mpc/protocols/matmul-rowscale.js';
import { matmul, matmulOffline } from '../../src/mpc/protocols/matmul.js';
import { matmulWeight, matmulWeightAdditive, matmulWeightAdditiveOffline, matmulWeightOffline, shareWeight, type WeightShare } from '../../src/mpc/protocols/matmul-weight.js';
import { remask, remaskOffline } from '../../src/mpc/protocols/remask.js';
import { toAdditive } from '../../src/mpc/sharing.js';
import { allocRing, type RingArray, type RingBits } from '../../src/kernels/types.js';
import { randRing, runProgram } from './helpers.js';
import { bytesOf } from '../../src/mpc/ring.js';
import { chi2Sf, chi2TwoSample } from './stats.js';
import { expectViewsIndependent, type PartyOpts } from './views.js';

const TRIALS = 100;
const [M, K, N] = [6, 8, 6];

type Views = Map<string, number[]>;

function record(views: Views, to: PartyId, from: PartyId, tag: string, payload: Uint8Array, l: RingBits): void {
  if (tag === 'setup:seed') return;
  const key = `${from}→${to} ${tag.replace(/#\d+(\.\d+)?/, '').replace(/^(r:[^:]*):.*$/, '$1')}`;
  let h = views.get(key);
  if (!h) views.set(key, (h = new Array(16).fill(0)));
  if (l === 1) for (const b of payload) h[b & 1]!++;
  else
    for (const b of payload) {
      h[b & 15]!++;
      h[b >> 4]!++;
    }
}

interface Secrets {
  X: RingArray;
  Y: RingArray;
  W: RingArray;
}

/** One run of every protocol on fresh parties; received bytes go into `views`. */
async function runOnce(l: RingBits, s: Secrets, views: Views, leak: boolean): Promise<void> {
  const party: Record<string, { onReceive: (from: PartyId, tag: string, p: Uint8Array) => void }> = {};
  for (const id of ['P0', 'P1', 'P2', 'C'] as PartyId[]) party[id] = { onReceive: (from, tag, p) => record(views, id, from, tag, p, l) };
  await runProtocols(l, s, party, { views, leak });
}

/**
 * Every protocol once on fresh parties with these options. `views`: record
 * each party's opened values there too; `leak`: the client also sends X to
 * P1 unmasked (negative control).
 */
async function runProtocols(l: RingBits, s: Secrets, party: PartyOpts, { views, leak = false }: { views?: Views; leak?: boolean } = {}): Promise<void> {
  const cl = await inprocCluster({ party });
  const ws = new Map<string, WeightShare>();
  await runProgram(cl, {
    offline: async (off, p) => {
      const w = await shareWeight(off, l, K, N, p.id === 'P0' ? s.W : undefined);
      ws.set(p.id, w);
      const rx = await inputOffline(off, l, [M, K]);
      const ry = await inputOffline(off, l, [K, N]);
      const rxw = await matmulWeightOffline(off, rx, w);
      const rxy = await matmulOffline(off, rx, ry);
      await mulOffline(off, rxw, rxy);
      await remaskOffline(off, l, [M, N]);
      await off.flush();
    },
    online: async (p) => {
      const [x, y] = await inRound(p, 'in', (r) => [input(r, l, [M, K]), input(r, l, [K, N])]);
      const [xw, xy] = await inRound(p, 'mm', (r) => [matmulWeight(r, x, ws.get(p.id)!), matmul(r, x, y)]);
      const [z] = await inRound(p, 'mul', (r) => [mul(r, xw, xy)]);
      const [z2] = await inRound(p, 'remask', (r) => [remask(r, toAdditive(p, z))]);
      // The opened values m = x + r each party learns must be independent of the secrets too.
      const opened = { x, y, xw, xy, z, z2 };
      if (views) for (const [name, v] of Object.entries(opened)) record(views, p.id, p.id, `opened:${name}`, bytesOf(v.m), l);
      output(p, z2);
      if (leak && p.id === 'P1') await p.recv('C', 'leak#0');
    },
    client: async (c) => {
      await clientInput(c, l, s.X);
      await clientInput(c, l, s.Y);
      if (leak) c.send('P1', 'leak#0', [bytesOf(s.X)]);
      return clientOutput(c, l, M * N);
    },
  });
  await cl.close();
}

async function collect(l: RingBits, s: Secrets, leak = false): Promise<Views> {
  const views: Views = new Map();
  for (let t = 0; t < TRIALS; t++) await runOnce(l, s, views, leak);
  return views;
}

function zeros(l: RingBits): Secrets {
  return { X: allocRing(l, M * K) as RingArray, Y: allocRing(l, K * N) as RingArray, W: allocRing(l, K * N) as RingArray };
}

describe('chi-square helper', () => {
  it('matches tabulated quantiles', () => {
    expect(chi2Sf(3.841, 1)).toBeCloseTo(0.05, 3);
    expect(chi2Sf(30.578, 15)).toBeCloseTo(0.01, 3);
    expect(chi2Sf(2.0, 10)).toBeCloseTo(0.99634, 4);
  });
});

describe.each([1, 8, 32] as RingBits[])('received messages are independent of the secrets, Z_2^%i', (l) => {
  it('for input, shareWeight, matmulW, matmul, mul, remask and output', async () => {
    const B: Secrets = { X: randRing(l, M * K), Y: randRing(l, K * N), W: randRing(l, K * N) };
    const va = await collect(l, zeros(l));
    const vb = await collect(l, B);
    expect([...va.keys()].sort()).toEqual([...vb.keys()].sort());
    // Every kind of message a party receives is covered (BYE frames are empty).
    for (const k of ['P0→P2 off', 'C→P1 c:input', 'C→P2 c:input', 'P1→C c:input', 'P1→P2 r:mm', 'P2→P1 r:mul', 'P1→P2 r:remask', 'P1→C c:output', 'P2→C c:output', 'P1→P1 opened:x', 'P2→P2 opened:z2']) {
      expect(va.has(k), k).toBe(true);
    }
    let tested = 0;
    for (const [k, ha] of va) {
      const hb = vb.get(k)!;
      if (ha.reduce((a, b) => a + b, 0) === 0) continue;
      const { p, stat, dof } = chi2TwoSample(ha, hb);
      expect({ k, fails: p < 1e-6 }, `chi2=${stat.toFixed(1)} dof=${dof} p=${p}`).toEqual({ k, fails: false });
      tested++;
    }
    expect(tested).toBeGreaterThanOrEqual(20);
  });
});

describe('negative control', () => {
  it('the same test catches a message sent unmasked', async () => {
    const l: RingBits = 8;
    const va = await collect(l, zeros(l), true);
    const vb = await collect(l, { X: randRing(l, M * K), Y: randRing(l, K * N), W: randRing(l, K * N) }, true);
    expect(chi2TwoSample(va.get('C→P1 leak')!, vb.get('C→P1 leak')!).p).toBeLessThan(1e-6);
    expect(chi2TwoSample(va.get('C→P2 c:input')!, vb.get('C→P2 c:input')!).p).toBeGreaterThan(1e-6);
  });
});

describe.each([1, 8, 32] as RingBits[])('each compute party’s opened values and messages, its own randomness fixed, Z_2^%i', (l) => {
  it('for input, shareWeight, matmulW, matmul, mul, remask and output (test/mpc/views.ts)', async () => {
    // Constant secrets whose every bit differs, so an unmasked bit shows as a constant XOR.
    const ones = (n: number): RingArray => {
      const a = allocRing(l, n) as RingArray;
      new Uint8Array(a.buffer, a.byteOffset, a.byteLength).fill(l === 1 ? 1 : 0xff);
      return a;
    };
    const secrets = { a: zeros(l), b: { X: ones(M * K), Y: ones(K * N), W: ones(K * N) } };
    const tested = await expectViewsIndependent(`Z_2^${l}`, (s, party) => runProtocols(l, secrets[s], party), { repeats: 16 });
    for (const who of ['P1', 'P2']) {
      expect(tested[who], who).toContain(`a⊕b: C→${who} c#:input`);
      for (const round of ['mm:matmulW,matmul matmulW', 'mm:matmulW,matmul matmul', 'mul:mul mul', 'remask:remask remask']) expect(tested[who], `${who} ${round}`).toContain(`a⊕b: ${who} opens r#:${round} slot (${l === 1 ? 'bits' : 'ring elements'})`);
    }
  });
});

describe('each compute party’s view of the products with no opening of their own, its own randomness fixed, Z_2^32', () => {
  it('mulAdditive and matmulWeightAdditive (each then re-masked), and matmulRowScale', async () => {
    const l: RingBits = 32;
    const fill = (n: number, v: number): RingArray => new Uint32Array(n).fill(v);
    const secrets = {
      a: { X: fill(M * K, 0), Y: fill(K * N, 0), W: fill(K * N, 0), S: fill(M, 0), Z: fill(M * K, 0) },
      b: { X: fill(M * K, 0xffffffff), Y: fill(K * N, 0xffffffff), W: fill(K * N, 0xffffffff), S: fill(M, 0xffffffff), Z: fill(M * K, 0xffffffff) },
    };
    const run = async (which: 'a' | 'b', party: PartyOpts): Promise<void> => {
      const s = secrets[which];
      const cl = await inprocCluster({ party });
      const ws = new Map<string, WeightShare>();
      await runProgram(cl, {
        offline: async (off, p) => {
          const w = await shareWeight(off, l, K, N, p.id === 'P0' ? s.W : undefined);
          ws.set(p.id, w);
          const [rx, ry, rs, rz] = [await inputOffline(off, l, [M, K]), await inputOffline(off, l, [K, N]), await inputOffline(off, l, [M]), await inputOffline(off, l, [M, K])];
          await mulAdditiveOffline(off, rx, rz);
          await matmulWeightAdditiveOffline(off, rx, w);
          await remaskOffline(off, l, [M, K]);
          await remaskOffline(off, l, [M, N]);
          await matmulRowScaleOffline(off, rx, ry, rs);
          await off.flush();
        },
        online: async (p) => {
          const [x, y, sc, z] = await inRound(p, 'in', (r) => [input(r, l, [M, K]), input(r, l, [K, N]), input(r, l, [M]), input(r, l, [M, K])]);
          const xz = mulAdditive(p, x, z);
          const xw = await matmulWeightAdditive(p, x, ws.get(p.id)!);
          const [a, b] = await inRound(p, 'remask', (r) => [remask(r, xz), remask(r, xw)]);
          const [c] = await inRound(p, 'rowscale', (r) => [matmulRowScale(r, x, y, sc)]);
          output(p, a), output(p, b), output(p, c);
        },
        client: async (c) => {
          for (const v of [s.X, s.Y, s.S, s.Z]) await clientInput(c, l, v);
          return Promise.all([clientOutput(c, l, M * K), clientOutput(c, l, M * N), clientOutput(c, l, M * N)]);
        },
      });
      await cl.close();
    };
    const tested = await expectViewsIndependent('additive products', run, { repeats: 8 });
    for (const who of ['P1', 'P2']) for (const k of ['remask:remask*N remask', 'rowscale:matmulRowScale matmulRowScale']) expect(tested[who], `${who} ${k}`).toContain(`a⊕b: ${who} opens r#:${k} slot (ring elements)`);
    expect(tested.P2, 'P2 sees P0’s corrections').toContain('a⊕b: P0→P2 off#');
  });
});

describe('negative control of the conditional view test', () => {
  const l: RingBits = 32;
  /** The client sends P1 its input masked by a stream P1 holds (from the seed P1 drew for C): uniform on its own, and known to P1. */
  const knownMask: (secret: 'a' | 'b', party: PartyOpts) => Promise<void> = async (secret, party) => {
    const cl = await inprocCluster({ party });
    const x = allocRing(l, 256) as Uint32Array;
    if (secret === 'b') x.fill(0xdeadbeef);
    const r = (await cl.C.stream('P1', 'leak').ring(l, 256)) as Uint32Array;
    const sent = new Uint32Array(256).map((_, i) => (x[i]! + r[i]!) >>> 0);
    cl.C.send('P1', 'leak#0', [bytesOf(sent)]);
    await cl.P1.recv('C', 'leak#0');
    await cl.close();
  };
  it('a mask the receiver can compute fails it (and passes the unconditional byte test)', async () => {
    await expect(expectViewsIndependent('known mask', knownMask, { observed: ['P1'] })).rejects.toThrow(/C→P1 leak#.*p = 0/);
    const seen: Uint8Array[] = [];
    for (const s of ['a', 'b'] as const) await knownMask(s, { P1: { onReceive: (_f, _t, p) => void seen.push(p.slice()) } });
    expect(chi2TwoSample([...nibbles(seen[0]!)], [...nibbles(seen[1]!)]).p).toBeGreaterThan(1e-6);
  });
});

function nibbles(b: Uint8Array): number[] {
  const h = new Array<number>(16).fill(0);
  for (const v of b) h[v & 15]!++, h[v >> 4]!++;
  return h;
}
