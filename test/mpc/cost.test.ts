/**
 * Each protocol's declared cost (cost.ts formulas next to the protocol) must
 * equal the measured counters exactly, per party and per phase, for one
 * standalone call charged to its own label.
 */
import { describe, expect, it } from 'vitest';
import { inprocCluster, type Cluster } from '../../src/mpc/cluster.js';
import { NO_COST, perParty, summarize, type ProtocolCost } from '../../src/mpc/cost.js';
import type { Offline } from '../../src/mpc/dealer.js';
import type { Party } from '../../src/mpc/party.js';
import { inRound } from '../../src/mpc/round.js';
import { clientInput, input, inputCost, inputOffline } from '../../src/mpc/protocols/input.js';
import { clientOutput, output, outputCost } from '../../src/mpc/protocols/output.js';
import { mul, mulAdditive, mulAdditiveCost, mulAdditiveOffline, mulCost, mulOffline } from '../../src/mpc/protocols/mul.js';
import { matmul, matmulCost, matmulOffline } from '../../src/mpc/protocols/matmul.js';
import {
  matmulWeight,
  matmulWeightAdditive,
  matmulWeightAdditiveCost,
  matmulWeightAdditiveOffline,
  matmulWeightCost,
  matmulWeightOffline,
  shareWeight,
  shareWeightCost,
  type WeightShare,
} from '../../src/mpc/protocols/matmul-weight.js';
import { remask, remaskCost, remaskOffline } from '../../src/mpc/protocols/remask.js';
import { toAdditive, type Masked, type MaskOf } from '../../src/mpc/sharing.js';
import type { RingBits } from '../../src/kernels/types.js';
import { randRing, runProgram } from './helpers.js';

const L = 'proto';

function setLabel(cl: Cluster, label: string): void {
  for (const p of [cl.P0, cl.P1, cl.P2, cl.C]) p.label = label;
}

function expectCost(cl: Cluster, cost: ProtocolCost): void {
  for (const phase of ['offline', 'online'] as const) {
    const want = perParty(cost[phase]);
    for (const p of [cl.P0, cl.P1, cl.P2, cl.C]) {
      const got = p.acct.get(phase, L);
      expect({ party: p.id, phase, bytesSent: got.bytesSent, bytesRecv: got.bytesRecv, msgsSent: got.msgsSent, msgsRecv: got.msgsRecv, rounds: got.rounds }).toEqual({
        party: p.id,
        phase,
        ...want[p.id],
      });
    }
  }
}

/**
 * Run: inputs (label 'in'), then the protocol under test (label 'proto'),
 * then outputs (label 'out').
 */
async function measure(
  shapes: { l: RingBits; shape: number[] }[],
  offlineProto: (off: Offline, p: Party, inputs: MaskOf[]) => Promise<MaskOf | undefined>,
  onlineProto: (p: Party, inputs: Masked[]) => Promise<Masked | undefined>,
): Promise<Cluster> {
  const cl = await inprocCluster();
  const n = (s: number[]) => s.reduce((a, b) => a * b, 1);
  await runProgram(cl, {
    offline: async (off, p) => {
      p.label = 'in';
      const ins = [];
      for (const s of shapes) ins.push(await inputOffline(off, s.l, s.shape));
      await off.flush();
      p.label = L;
      await offlineProto(off, p, ins);
      await off.flush();
    },
    online: async (p) => {
      p.label = 'in';
      const ins = await inRound(p, 'in', (r) => shapes.map((s) => input(r, s.l, s.shape)));
      p.label = L;
      const out = await onlineProto(p, ins);
      p.label = 'out';
      if (out) output(p, out);
    },
    client: async (c) => {
      c.label = 'in';
      for (const s of shapes) await clientInput(c, s.l, randRing(s.l, n(s.shape)));
      c.label = 'out';
      return undefined;
    },
  });
  return cl;
}

