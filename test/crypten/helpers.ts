/** Run CrypTen-style functions on client inputs over an in-process cluster and decode the outputs. */
import { inprocCluster, type ClusterOptions } from '../../src/mpc/cluster.js';
import type { CryptenEngine, Shared } from '../../src/crypten/engine.js';
import { cryptenClientInput, cryptenClientOutput } from '../../src/crypten/engine.js';
import { runCrypten, type PhaseRun } from '../../src/crypten/run.js';
import type { Cluster } from '../../src/mpc/cluster.js';

/** y = f(x) under MPC for a vector of inputs; returns the decoded outputs. */
export async function evalVec(f: (e: CryptenEngine, x: Shared) => Promise<Shared>, xs: readonly number[], outLen = xs.length, opts: ClusterOptions = {}): Promise<Float64Array> {
  const cl = await inprocCluster(opts);
  try {
    const run = await runOn(cl, f, xs, outLen);
    return run.client as Float64Array;
  } finally {
    await cl.close();
  }
}

export async function runOn(cl: Cluster, f: (e: CryptenEngine, x: Shared) => Promise<Shared>, xs: readonly number[], outLen = xs.length): Promise<PhaseRun<void>> {
  return runCrypten(
    cl,
    async (e) => {
      e.label = 't';
      const x = await e.input([xs.length]);
      const y = await f(e, x);
      e.output(y);
    },
    async (c) => {
      await cryptenClientInput(c, xs, 't');
      return cryptenClientOutput(c, outLen, 't');
    },
  );
}

export function linspace(a: number, b: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
}

export function maxAbsErr(got: ArrayLike<number>, want: (i: number) => number): number {
  let m = 0;
  for (let i = 0; i < got.length; i++) m = Math.max(m, Math.abs(got[i]! - want(i)));
  return m;
}

export function maxRelErr(got: ArrayLike<number>, want: (i: number) => number): number {
  let m = 0;
  for (let i = 0; i < got.length; i++) m = Math.max(m, Math.abs(got[i]! - want(i)) / Math.abs(want(i)));
  return m;
}

/**
 * Run f on several client vectors with labels 'in' (inputs), 'f' (the
 * function, its dealings flushed under 'f') and 'out'; returns the cluster's
 * party reports and the decoded output.
 */
export async function measure(
  f: (e: CryptenEngine, xs: Shared[]) => Promise<Shared | undefined>,
  inputs: readonly (readonly number[])[],
  outLen: number,
  opts: ClusterOptions = {},
): Promise<{ out: Float64Array | undefined; reports: Record<string, import('../../src/mpc/accounting.js').PartyReport> }> {
  const cl = await inprocCluster(opts);
  try {
    const run = await runCrypten(
      cl,
      async (e) => {
        e.label = 'in';
        const xs: Shared[] = [];
        for (const v of inputs) xs.push(await e.input([v.length]));
        e.label = 'f';
        const y = await f(e, xs);
        await e.flush();
        e.label = 'out';
        if (y && outLen > 0) e.output(y);
      },
      async (c) => {
        for (const v of inputs) await cryptenClientInput(c, v, 'in');
        return outLen > 0 ? cryptenClientOutput(c, outLen, 'out') : undefined;
      },
    );
    const reports = Object.fromEntries([cl.P0, cl.P1, cl.P2, cl.C].map((p) => [p.id, p.acct.report()]));
    return { out: run.client as Float64Array | undefined, reports };
  } finally {
    await cl.close();
  }
}
