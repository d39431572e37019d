/**
 * Running a CrypTen-style program on a cluster: the offline phase on P0, P1
 * and P2 (the TTP deals everything the program will use), then the online
 * phase on P1 and P2 with the client beside them. The program is one
 * function of the engine; it must make the same calls in both modes.
 */
import { Offline } from '../mpc/dealer.js';
import type { Cluster } from '../mpc/cluster.js';
import type { Party } from '../mpc/party.js';
import { CryptenEngine } from './engine.js';

export interface PhaseRun<T> {
  offlineMs: number;
  onlineMs: number;
  /** Results of P1 and P2's online program. */
  p1: T;
  p2: T;
  /** The client's result. */
  client: unknown;
  /** Per-label wall time (ms) of P1's online primitives. */
  onlineTimes: Record<string, number>;
}

/**
 * Offline then online. `program` runs on every engine; `client` (optional)
 * runs on C during the online phase.
 */
export async function runCrypten<T>(cl: Cluster, program: (e: CryptenEngine) => Promise<T>, client?: (c: Party) => Promise<unknown>): Promise<PhaseRun<T>> {
  const t0 = performance.now();
  await Promise.all([cl.P0, cl.P1, cl.P2].map(async (p) => {
    p.phase = 'offline';
    const e = new CryptenEngine(p, 'offline', new Offline(p));
    await program(e);
    await e.flush();
  }));
  const t1 = performance.now();
  const e1 = new CryptenEngine(cl.P1, 'online');
  const e2 = new CryptenEngine(cl.P2, 'online');
  cl.P1.phase = 'online';
  cl.P2.phase = 'online';
  cl.C.phase = 'online';
  const [p1, p2, c] = await Promise.all([program(e1), program(e2), client ? client(cl.C) : Promise.resolve(undefined)]);
  const t2 = performance.now();
  return { offlineMs: t1 - t0, onlineMs: t2 - t1, p1, p2, client: c, onlineTimes: e1.times };
}
