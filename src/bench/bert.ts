/**
 * End-to-end benchmark of the secure forward on a random BERT of a given
 * shape (default small; BERT-base is `--layers 12 --hidden 768 --heads 12
 * --ffn 3072 --seq 128`): the float model is drawn in memory (vocabulary
 * 30 522 by default, the scales of random-bert.ts), calibrated on a couple
 * of random sequences of the benchmark length and compiled; then, in the same
 * run, the plaintext float and integer forwards and the secure forward (three
 * server processes on loopback, or one process) on the same token ids.
 *
 * Reports offline and online seconds, bytes and rounds per accounting label
 * (embed, qkv, attn, softmax, proj, ln, ffn, pooler, cls) and in total, the
 * declared cost formula next to the measured counters, the peak RSS of each
 * party, and whether the secure logits equal the integer reference.
 * Shapes whose offline material would not fit in memory stream (pacer.ts):
 * offline and online alternate per flush segment, each phase timed apart.
 */
import os from 'node:os';
import type { BertConfig } from '../model/config.js';
import { calibrate } from '../model/calibrate.js';
import { FloatBert } from '../model/float-bert.js';
import { IntBert } from '../model/int-bert.js';
import { parseBitsSpec } from '../model/bits.js';
import { matmulNames, type IntProgram } from '../model/program.js';
import { compileProgram } from '../model/quantize.js';
import type { BertWeights, Linear } from '../model/weights.js';
import { getKernels } from '../kernels/loader.js';
import { secureForwardCost, LABELS, type ForwardCost } from '../secure/cost.js';
import { InProcessSecure } from '../secure/inprocess.js';
import { launchSecure } from '../secure/launch.js';
import { MAX_FRAME } from '../secure/limits.js';
import { summarize } from '../secure/report.js';
import { publicShape } from '../secure/session.js';
import type { Borrow } from '../mpc/lut/requant.js';
import { borrowOutLabel, DEFAULT_BORROW, DEFAULT_BORROW_OUT, type BorrowOutPlan } from '../secure/forward.js';

export interface BertBenchOptions {
  layers?: number;
  hidden?: number;
  heads?: number;
  ffn?: number;
  seq?: number;
  vocab?: number;
  labels?: number;
  /** Weight bits: 8, mixed, NAME=8|4|1,... */
  bits?: string;
  /** Shift chunk of the 8-bit requants. */
  chunk?: number;
  /** Borrow protocol of the 8-bit requants (SecureOptions.borrow). */
  borrow?: Borrow;
  /** What the requants' last borrow round opens (SecureOptions.borrowOut; default DEFAULT_BORROW_OUT). */
  borrowOut?: BorrowOutPlan;
  /** 'tcp' (three processes, default) or 'inproc'. */
  parties?: 'tcp' | 'inproc';
  /** Stream offline/online per segment: true, false or 'auto' (when the offline material exceeds a quarter of RAM). */
  stream?: boolean | 'auto';
  calibSentences?: number;
  seed?: number;
  /** party-proc.js to fork (tests). */
  entry?: string;
  log?: (msg: string) => void;
}

export interface LabelBench {
  onlineSeconds: number;
  offlineSeconds: number;
  onlineBytes: number;
  offlineBytes: number;
  onlineRounds: number;
}

export interface BertBenchReport {
  shape: { layers: number; hidden: number; heads: number; ffn: number; seq: number; vocab: number; labels: number; bits: string; chunk: number; borrow: Borrow; borrowOut: string };
  machine: { cpuModel: string; cpus: number; totalMemGB: number; backend: string };
  compileSeconds: number;
  plaintext: { floatSeconds: number; intSeconds: number };
  secure: {
    parties: string;
    streamed: boolean;
    setupSeconds: number;
    offlineSeconds: number;
    onlineSeconds: number;
    bytesOnline: number;
    bytesOffline: number;
    bytesSetup: number;
    rounds: number;
    perLabel: Record<string, LabelBench>;
    exact: boolean;
    logits: number[];
    reference: number[];
  };
  declared: ForwardCost;
  /** Counters equal the declared formula (bytes and rounds, every label). */
  declaredMatches: boolean;
  peakRssBytes: Record<string, number>;
  notes: string[];
}

/** splitmix32 → uniform → Box–Muller normals. */
function normals(seed: number): (n: number, std: number, mean?: number) => Float64Array {
  let s = seed >>> 0;
  const u = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 2 ** 32;
  };
  return (n, std, mean = 0) => {
    const a = new Float64Array(n);
    for (let i = 0; i < n; i += 2) {
      const r = Math.sqrt(-2 * Math.log(1 - u()));
      const t = 2 * Math.PI * u();
      a[i] = mean + std * r * Math.cos(t);
      if (i + 1 < n) a[i + 1] = mean + std * r * Math.sin(t);
    }
    return a;
  };
}

