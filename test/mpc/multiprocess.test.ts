/**
 * P0, P1, P2 as three OS processes on loopback compute a chain of matmuls and
 * multiplications for a client (this process); results equal plaintext ring
 * arithmetic and the byte counts equal the in-process run's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transpileSrc } from './transpile.js';
import { chainClient, chainOffline, chainOnline, type ChainSpec } from '../../src/mpc/chain.js';
import { inprocCluster } from '../../src/mpc/cluster.js';
import { Offline } from '../../src/mpc/dealer.js';
import { big, chainRef, randRing } from './helpers.js';
import { launchParties } from './processes.js';

describe('three party processes over TCP', () => {
  let src: ReturnType<typeof transpileSrc>;
  beforeAll(() => {
    src = transpileSrc();
  });
  afterAll(() => src?.cleanup());
  it('compute a chain of matmuls and multiplications exactly, with the in-process byte counts', async () => {
    const spec: ChainSpec = { l: 32, m: 8, k: 16, layers: 3 };
    const x = randRing(32, spec.m * spec.k);
    const W = Array.from({ length: spec.layers }, () => randRing(32, spec.k * spec.k));
    const { children, client } = await launchParties({ entry: src.entry('mpc/party-main.js'), kind: 'tcp', spec, weights: W, input: x, timeoutMs: 10_000 });
    for (const c of children) {
      expect({ id: c.id, code: c.code, msg: c.msg?.type, stderr: c.stderr }).toEqual({ id: c.id, code: 0, msg: 'done', stderr: expect.any(String) });
    }
    console.log(children.map((c) => `${c.id} exited after ${c.exitedAfterMs} ms`).join(', '));
    expect(client.error).toBeUndefined();
    expect(big(client.out!)).toEqual(chainRef(spec, x, W));

    // Same program in one process: identical accounting for every party.
    const cl = await inprocCluster();
    const ws = await Promise.all([cl.P0, cl.P1, cl.P2].map((p) => chainOffline(new Offline(p), spec, p.id === 'P0' ? W : undefined)));
    await Promise.all([chainClient(cl.C, spec, x), chainOnline(cl.P1, spec, ws[1]!), chainOnline(cl.P2, spec, ws[2]!)]);
    const inproc = [cl.P0, cl.P1, cl.P2].map((p) => p.acct.report());
    await cl.close();
    for (let i = 0; i < 3; i++) expect((children[i]!.msg as { report: unknown }).report).toEqual(inproc[i]);
  });
});
