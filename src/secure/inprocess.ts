/**
 * All four parties in this process (in-process pipes, or TCP/TLS on
 * loopback): tests, `eval --mode secure`, and the benchmark's reference run.
 * Phases are timed separately: setup (weight shares), offline (before the
 * text exists), online (from the client's input to its logits).
 */
import { cluster, type Cluster, type ClusterKind, type ClusterOptions } from '../mpc/cluster.js';
import type { PartyReport } from '../mpc/accounting.js';
import type { IntProgram } from '../model/program.js';
import { clientInfer, publicShape, ServerSession } from './session.js';
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

  async infer(ids: readonly number[], opts: { stream?: boolean } = {}): Promise<SentenceRun> {
    const T = ids.length;
    if (opts.stream) {
      const [logits, ...busy] = await Promise.all([clientInfer(this.cl.C, this.shape, ids), ...this.servers.map((s) => s.streamed(T))]);
      return { logits, offlineMs: Math.max(...busy.map((b) => b.offlineMs)), onlineMs: Math.max(busy[1]!.onlineMs, busy[2]!.onlineMs) };
    }
    const t0 = performance.now();
    await Promise.all(this.servers.map((s) => s.offline(T)));
    const t1 = performance.now();
    const [logits] = await Promise.all([clientInfer(this.cl.C, this.shape, ids), this.servers[1]!.online(T), this.servers[2]!.online(T)]);
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
export async function secureInferInProcess(program: IntProgram, ids: readonly number[], kind: ClusterKind = 'inproc', opts: ClusterOptions = {}, secure: SecureOptions = {}): Promise<SentenceRun & { setupMs: number; reports: PartyReport[] }> {
  const s = await InProcessSecure.start(program, kind, opts, secure);
  try {
    const r = await s.infer(ids);
    return { ...r, setupMs: s.setupMs, reports: s.reports() };
  } finally {
    await s.close();
  }
}