/** A random float BERT of the given shape, built in memory (same scales as random-bert.ts). */
export function randomFloatBert(c: BertConfig, seed: number): FloatBert {
  const N = normals(seed);
  const H = c.hidden;
  const I = c.intermediate;
  const ws = 1 / Math.sqrt(H);
  const lin = (out: number, inn: number, std: number): Linear => ({ in: inn, out, w: N(out * inn, std), b: N(out, 0.1) });
  const ln = () => ({ gamma: N(H, 0.1, 1), beta: N(H, 0.1) });
  const w: BertWeights = {
    wordEmb: N(c.vocabSize * H, 0.5),
    posEmb: N(c.maxPositions * H, 0.2),
    typeEmb: N(2 * H, 0.1),
    embLn: ln(),
    layers: Array.from({ length: c.numLayers }, () => ({ q: lin(H, H, ws), k: lin(H, H, ws), v: lin(H, H, 2 * ws), o: lin(H, H, ws), ln1: ln(), ffn1: lin(I, H, ws), ffn2: lin(H, I, 1 / Math.sqrt(I)), ln2: ln() })),
    pooler: lin(H, H, ws),
    classifier: lin(c.numLabels, H, ws),
  };
  return new FloatBert(c, w);
}

function randomIds(T: number, V: number, seed: number): number[] {
  let s = seed >>> 0;
  const lo = V > 2000 ? 999 : 0; // skip BERT's reserved ids when the vocabulary is large
  return Array.from({ length: T }, (_, t) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    if (V > 200 && (t === 0 || t === T - 1)) return t === 0 ? 101 : 102; // [CLS], [SEP] in the BERT vocabulary
    return lo + (s % (V - lo));
  });
}

async function timeIt<T>(f: () => T | Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await f();
  return [v, (performance.now() - t0) / 1000];
}

