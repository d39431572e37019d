/**
 * All four parties in this process (in-process pipes, or TCP/TLS on
 * loopback): tests, `eval --mode secure`, and the benchmark's reference run.
 * Phases are timed separately: setup (weight shares), offline (before the
 * text exists), online (from the client's input to its logits).
 */
import { cluster, type Cluster, type ClusterKind, type ClusterOptions } from '../mpc/cluster.js';
import type { PartyReport } from '../mpc/accounting.js';
import type { IntProgram } from '../model/program.js';
import { checkTokenIds, clientInfer, padIds, publicShape, ServerSession } from './session.js';
import type { PublicShape, SecureOptions } from './forward.js';

export interface SentenceRun {
  logits: Int32Array;
  offlineMs: number;
  onlineMs: number;
}

/** A cluster with the weights shared once; `infer` runs one sentence (offline, then online). */
export class InProcessSecure {
  private constructor(
    readonly cl: Cluster,
    readonly shape: PublicShape,
    readonly servers: ServerSession[],
    readonly setupMs: number,
  ) {}

  static async start(program: IntProgram, kind: ClusterKind = 'inproc', opts: ClusterOptions = {}, secure: SecureOptions = {}): Promise<InProcessSecure> {
    const cl = await cluster(kind, opts);
    try {
      const shape = publicShape(program.config);
      const t0 = performance.now();
      const servers = [new ServerSession(cl.P0, shape, program, secure), new ServerSession(cl.P1, shape, undefined, secure), new ServerSession(cl.P2, shape, undefined, secure)];
      await Promise.all(servers.map((s) => s.setup()));
      return new InProcessSecure(cl, shape, servers, performance.now() - t0);
    } catch (e) {
      await cl.close().catch(() => undefined);
      throw e;
    }
  }

  /**
   * One sentence. `padTo`: P0 deals for this many positions and the client
   * pads its ids to it, so the dealer never learns their count (P1 and P2
   * do); the logits are the same as without.
   */
  async infer(ids: readonly number[], opts: { stream?: boolean; padTo?: number } = {}): Promise<SentenceRun> {
    const T = opts.padTo ?? ids.length;
    const n = ids.length;
    // Before any dealing: a refused input must leave the parties' material in step for the next sentence.
    checkTokenIds(ids, this.shape);
    checkTokenIds(padIds(ids, T), this.shape);
    if (opts.stream) {
      const [logits, ...busy] = await Promise.all([clientInfer(this.cl.C, this.shape, ids, T), this.servers[0]!.streamed(T), this.servers[1]!.streamed(T, n), this.servers[2]!.streamed(T, n)]);
      return { logits, offlineMs: Math.max(...busy.map((b) => b.offlineMs)), onlineMs: Math.max(busy[1]!.onlineMs, busy[2]!.onlineMs) };
    }
    const t0 = performance.now();
    await Promise.all(this.servers.map((s) => s.offline(T)));
    const t1 = performance.now();
    const [logits] = await Promise.all([clientInfer(this.cl.C, this.shape, ids, T), this.servers[1]!.online(T, n), this.servers[2]!.online(T, n)]);
    return { logits, offlineMs: t1 - t0, onlineMs: performance.now() - t1 };
  }

  reports(): PartyReport[] {
    return [this.cl.P0, this.cl.P1, this.cl.P2, this.cl.C].map((p) => p.acct.report());
  }

  close(): Promise<void> {
    return this.cl.close();
  }
}

/** One sentence end to end in a fresh cluster. */
export async function secureInferInProcess(program: IntProgram, ids: readonly number[], kind: ClusterKind = 'inproc', opts: ClusterOptions = {}, secure: SecureOptions = {}, padTo?: number): Promise<SentenceRun & { setupMs: number; reports: PartyReport[] }> {
  const s = await InProcessSecure.start(program, kind, opts, secure);
  try {
    const r = await s.infer(ids, { padTo });
    return { ...r, setupMs: s.setupMs, reports: s.reports() };
  } finally {
    await s.close();
  }
}
