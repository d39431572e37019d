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
  /** Hugging Face BERT folder: config.json, vocab.txt or tokenizer.json, model.safetensors. */
  modelDir: string;
  /** Labelled TSV to evaluate on (header `sentence` or `text`, and `label`). */
  dataPath: string;
  /** Sentences from the start of the file, a positive integer (default: all; each takes a full secure forward). */
  limit?: number;
  /**
   * The compiled program (.lutmpc) to run. Without it and without
   * `calibPath`: `modelDir/model.lutmpc`, else the CLI's fallback,
   * calibrating on `../shared/data/sst2/train.tsv` from the working
   * directory with a warning (see secure.resolveProgram).
   */
  programPath?: string;
  /** Calibrate and compile on this TSV (a training split) first, when no `programPath` is given. */
  calibPath?: string;
  /** Calibration sentences from the start of the calibration file (default 256). */
  calibLimit?: number;
  /** Weight bits when compiling: '8' (default), 'mixed', 'auto' or 'NAME=8|4|1,…' (see compileModel). */
  bits?: string;
  /** Accuracy budget in percentage points for bits 'auto' (default 1). */
  budget?: number;
  /** How the parties talk, all in this process: 'inproc' pipes (default), or 'tcp' / 'tls' sockets on loopback ('tls' needs `cluster.tls`). */
  parties?: ClusterKind;
  /** Link options of the three parties (timeouts, TLS identities). */
  cluster?: ClusterOptions;
  /** Protocol options (requant chunk, borrow protocol); default the engine's. */
  secure?: SecureOptions;
  /** Pad every sentence to this many positions, so P0 deals for it and never learns a sentence's token count (longer sentences are refused). Default: no padding. */
  padTo?: number;
  /** Kernel backend of the plaintext integer reference (default getKernels()). */
  kernels?: Kernels;
  /** Called after each sentence: ('secure eval', done, total). */
  progress?: Progress;
  /** Warnings (truncated texts, ignored options, the default calibration); default: dropped, except the default calibration (process.emitWarning). */
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

/**
 * Accuracy of the secure three-party forward on a labelled TSV (`lutmpc eval
 * --mode secure`), with every sentence's secure int32 logits checked against
 * the plaintext integer reference. The parties run in this process; weights
 * are shared once, then each sentence takes an offline and an online phase
 * (seconds per sentence for BERT-tiny). The program comes from
 * secure.resolveProgram (see `programPath`).
 *
 * @throws ShapeError for a bad `parties`, `limit`, `padTo` or `bits` spec.
 * @throws FormatError when the model folder, TSV or program is missing or malformed, or no program can be found (the message names `programPath` / --program and `calibPath` / --calib).
 * @throws LutmpcError when the TSV has no examples or the program was compiled for another model.
 * @throws PeerError / TimeoutError when a party link fails or stalls.
 */
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