describe.each([8, 32] as RingBits[])('declared costs match measured counters, Z_2^%i', (l) => {
  it('mul', async () => {
    const cl = await measure(
      [{ l, shape: [3, 7] }, { l, shape: [3, 7] }],
      (off, _p, [a, b]) => mulOffline(off, a!, b!),
      (p, [a, b]) => inRound(p, L, (r) => [mul(r, a!, b!)]).then(([z]) => z),
    );
    expectCost(cl, mulCost({ l, n: 21 }));
    await cl.close();
  });

  it('matmul', async () => {
    const cl = await measure(
      [{ l, shape: [3, 5] }, { l, shape: [5, 4] }],
      (off, _p, [a, b]) => matmulOffline(off, a!, b!),
      (p, [a, b]) => inRound(p, L, (r) => [matmul(r, a!, b!)]).then(([z]) => z),
    );
    expectCost(cl, matmulCost({ l, m: 3, k: 5, n: 4 }));
    await cl.close();
  });

  it('matmulW and shareWeight', async () => {
    const ws = new Map<string, WeightShare>();
    const W = randRing(l, 5 * 6);
    const cl = await measure(
      [{ l, shape: [3, 5] }],
      async (off, p, [a]) => {
        p.label = 'weights';
        const w = await shareWeight(off, l, 5, 6, p.id === 'P0' ? W : undefined);
        await off.flush();
        ws.set(p.id, w);
        p.label = L;
        return matmulWeightOffline(off, a!, w);
      },
      (p, [a]) => inRound(p, L, (r) => [matmulWeight(r, a!, ws.get(p.id)!)]).then(([z]) => z),
    );
    expectCost(cl, matmulWeightCost({ l, m: 3, k: 5, n: 6 }));
    const sw = perParty(shareWeightCost({ l, k: 5, n: 6 }).offline);
    for (const p of [cl.P0, cl.P1, cl.P2]) expect(p.acct.get('offline', 'weights').bytesSent).toBe(sw[p.id].bytesSent);
    expect(cl.P2.acct.get('offline', 'weights').rounds).toBe(sw.P2.rounds);
    await cl.close();
  });

  it('mulAdditive and matmulWeightAdditive (no online bytes)', async () => {
    const W = randRing(l, 5 * 2);
    const ws = new Map<string, WeightShare>();
    const cl = await measure(
      [{ l, shape: [3, 5] }, { l, shape: [3, 5] }],
      async (off, p, [a, b]) => {
        p.label = 'weights';
        const w = await shareWeight(off, l, 5, 2, p.id === 'P0' ? W : undefined);
        await off.flush();
        ws.set(p.id, w);
        p.label = L;
        await mulAdditiveOffline(off, a!, b!);
        await matmulWeightAdditiveOffline(off, a!, w);
        return undefined;
      },
      async (p, [a, b]) => {
        mulAdditive(p, a!, b!);
        await matmulWeightAdditive(p, a!, ws.get(p.id)!);
        return undefined;
      },
    );
    const c1 = mulAdditiveCost({ l, n: 15 }), c2 = matmulWeightAdditiveCost({ l, m: 3, k: 5, n: 2 });
    // Both dealings flush together (P2 waits once), each dealing's corrections in its own frame.
    expectCost(cl, { name: 'both', offline: { rounds: { P2: 1 }, messages: [...c1.offline.messages, ...c2.offline.messages] }, online: NO_COST });
    await cl.close();
  });

  it('remask (additive → masked)', async () => {
    const cl = await measure(
      [{ l, shape: [4, 4] }],
      (off, _p) => remaskOffline(off, l, [4, 4]),
      (p, [a]) => inRound(p, L, (r) => [remask(r, toAdditive(p, a!))]).then(([z]) => z),
    );
    expectCost(cl, remaskCost({ l, n: 16 }));
    await cl.close();
  });

  it('input and output', async () => {
    const cl = await inprocCluster();
    await runProgram(cl, {
      offline: async (off, p) => {
        p.label = L;
        await inputOffline(off, l, [6, 2]);
        await off.flush();
      },
      online: async (p) => {
        p.label = L;
        const [x] = await inRound(p, L, (r) => [input(r, l, [6, 2])]);
        p.label = 'out';
        output(p, x);
      },
      client: async (c) => {
        c.label = L;
        await clientInput(c, l, randRing(l, 12));
        c.label = 'out';
        return clientOutput(c, l, 12);
      },
    });
    expectCost(cl, inputCost({ l, n: 12 }));
    const want = perParty(outputCost({ l, n: 12 }).online);
    for (const p of [cl.P1, cl.P2, cl.C]) {
      const g = p.acct.get('online', 'out');
      expect([g.bytesSent, g.bytesRecv, g.rounds]).toEqual([want[p.id].bytesSent, want[p.id].bytesRecv, want[p.id].rounds]);
    }
    setLabel(cl, '');
    await cl.close();
  });
});

