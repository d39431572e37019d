/**
 * A CrypTen-baseline BERT session: one cluster (in-process, TCP or TLS on
 * loopback), the model's weights shared once by P0, then any number of
 * sentences, each with its own offline (TTP dealing) and online phase.
 */
import { cluster, type Cluster, type ClusterKind, type ClusterOptions } from '../mpc/cluster.js';
import { Offline } from '../mpc/dealer.js';
import type { PartyReport } from '../mpc/accounting.js';
import type { BertWeights } from '../model/weights.js';
import type { BertConfig } from '../model/config.js';
import { CryptenEngine } from './engine.js';
import { cryptenBertClient, cryptenBertForward, shareCryptenBert, type CryptenBertShape, type CryptenBertWeights, type CryptenForwardOptions } from './bert.js';

export function shapeOfConfig(c: BertConfig): CryptenBertShape {
  return { layers: c.numLayers, hidden: c.hidden, heads: c.heads, ffn: c.intermediate, vocab: c.vocabSize, labels: c.numLabels, layerNormEps: c.layerNormEps };
}

export interface CryptenInference {
  logits: Float64Array;
  offlineMs: number;
  onlineMs: number;
  /** P1's online wall time per label (ms): time between the ends of consecutive labelled blocks. */
  onlineTimes: Record<string, number>;
  /** P0's offline wall time per label (ms, dealing + flush). */
  offlineTimes: Record<string, number>;
}

export class CryptenBertSession {
  private constructor(
    readonly cl: Cluster,
    readonly shape: CryptenBertShape,
    private readonly shares: Record<'P0' | 'P1' | 'P2', CryptenBertWeights>,
    readonly setupMs: number,
  ) {}

  /** Start the cluster and share the weights (P0 holds `weights`). */
  static async open(shape: CryptenBertShape, maxSeq: number, weights: BertWeights, kind: ClusterKind = 'inproc', opts: ClusterOptions = {}): Promise<CryptenBertSession> {
    const cl = await cluster(kind, opts);
    try {
      const t0 = performance.now();
      const [w0, w1, w2] = await Promise.all(([cl.P0, cl.P1, cl.P2] as const).map((p) => {
        p.phase = 'offline';
        return shareCryptenBert(new CryptenEngine(p, 'offline', new Offline(p)), shape, maxSeq, p.id === 'P0' ? weights : undefined);
      }));
      return new CryptenBertSession(cl, shape, { P0: w0!, P1: w1!, P2: w2! }, performance.now() - t0);
    } catch (e) {
      await cl.close().catch(() => undefined);
      throw e;
    }
  }

  /** One sentence: offline dealing for its length, then the online forward; the client gets the logits. */
  async infer(ids: readonly number[], o: CryptenForwardOptions = {}): Promise<CryptenInference> {
    const cl = this.cl;
    const T = ids.length;
    const t0 = performance.now();
    const engines = ([cl.P0, cl.P1, cl.P2] as const).map((p) => {
      p.phase = 'offline';
      return new CryptenEngine(p, 'offline', new Offline(p));
    });
    const offTimes: Record<string, number> = {};
    await Promise.all(engines.map((e) =>
      cryptenBertForward(e, this.shares[e.party.id as 'P0' | 'P1' | 'P2'], T, {
        layers: o.layers,
        clsOnlyLastLayer: o.clsOnlyLastLayer,
        onBlock: e.party.id === 'P0' ? timeBlocks(offTimes) : undefined,
      }),
    ));
    const t1 = performance.now();
    for (const p of [cl.P1, cl.P2, cl.C]) p.phase = 'online';
    const e1 = new CryptenEngine(cl.P1, 'online');
    const e2 = new CryptenEngine(cl.P2, 'online');
    const onTimes: Record<string, number> = {};
    const tick = timeBlocks(onTimes);
    const [, , logits] = await Promise.all([
      cryptenBertForward(e1, this.shares.P1, T, {
        layers: o.layers,
        clsOnlyLastLayer: o.clsOnlyLastLayer,
        onBlock: (l, i) => {
          tick(l);
          o.onBlock?.(l, i);
        },
      }),
      cryptenBertForward(e2, this.shares.P2, T, { layers: o.layers, clsOnlyLastLayer: o.clsOnlyLastLayer }),
      cryptenBertClient(cl.C, this.shape, ids),
    ]);
    const t2 = performance.now();
    return { logits, offlineMs: t1 - t0, onlineMs: t2 - t1, onlineTimes: onTimes, offlineTimes: offTimes };
  }

  reports(): PartyReport[] {
    return [this.cl.P0, this.cl.P1, this.cl.P2, this.cl.C].map((p) => p.acct.report());
  }

  resetAccounting(): void {
    for (const p of [this.cl.P0, this.cl.P1, this.cl.P2, this.cl.C]) p.acct.reset();
  }

  close(): Promise<void> {
    return this.cl.close();
  }
}

/** Wall time between consecutive block ends, charged to the block's label. */
function timeBlocks(times: Record<string, number>): (label: string) => void {
  let last = performance.now();
  return (label) => {
    const now = performance.now();
    times[label] = (times[label] ?? 0) + now - last;
    last = now;
  };
}