export async function benchBert(o: BertBenchOptions = {}): Promise<BertBenchReport> {
  const log = o.log ?? (() => undefined);
  const borrowOut = o.borrowOut ?? DEFAULT_BORROW_OUT;
  const shape = { layers: o.layers ?? 2, hidden: o.hidden ?? 128, heads: o.heads ?? 2, ffn: o.ffn ?? 512, seq: o.seq ?? 32, vocab: o.vocab ?? 30522, labels: o.labels ?? 2, bits: o.bits ?? '8', chunk: o.chunk ?? 8, borrow: o.borrow ?? DEFAULT_BORROW, borrowOut: borrowOutLabel(borrowOut) };
  const secureOpts = { chunk: shape.chunk, borrow: shape.borrow, borrowOut };
  const cfg: BertConfig = {
    numLayers: shape.layers,
    hidden: shape.hidden,
    heads: shape.heads,
    intermediate: shape.ffn,
    vocabSize: shape.vocab,
    maxPositions: Math.max(shape.seq, 2),
    typeVocabSize: 2,
    numLabels: shape.labels,
    layerNormEps: 1e-12,
    hiddenAct: 'gelu',
    id2label: Array.from({ length: shape.labels }, (_, i) => `LABEL_${i}`),
  };
  // Refuse a bad shape or bits spec before the minutes of calibration and compiling.
  if (shape.hidden % shape.heads !== 0) throw new RangeError(`--heads ${shape.heads} does not divide --hidden ${shape.hidden} (each head takes hidden/heads columns)`);
  if (shape.bits === 'auto') throw new RangeError("--bits auto searches the widths against labelled data, which a random BERT has none of: use 8, mixed or NAME=8|4|1,... here (auto works with compile and eval on a real model)");
  const bits = parseBitsSpec(shape.bits, matmulNames(cfg), { auto: false });
  const seed = o.seed ?? 1;
  const kern = getKernels();
  const notes: string[] = [];
  log(`random BERT: ${shape.layers} layers, hidden ${shape.hidden}, ${shape.heads} heads, FFN ${shape.ffn}, vocab ${shape.vocab}, T ${shape.seq}`);
  const float = randomFloatBert(cfg, seed);
  const ids = randomIds(shape.seq, shape.vocab, seed + 7);
  const calibIds = Array.from({ length: o.calibSentences ?? 2 }, (_, i) => randomIds(shape.seq, shape.vocab, seed + 100 + i));
  log(`calibrating on ${calibIds.length} random sequences of ${shape.seq} tokens and compiling`);
  const [program, compileSeconds] = await timeIt((): IntProgram => compileProgram(float, calibrate(float, calibIds), { bits }));
  const [, floatSeconds] = await timeIt(() => float.forward(ids));
  const [ref, intSeconds] = await timeIt(() => new IntBert(program, kern).forward(ids));
  log(`plaintext: float ${floatSeconds.toFixed(2)} s, integer ${intSeconds.toFixed(3)} s`);

  const sh = publicShape(program.config);
  const declared = secureForwardCost(sh, shape.seq, secureOpts);
  const materialBytes = declared.total.offline.bytes + declared.weights.bytes;
  const exceedsQuarter = materialBytes > os.totalmem() / 4;
  const stream = o.stream === 'auto' || o.stream === undefined ? exceedsQuarter : o.stream;
  const why = exceedsQuarter ? 'exceeds a quarter of RAM' : 'fits in memory, streamed on request (--stream on)';
  if (stream) notes.push(`offline material ${(materialBytes / 1e9).toFixed(1)} GB per compute party ${why}: offline and online alternate per flush segment (each phase timed apart)`);
  const parties = o.parties ?? 'tcp';
  log(`secure forward (${parties === 'tcp' ? 'three processes over TCP' : 'one process'}${stream ? ', streamed' : ''}); declared: ${declared.total.online.rounds} rounds, ${(declared.total.online.bytes / 1e6).toFixed(1)} MB online, ${(materialBytes / 1e9).toFixed(2)} GB offline+weights`);
  let run: { logits: Int32Array; setupMs: number; offlineMs: number; onlineMs: number; reports: import('../mpc/accounting.js').PartyReport[]; maxRssBytes: Record<string, number>; labelMs: { offline: Record<string, number>; online: Record<string, number> }[] };
  if (parties === 'tcp') {
    const r = await launchSecure({ program, ids, kind: 'tcp', secure: secureOpts, stream, entry: o.entry, timeoutMs: 30 * 60_000, log });
    run = { ...r, labelMs: [r.labelMs.P0, r.labelMs.P1, r.labelMs.P2] };
  } else {
    const s = await InProcessSecure.start(program, 'inproc', { timeoutMs: 30 * 60_000, maxFrameBytes: MAX_FRAME }, secureOpts);
    try {
      const r = await s.infer(ids, { stream });
      const rss = process.resourceUsage().maxRSS * 1024;
      run = { ...r, setupMs: s.setupMs, reports: s.reports(), maxRssBytes: { 'all four (one process)': rss }, labelMs: s.servers.map((x) => x.times) };
    } finally {
      await s.close();
    }
  }
  const fig = summarize(run.reports);
  const perLabel: Record<string, LabelBench> = {};
  for (const l of LABELS) {
    const f = fig.labels[l] ?? { onlineBytes: 0, onlineRounds: 0, offlineBytes: 0 };
    perLabel[l] = {
      onlineSeconds: Math.max(run.labelMs[1]!.online[l] ?? 0, run.labelMs[2]!.online[l] ?? 0) / 1000,
      offlineSeconds: Math.max(...run.labelMs.map((t) => t.offline[l] ?? 0)) / 1000,
      onlineBytes: f.onlineBytes,
      offlineBytes: f.offlineBytes,
      onlineRounds: f.onlineRounds,
    };
  }
  const declaredMatches = LABELS.every((l) => declared.labels[l].online.bytes === perLabel[l]!.onlineBytes && declared.labels[l].offline.bytes === perLabel[l]!.offlineBytes && declared.labels[l].online.rounds === perLabel[l]!.onlineRounds);
  const logits = Array.from(run.logits);
  const reference = Array.from(ref.logits);
  return {
    shape,
    machine: { cpuModel: os.cpus()[0]?.model ?? 'unknown', cpus: os.availableParallelism(), totalMemGB: os.totalmem() / 2 ** 30, backend: kern.name },
    compileSeconds,
    plaintext: { floatSeconds, intSeconds },
    secure: {
      parties: parties === 'tcp' ? 'three processes over TCP on loopback' : 'one process (in-process pipes)',
      streamed: stream,
      setupSeconds: run.setupMs / 1000,
      offlineSeconds: run.offlineMs / 1000,
      onlineSeconds: run.onlineMs / 1000,
      bytesOnline: fig.bytesOnline,
      bytesOffline: fig.bytesOffline,
      bytesSetup: fig.bytesSetup,
      rounds: fig.rounds,
      perLabel,
      exact: logits.every((v, i) => v === reference[i]),
      logits,
      reference,
    },
    declared,
    declaredMatches,
    peakRssBytes: run.maxRssBytes,
    notes,
  };
}
