/**
 * The same program over in-process pipes, TCP and TLS (mutual auth) gives the
 * plaintext result and byte-for-byte identical accounting; shaping delays
 * delivery by latency + size/bandwidth and is reported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectParty } from '../../src/mpc/cluster.js';
import { peersOf } from '../../src/mpc/party.js';
import { chainClient, chainOffline, chainOnline, type ChainSpec } from '../../src/mpc/chain.js';
import { cluster, inprocCluster, type ClusterKind } from '../../src/mpc/cluster.js';
import { Offline } from '../../src/mpc/dealer.js';
import type { WeightShare } from '../../src/mpc/protocols/matmul-weight.js';
import { estimateNetworkSeconds, LAN, WAN } from '../../src/mpc/transport/shaping.js';
import { combineReports } from '../../src/mpc/accounting.js';
import type { RingArray } from '../../src/kernels/types.js';
import { big, chainRef, randRing } from './helpers.js';
import { makeTestCerts, type TestCerts } from './certs.js';

async function runChain(kind: ClusterKind, spec: ChainSpec, x: RingArray, W: RingArray[], certs?: TestCerts) {
  const cl = await cluster(kind, { tls: certs?.ids, timeoutMs: 10_000 });
  expect([cl.P0.link('P1').kind, cl.C.link('P2').kind]).toEqual([kind, kind]);
  const ws = await Promise.all([cl.P0, cl.P1, cl.P2].map((p) => chainOffline(new Offline(p), spec, p.id === 'P0' ? W : undefined)));
  const [out] = await Promise.all([chainClient(cl.C, spec, x), chainOnline(cl.P1, spec, ws[1] as WeightShare[]), chainOnline(cl.P2, spec, ws[2] as WeightShare[])]);
  const reports = [cl.P0, cl.P1, cl.P2, cl.C].map((p) => p.acct.report());
  await cl.close();
  return { out, reports };
}

describe('in-process, TCP and TLS links', () => {
  let certs: TestCerts;
  beforeAll(() => {
    certs = makeTestCerts();
  });
  afterAll(() => certs?.cleanup());

  it('give identical results and identical byte counts', async () => {
    const spec: ChainSpec = { l: 32, m: 4, k: 6, layers: 2 };
    const x = randRing(32, spec.m * spec.k);
    const W = [randRing(32, 36), randRing(32, 36)];
    const want = chainRef(spec, x, W);
    const runs = [];
    for (const kind of ['inproc', 'tcp', 'tls'] as const) runs.push(await runChain(kind, spec, x, W, certs));
    for (const r of runs) expect(big(r.out)).toEqual(want);
    expect(runs[1]!.reports).toEqual(runs[0]!.reports);
    expect(runs[2]!.reports).toEqual(runs[0]!.reports);
    // Sanity on the counts: 1 input + 2 per layer + gram rounds for P1 online.
    expect(runs[0]!.reports[1]!.phases['online']!.total.rounds).toBe(1 + 2 * spec.layers + 1);
    const s = combineReports(runs[0]!.reports);
    expect(s.network).toBe('unshaped');
    // Online: the input (P1, P2 → C their mask keys, C → P1, P2 the masked input), 2 messages per
    // round after it (2·layers + 1 rounds), 2 outputs to C.
    expect(s.phases['online']!.messages).toBe(4 + 2 * (1 + 2 * spec.layers) + 2);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });
});

describe('network shaping', () => {
  it('delays each message by latency + size/bandwidth and says so in the report', async () => {
    const shape = { latencyMs: 30, bandwidthBps: 8e6 }; // 1 MB/s
    const cl = await inprocCluster({ shaping: shape });
    const spec: ChainSpec = { l: 32, m: 2, k: 3, layers: 1 };
    const W = [randRing(32, 9)];
    const ws = await Promise.all([cl.P0, cl.P1, cl.P2].map((p) => chainOffline(new Offline(p), spec, p.id === 'P0' ? W : undefined)));
    const t0 = performance.now();
    await Promise.all([chainClient(cl.C, spec, randRing(32, 6)), chainOnline(cl.P1, spec, ws[1]!), chainOnline(cl.P2, spec, ws[2]!)]);
    const elapsed = performance.now() - t0;
    const rep = cl.P2.acct.report();
    expect(rep.shaped).toEqual(shape);
    // P2 waits for: C's masked input, then 3 exchanges (matmulW, mul, gram); C then waits for the output.
    const rounds = rep.phases['online']!.total.rounds;
    expect(rounds).toBe(4);
    expect(elapsed).toBeGreaterThanOrEqual(rounds * shape.latencyMs);
    const est = estimateNetworkSeconds({ P2: { rounds, bytesSent: 0, bytesRecv: 0 } }, shape);
    expect(est.seconds).toBeCloseTo((rounds * 30) / 1000, 9);
    await cl.close();
  });

  it('estimates LAN/WAN time from counts', () => {
    const e = estimateNetworkSeconds(
      { P1: { rounds: 10, bytesSent: 1e6, bytesRecv: 2e6 }, P2: { rounds: 12, bytesSent: 1e6, bytesRecv: 1e6 } },
      WAN,
    );
    expect(e.perParty['P1']).toBeCloseTo(0.4 + 0.16, 9);
    expect(e.perParty['P2']).toBeCloseTo(0.48 + 0.08, 9);
    expect(e.seconds).toBeCloseTo(0.56, 9);
    expect(estimateNetworkSeconds({ P1: { rounds: 2, bytesSent: 125e6, bytesRecv: 0 } }, LAN).seconds).toBeCloseTo(0.001 + 1, 9);
  });
});

describe('connectParty', () => {
  it('brings up four parties from addresses alone (as separate processes would)', async () => {
    const addrs: Record<string, { host: string; port: number }> = {};
    const waitFor = (id: string) =>
      new Promise<{ host: string; port: number }>((resolve) => {
        const t = setInterval(() => {
          if (addrs[id]) {
            clearInterval(t);
            resolve(addrs[id]!);
          }
        }, 5);
      });
    const start = (id: 'P0' | 'P1' | 'P2' | 'C') =>
      (async () => {
        const peers: Record<string, { host: string; port: number }> = {};
        for (const p of peersOf(id)) if (['P0', 'P1', 'P2', 'C'].indexOf(p) < ['P0', 'P1', 'P2', 'C'].indexOf(id)) peers[p] = await waitFor(p);
        return connectParty(id, { peers, onListening: (a) => a && (addrs[id] = a) });
      })();
    const ps = await Promise.all([start('P0'), start('P1'), start('P2'), start('C')]);
    expect(ps.map((p) => [...p.links.keys()].sort())).toEqual([['P1', 'P2'], ['C', 'P0', 'P2'], ['C', 'P0', 'P1'], ['P1', 'P2']]);
    expect(ps[1]!.seed('P0')).toEqual(ps[0]!.seed('P1'));
    expect(ps[3]!.seed('P2')).toEqual(ps[2]!.seed('C'));
    await Promise.all(ps.map((p) => p.close()));
  });
});