describe('cost summaries', () => {
  it('are SPU-style name/rounds/bytes', () => {
    expect(summarize(mulCost({ l: 32, n: 10 }))).toEqual({ name: 'mul', offline: { rounds: 1, bytes: 40 }, online: { rounds: 1, bytes: 80 } });
    expect(summarize(matmulWeightCost({ l: 64, m: 2, k: 3, n: 4 })).online).toEqual({ rounds: 1, bytes: 2 * 2 * 4 * 8 });
  });
});

describe('batched rounds', () => {
  it('three inputs cost one wait for the client, two products in one round one exchange', async () => {
    const l: RingBits = 16;
    const cl = await inprocCluster();
    await runProgram(cl, {
      offline: async (off) => {
        const [a, b, c] = [await inputOffline(off, l, [5]), await inputOffline(off, l, [5]), await inputOffline(off, l, [7])];
        await mulOffline(off, a, b);
        await mulOffline(off, a, a);
        void c;
        await off.flush();
      },
      online: async (p) => {
        p.label = 'in';
        const [a, b] = await inRound(p, 'in', (r) => [input(r, l, [5]), input(r, l, [5]), input(r, l, [7])]);
        await inRound(p, 'mul', (r) => [mul(r, a, b), mul(r, a, a)]);
      },
      client: async (c) => {
        c.label = 'in';
        for (const n of [5, 5, 7]) await clientInput(c, l, randRing(l, n));
        return undefined;
      },
    });
    expect([cl.P1.acct.get('online', 'in').rounds, cl.P2.acct.get('online', 'in').rounds]).toEqual([1, 1]);
    expect(cl.P2.acct.get('online', 'in')).toMatchObject({ msgsRecv: 3, bytesRecv: 17 * 2, msgsSent: 3, bytesSent: 3 * 16 });
    expect(cl.C.acct.get('online', 'in')).toMatchObject({ msgsSent: 6, bytesSent: 2 * 17 * 2, bytesRecv: 6 * 16 });
    expect(cl.P1.acct.get('online', 'mul')).toMatchObject({ rounds: 1, msgsSent: 1, bytesSent: 10 * 2 });
    await cl.close();
  });
});

describe('client input order', () => {
  it('concurrent clientInput calls send in call order: a large input first, a small one after, both open right', async () => {
    const l: RingBits = 32;
    const cl = await inprocCluster();
    const xs = [randRing(l, 200_000), randRing(l, 3)];
    const masks = new Map<string, MaskOf[]>();
    const opened = new Map<string, Masked[]>();
    await runProgram(cl, {
      offline: async (off) => {
        const ms = [await inputOffline(off, l, [200_000]), await inputOffline(off, l, [3])];
        masks.set(off.party.id, ms);
        await off.flush();
      },
      online: async (p) => {
        opened.set(p.id, await inRound(p, 'in', (r) => [input(r, l, [200_000]), input(r, l, [3])]));
      },
      client: async (c) => {
        await Promise.all(xs.map((x) => clientInput(c, l, x)));
        return undefined;
      },
    });
    // x = m − r with r = r1 + r2 (P0's mask): the masked values the servers hold decode to the client's inputs.
    xs.forEach((x, k) => {
      const m = opened.get('P1')![k]!.m as Uint32Array;
      expect(opened.get('P2')![k]!.m).toEqual(m);
      const r = masks.get('P0')![k]!.r as Uint32Array;
      expect(Uint32Array.from(m, (v, i) => (v - r[i]!) >>> 0)).toEqual(x);
    });
    await cl.close();
  });
});
