/**
 * `eval --mode secure`: every sentence of a labelled TSV through the secure
 * forward (weights shared once; per sentence an offline and an online phase)
 * next to the plaintext integer reference, reporting accuracy and, per
 * sentence, whether the secure int32 logits equal the reference exactly.
 * Parties run in this process (in-process pipes, or TCP/TLS sockets on
 * loopback); `lutmpc infer` is the multi-process path.
 */
import { getKernels } from '../kernels/loader.js';
import type { Kernels } from '../kernels/types.js';
import { encodeAll } from '../model/api.js';
import { readEvalTsv } from '../model/data.js';
import { IntBert, argmax } from '../model/int-bert.js';
import type { Progress } from '../model/progress.js';
import { ShapeError } from '../errors.js';
import type { ClusterKind, ClusterOptions } from '../mpc/cluster.js';
import type { SecureOptions } from './forward.js';
import { InProcessSecure } from './inprocess.js';
import { resolveProgram } from './model-source.js';
import { summarize } from './report.js';

export interface SecureEvalOptions {
  modelDir: string;
  dataPath: string;
  limit?: number;
  programPath?: string;
  calibPath?: string;
  calibLimit?: number;
  bits?: string;
  /** Accuracy budget in points for bits 'auto' (default 1). */
  budget?: number;
  /** How the parties talk (default 'inproc'). */
  parties?: ClusterKind;
  cluster?: ClusterOptions;
  secure?: SecureOptions;
  /** Pad every sentence to this many positions, so P0 deals for it and never learns a sentence's token count (longer sentences are refused). */
  padTo?: number;
  kernels?: Kernels;
  progress?: Progress;
  warn?: (msg: string) => void;
}

export interface SentenceResult {
  index: number;
  tokens: number;
  label: number;
  predicted: number;
  /** Secure logits equal the integer reference's, element by element. */
  exact: boolean;
  logits: number[];
  reference: number[];
  onlineMs: number;
  offlineMs: number;
}

export interface SecureEvalReport {
  mode: 'secure';
  n: number;
  accuracy: number;
  correct: number;
  /** Sentences whose secure logits equal the reference exactly. */
  exactCount: number;
  allExact: boolean;
  truncated: number;
  seconds: number;
  programSource: string;
  parties: ClusterKind;
  /** Means per sentence. */
  mean: { onlineMs: number; offlineMs: number; bytesOnline: number; bytesOffline: number; rounds: number };
  setupMs: number;
  bytesSetup: number;
  sentences: SentenceResult[];
}

export async function evaluateSecure(o: SecureEvalOptions): Promise<SecureEvalReport> {
  if (!['inproc', 'tcp', 'tls'].includes(o.parties ?? 'inproc')) throw new ShapeError(`parties must be 'inproc', 'tcp' or 'tls' (got '${String(o.parties)}')`);
  const model = await resolveProgram({ modelDir: o.modelDir, programPath: o.programPath, calibPath: o.calibPath, calibLimit: o.calibLimit, bits: o.bits, budget: o.budget, warn: o.warn });
  const rows = readEvalTsv(o.dataPath, o.limit, model.hf.config.numLabels);
  const { data, truncated } = encodeAll(model.hf, rows, o.warn);
  const ref = new IntBert(model.program, o.kernels ?? getKernels());
  const parties = o.parties ?? 'inproc';
  const longest = data.reduce((a, d) => Math.max(a, d.ids.length), 0);
  if (o.padTo !== undefined && (!Number.isInteger(o.padTo) || o.padTo < longest || o.padTo > model.program.config.maxPositions)) {
    throw new ShapeError(`pad to ${o.padTo}: must be an integer in ${longest}..${model.program.config.maxPositions} (the longest sentence has ${longest} tokens; the model takes ${model.program.config.maxPositions} positions)`);
  }
  const t0 = performance.now();
  const s = await InProcessSecure.start(model.program, parties, o.cluster, o.secure);
  const sentences: SentenceResult[] = [];
  try {
    for (let i = 0; i < data.length; i++) {
      const d = data[i]!;
      const [want, got] = await Promise.all([ref.forward(d.ids), s.infer(d.ids, { padTo: o.padTo })]);
      const logits = Array.from(got.logits);
      const reference = Array.from(want.logits);
      const predicted = argmax(logits);
      sentences.push({ index: i, tokens: d.ids.length, label: d.label, predicted, exact: logits.every((v, j) => v === reference[j]), logits, reference, onlineMs: got.onlineMs, offlineMs: got.offlineMs });
      o.progress?.('secure eval', i + 1, data.length);
    }
  } finally {
    await s.close();
  }
  const fig = summarize(s.reports());
  const n = sentences.length;
  const correct = sentences.filter((x) => x.predicted === x.label).length;
  const exactCount = sentences.filter((x) => x.exact).length;
  return {
    mode: 'secure',
    n,
    accuracy: correct / n,
    correct,
    exactCount,
    allExact: exactCount === n,
    truncated,
    seconds: (performance.now() - t0) / 1000,
    programSource: model.source,
    parties,
    mean: {
      onlineMs: sentences.reduce((a, x) => a + x.onlineMs, 0) / n,
      offlineMs: sentences.reduce((a, x) => a + x.offlineMs, 0) / n,
      bytesOnline: fig.bytesOnline / n,
      bytesOffline: fig.bytesOffline / n,
      rounds: fig.rounds / n,
    },
    setupMs: s.setupMs,
    bytesSetup: fig.bytesSetup,
    sentences,
  };
}
