/**
 * `lutmpc bench crypten`: BERT under CrypTen's algorithms (src/crypten) on
 * the three-party runtime over TCP loopback, with time, bytes and rounds per
 * layer type, offline and online; LAN and WAN times COMPUTED from the
 * measured counts (estimateNetworkSeconds: rounds · latency + max(sent,
 * received) · 8 / bandwidth per party, max over parties) plus the measured
 * loopback time; and the ratios ours/CrypTen when this project's figures are
 * given (`ours`, a JSON file: see `OursFigures`).
 *
 * Extrapolation: when `runLayers` (≥ 2) < `layers`, a model of `runLayers`
 * encoder layers runs (random weights; the cost does not depend on values).
 * Its last layer continues only the [CLS] row (labels ':last', kept as they
 * are); every full layer before it has the same shape, so its bytes and
 * rounds repeat exactly: per-layer labels (qkv, attn, softmax, proj, ffn,
 * gelu) are scaled by (layers−1)/(runLayers−1), 'ln' (embedding LayerNorm +
 * two per full layer) by (2(layers−1)+1)/(2(runLayers−1)+1), once-only labels
 * (embed, pooler, cls) kept. Bytes and rounds extrapolate exactly; times are
 * scaled the same way and are labelled as extrapolated.
 */
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { LutmpcError } from '../errors.js';
import { getKernels } from '../kernels/loader.js';
import type { PartyReport } from '../mpc/accounting.js';
import { estimateNetworkSeconds, LAN, WAN, type NetShape } from '../mpc/transport/shaping.js';
import { randomBertWeights } from '../crypten/random-weights.js';
import type { ClusterKind } from '../mpc/cluster.js';
import { CryptenBertSession } from '../crypten/session.js';
import { launchCrypten } from '../crypten/launch.js';
import { benchBert, type BertBenchReport } from './bert.js';
import type { CryptenBertShape } from '../crypten/bert.js';
import { evaluateCrypten, type CryptenEvalReport } from '../crypten/evaluate.js';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const PER_LAYER_LABELS = ['qkv', 'attn', 'softmax', 'proj', 'ffn', 'gelu'] as const;
export const ONCE_LABELS = ['embed', 'pooler', 'cls'] as const;
/** Display order of layer types. */
export const LABEL_ORDER = ['embed', 'ln', 'qkv', 'attn', 'softmax', 'proj', 'ffn', 'gelu', 'pooler', 'cls'];

export interface BenchShape {
  layers: number;
  hidden: number;
  heads: number;
  ffn: number;
  seq: number;
  vocab: number;
  labels: number;
}

export const BERT_BASE: BenchShape = { layers: 12, hidden: 768, heads: 12, ffn: 3072, seq: 128, vocab: 30522, labels: 2 };
/** The shape of the shared bert-tiny SST-2 model. */
export const BERT_TINY: BenchShape = { layers: 2, hidden: 128, heads: 2, ffn: 512, seq: 128, vocab: 30522, labels: 2 };

export interface LabelRow {
  offlineMs: number;
  onlineMs: number;
  /** P0 → P2 correction bytes (the TTP's triples). */
  offlineBytes: number;
  /** Bytes sent by P1, P2 and C online. */
  onlineBytes: number;
  /** Online rounds (max over parties). */
  onlineRounds: number;
  /** Online seconds on the stated LAN / WAN: measured loopback time + network time computed from the counts. */
  lanSeconds: number;
  wanSeconds: number;
}

export interface SideFigures {
  system: string;
  perLabel: Record<string, LabelRow>;
  total: LabelRow & { setupBytes: number };
}

export interface CryptenBenchReport {
  kind: 'crypten-bench';
  date: string;
  machine: { cpus: number; cpuModel: string; memGiB: number; node: string; kernels: string };
  transport: ClusterKind;
  shape: BenchShape;
  /** What actually ran. */
  run: { layersRun: number; extrapolated: boolean; note: string; wallSeconds: number; setupSeconds: number };
  networks: { LAN: NetShape; WAN: NetShape; note: string };
  crypten: SideFigures;
  ours?: SideFigures;
  /** ours / CrypTen per label and total (time, bytes, rounds; < 1 means ours is cheaper). */
  ratios?: Record<string, Record<string, number>>;
  oursSource?: string;
  /** SST-2 dev accuracy of the CrypTen-algorithm BERT on the shared bert-tiny model (first `n` sentences). */
  accuracy?: (CryptenEvalReport & { model: string; data: string }) | { skipped: string };
  /** The full model at the small shape (no extrapolation). */
  small?: Omit<CryptenBenchReport, 'small' | 'kind' | 'date' | 'machine'>;
}

export { randomBertWeights };

/**
 * Extrapolation factor of a measured label when `run` of `layers` encoder
 * layers ran: the last layer ran as itself (':last' labels, ×1); the run−1
 * full layers stand for layers−1 (per-layer labels ×(layers−1)/(run−1));
 * 'ln' holds the embedding LayerNorm plus two per full layer.
 */
export function scaleFor(label: string, layers: number, run: number): number {
  if (run >= layers || label.endsWith(':last')) return 1;
  if (run < 2) throw new RangeError('extrapolating needs at least 2 layers run (one full layer and the last one)');
  if ((PER_LAYER_LABELS as readonly string[]).includes(label)) return (layers - 1) / (run - 1);
  if (label === 'ln') return (2 * (layers - 1) + 1) / (2 * (run - 1) + 1);
  return 1;
}

/** Per-label online traffic of P1, P2, C and offline traffic of P0 from the parties' reports. */
export function figuresFromReports(
  system: string,
  reports: readonly PartyReport[],
  times: { online: Record<string, number>; offline: Record<string, number> },
  scale: (label: string) => number = () => 1,
): SideFigures {
  const labels = new Set<string>();
  for (const r of reports) for (const ph of ['online', 'offline']) for (const l of Object.keys(r.phases[ph]?.labels ?? {})) if (l !== 'weights') labels.add(l);
  for (const l of Object.keys(times.online)) labels.add(l);
  const perLabel: Record<string, LabelRow> = {};
  let setupBytes = 0;
  for (const r of reports) setupBytes += r.phases['offline']?.labels['weights']?.bytesSent ?? 0;
  for (const l of labels) {
    const k = scale(l);
    const traffic: Record<string, { rounds: number; bytesSent: number; bytesRecv: number }> = {};
    let onlineBytes = 0;
    let offlineBytes = 0;
    let rounds = 0;
    for (const r of reports) {
      const on = r.phases['online']?.labels[l];
      const off = r.phases['offline']?.labels[l];
      if (on) {
        onlineBytes += on.bytesSent;
        rounds = Math.max(rounds, on.rounds);
        traffic[r.party] = { rounds: on.rounds * k, bytesSent: on.bytesSent * k, bytesRecv: on.bytesRecv * k };
      }
      if (off) offlineBytes += off.bytesSent;
    }
    const onlineMs = (times.online[l] ?? 0) * k;
    const net = (n: NetShape): number => onlineMs / 1000 + estimateNetworkSeconds(traffic, n).seconds;
    perLabel[l] = {
      offlineMs: (times.offline[l] ?? 0) * k,
      onlineMs,
      offlineBytes: offlineBytes * k,
      onlineBytes: onlineBytes * k,
      onlineRounds: rounds * k,
      lanSeconds: net(LAN),
      wanSeconds: net(WAN),
    };
  }
  // Fold the last layer's ':last' rows into their layer type.
  const merged: Record<string, LabelRow> = {};
  for (const [l, r] of Object.entries(perLabel)) {
    const k = l.replace(/:last$/, '');
    const t = (merged[k] ??= { offlineMs: 0, onlineMs: 0, offlineBytes: 0, onlineBytes: 0, onlineRounds: 0, lanSeconds: 0, wanSeconds: 0 });
    for (const f of Object.keys(t) as (keyof LabelRow)[]) t[f] += r[f];
  }
  return { system, perLabel: merged, total: sumRows(merged, setupBytes) };
}

function sumRows(rows: Record<string, LabelRow>, setupBytes: number): LabelRow & { setupBytes: number } {
  const t = { offlineMs: 0, onlineMs: 0, offlineBytes: 0, onlineBytes: 0, onlineRounds: 0, lanSeconds: 0, wanSeconds: 0, setupBytes };
  for (const r of Object.values(rows)) {
    t.offlineMs += r.offlineMs;
    t.onlineMs += r.onlineMs;
    t.offlineBytes += r.offlineBytes;
    t.onlineBytes += r.onlineBytes;
    t.onlineRounds += r.onlineRounds;
    t.lanSeconds += r.lanSeconds;
    t.wanSeconds += r.wanSeconds;
  }
  return t;
}

/**
 * This project's figures for `--ours FILE`: this module's SideFigures
 * (`{system, perLabel, total}`), the output of `lutmpc bench bert --json`
 * (src/bench/bert.ts BertBenchReport), or the secure engine's summary
 * (src/secure/report.ts SecureFigures: bytesOnline, bytesOffline, bytesSetup,
 * rounds, labels{onlineBytes, onlineRounds, offlineBytes}) with optional
 * per-label times `onlineMs`/`offlineMs` (label → ms) beside it.
 */
export function loadOurs(file: string): SideFigures {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new LutmpcError(`--ours ${file}: cannot read JSON (${(e as Error).message})`);
  }
  return normalizeOurs(raw, file);
}

export function normalizeOurs(raw: unknown, source = 'ours'): SideFigures {
  const o = raw as Record<string, unknown>;
  if (o && typeof o === 'object' && 'perLabel' in o && 'total' in o) return { system: 'lutmpc', ...(o as object) } as SideFigures;
  // `lutmpc bench bert --json` (BertBenchReport), as `--ours-cmd` runs it or a saved run.
  const sec = o && typeof o === 'object' ? (o['secure'] as Record<string, unknown> | undefined) : undefined;
  if (sec && typeof sec === 'object' && typeof sec['perLabel'] === 'object' && sec['perLabel'] !== null) {
    for (const [l, x] of Object.entries(sec['perLabel'] as Record<string, Record<string, unknown>>)) {
      for (const f of ['onlineSeconds', 'offlineSeconds', 'onlineBytes', 'offlineBytes', 'onlineRounds']) {
        if (typeof x?.[f] !== 'number') throw new LutmpcError(`${source}: secure.perLabel.${l}.${f} is not a number (a \`lutmpc bench bert --json\` report has it)`);
      }
    }
    return figuresFromBertBench(raw as BertBenchReport);
  }
  if (o && typeof o === 'object' && 'labels' in o && 'bytesOnline' in o) {
    const labels = o['labels'] as Record<string, { onlineBytes: number; onlineRounds: number; offlineBytes: number }>;
    const on = (o['onlineMs'] ?? {}) as Record<string, number>;
    const off = (o['offlineMs'] ?? {}) as Record<string, number>;
    const perLabel: Record<string, LabelRow> = {};
    for (const [l, c] of Object.entries(labels)) {
      const onlineMs = on[l] ?? 0;
      // Without per-party splits, the busiest party is taken to send and receive half of the label's bytes.
      const traffic = { P1: { rounds: c.onlineRounds, bytesSent: c.onlineBytes / 2, bytesRecv: c.onlineBytes / 2 } };
      perLabel[l] = {
        offlineMs: off[l] ?? 0,
        onlineMs,
        offlineBytes: c.offlineBytes,
        onlineBytes: c.onlineBytes,
        onlineRounds: c.onlineRounds,
        lanSeconds: onlineMs / 1000 + estimateNetworkSeconds(traffic, LAN).seconds,
        wanSeconds: onlineMs / 1000 + estimateNetworkSeconds(traffic, WAN).seconds,
      };
    }
    return { system: 'lutmpc', perLabel, total: sumRows(perLabel, Number(o['bytesSetup'] ?? 0)) };
  }
  throw new LutmpcError(`${source}: not a figures JSON (expected {perLabel, total}, \`lutmpc bench bert --json\` output {secure: {perLabel, …}}, or the secure engine's {bytesOnline, labels, …})`);
}

/** ours / CrypTen per label present on both sides (CrypTen's 'gelu' is folded into 'ffn', where ours applies GELU). */
export function ratios(ours: SideFigures, crypten: SideFigures): Record<string, Record<string, number>> {
  const fold = (s: SideFigures): Record<string, LabelRow> => {
    const out: Record<string, LabelRow> = {};
    for (const [l, r] of Object.entries(s.perLabel)) {
      const k = l === 'gelu' && !('gelu' in ours.perLabel) ? 'ffn' : l;
      const t = (out[k] ??= { offlineMs: 0, onlineMs: 0, offlineBytes: 0, onlineBytes: 0, onlineRounds: 0, lanSeconds: 0, wanSeconds: 0 });
      for (const f of Object.keys(t) as (keyof LabelRow)[]) t[f] += r[f];
    }
    return out;
  };
  const a = fold(ours);
  const b = fold(crypten);
  const out: Record<string, Record<string, number>> = {};
  const row = (x: LabelRow, y: LabelRow): Record<string, number> => ({
    onlineTime: x.onlineMs / y.onlineMs,
    offlineTime: x.offlineMs / y.offlineMs,
    onlineBytes: x.onlineBytes / y.onlineBytes,
    offlineBytes: x.offlineBytes / y.offlineBytes,
    onlineRounds: x.onlineRounds / y.onlineRounds,
    lan: x.lanSeconds / y.lanSeconds,
    wan: x.wanSeconds / y.wanSeconds,
  });
  for (const l of Object.keys(a)) if (b[l]) out[l] = row(a[l]!, b[l]!);
  out['total'] = row(ours.total, crypten.total);
  return out;
}

export interface CryptenBenchOptions {
  shape?: Partial<BenchShape>;
  /** Encoder layers actually run (default: all when layers ≤ 2, else 1, extrapolated). */
  runLayers?: number;
  transport?: ClusterKind;
  /** Path of this project's figures (JSON) for the ratios. */
  ours?: string;
  /**
   * Run this project's secure BERT (src/bench/bert.ts `benchBert`, three
   * processes over TCP) on the same shape(s) first: true (main and small
   * shape) or 'small' (small shape only, e.g. when our BERT-base run would
   * not fit the time budget).
   */
  runOurs?: boolean | 'small';
  /** Weight bits of our side (default '8'). */
  oursBits?: string;
  /** Also run the full model at the small (bert-tiny) shape, default true. */
  small?: boolean;
  /** Sequence length of the small run (default: seq of the main shape). */
  smallSeq?: number;
  /** SST-2 dev sentences for the accuracy figure (0: skip; default 16). */
  accuracyLimit?: number;
  /** Model folder and TSV for the accuracy (default ../shared/models/bert-tiny-sst2, ../shared/data/sst2/dev.tsv). */
  model?: string;
  data?: string;
  log?: (msg: string) => void;
}

/**
 * Run the CrypTen side on one shape: setup, one sentence offline + online,
 * figures. 'tcp' forks one process per server (launch.ts), like this
 * project's engine; 'inproc' keeps all parties in this process.
 */
export async function runCryptenShape(shape: BenchShape, runLayers: number, transport: ClusterKind, log?: (m: string) => void, entry?: string): Promise<{ figures: SideFigures; layersRun: number; wallSeconds: number; setupSeconds: number; maxRssBytes?: Record<string, number> }> {
  const run = Math.max(1, Math.min(runLayers, shape.layers));
  const t0 = performance.now();
  const cshape: CryptenBertShape = { layers: run, hidden: shape.hidden, heads: shape.heads, ffn: shape.ffn, vocab: shape.vocab, labels: shape.labels, layerNormEps: 1e-12 };
  const ids = Array.from({ length: shape.seq }, (_, i) => (i * 7919 + 101) % shape.vocab);
  const scale = (l: string): number => scaleFor(l, shape.layers, run);
  log?.(`crypten: ${run} of ${shape.layers} layers, H=${shape.hidden}, vocab ${shape.vocab}, T=${shape.seq}, ${transport === 'tcp' ? 'three server processes over TCP' : transport}`);
  if (transport === 'tcp') {
    const r = await launchCrypten({ shape: cshape, ids, entry, log });
    log?.(`crypten: offline ${(r.offlineMs / 1000).toFixed(1)} s, online ${(r.onlineMs / 1000).toFixed(1)} s`);
    const figures = figuresFromReports('crypten', r.reports, { online: r.onlineLabelMs, offline: r.offlineLabelMs }, scale);
    return { figures, layersRun: run, wallSeconds: (performance.now() - t0) / 1000, setupSeconds: r.setupMs / 1000, maxRssBytes: r.maxRssBytes };
  }
  const W = randomBertWeights(shape, run, shape.seq);
  const s = await CryptenBertSession.open(cshape, shape.seq, W, transport);
  try {
    const r = await s.infer(ids, { onBlock: (l, layer) => log?.(`crypten online: ${l}${layer >= 0 ? ` (layer ${layer})` : ''}`) });
    log?.(`crypten: offline ${(r.offlineMs / 1000).toFixed(1)} s, online ${(r.onlineMs / 1000).toFixed(1)} s`);
    const figures = figuresFromReports('crypten', s.reports(), { online: r.onlineTimes, offline: r.offlineTimes }, scale);
    return { figures, layersRun: run, wallSeconds: (performance.now() - t0) / 1000, setupSeconds: s.setupMs / 1000 };
  } finally {
    await s.close();
  }
}

/** This project's secure BERT bench (src/bench/bert.ts) as one side of the comparison. */
export function figuresFromBertBench(b: BertBenchReport): SideFigures {
  const perLabel: Record<string, LabelRow> = {};
  for (const [l, x] of Object.entries(b.secure.perLabel)) {
    // Per-party splits are not in BertBenchReport: the busiest party is taken to send and receive half of the label's bytes.
    const traffic = { P: { rounds: x.onlineRounds, bytesSent: x.onlineBytes / 2, bytesRecv: x.onlineBytes / 2 } };
    perLabel[l] = {
      offlineMs: x.offlineSeconds * 1000,
      onlineMs: x.onlineSeconds * 1000,
      offlineBytes: x.offlineBytes,
      onlineBytes: x.onlineBytes,
      onlineRounds: x.onlineRounds,
      lanSeconds: x.onlineSeconds + estimateNetworkSeconds(traffic, LAN).seconds,
      wanSeconds: x.onlineSeconds + estimateNetworkSeconds(traffic, WAN).seconds,
    };
  }
  return { system: 'lutmpc', perLabel, total: sumRows(perLabel, b.secure.bytesSetup) };
}

export async function runCryptenBench(o: CryptenBenchOptions = {}): Promise<CryptenBenchReport> {
  const shape: BenchShape = { ...BERT_BASE, ...o.shape };
  if (shape.hidden % shape.heads !== 0) throw new RangeError(`--hidden ${shape.hidden} is not a multiple of --heads ${shape.heads}`);
  const transport = o.transport ?? 'tcp';
  const runLayers = o.runLayers ?? Math.min(shape.layers, 2);
  // Checked before the minutes of running: one layer cannot be extrapolated (the last layer is only the [CLS] row), and a bad --ours file would fail only at the end.
  if (!Number.isInteger(runLayers) || runLayers < Math.min(2, shape.layers)) throw new RangeError(`--run-layers must be an integer ≥ 2 (the last layer runs only the [CLS] row, so the full layers are extrapolated from the ones before it), or the model's ${shape.layers} layer(s) (got ${runLayers})`);
  const oursLoaded = o.runOurs !== true && o.ours ? loadOurs(o.ours) : undefined;
  let oursBench: BertBenchReport | undefined;
  if (o.runOurs === true) {
    o.log?.(`ours: secure BERT (src/bench/bert.ts) on the same shape, ${shape.layers} layers`);
    oursBench = await benchBert({ ...shape, bits: o.oursBits ?? '8', parties: transport === 'tcp' ? 'tcp' : 'inproc', log: o.log });
  }
  const main = await runCryptenShape(shape, runLayers, transport, o.log);
  const extrapolated = main.layersRun < shape.layers;
  const note = extrapolated
    ? `ran ${main.layersRun} of ${shape.layers} encoder layers (plus embedding, pooler, classifier): the last layer (only the [CLS] row after K and V) as itself, the ${main.layersRun - 1} full layer(s) before it extrapolated to ${shape.layers - 1} (per-layer labels ×${((shape.layers - 1) / (main.layersRun - 1)).toFixed(3)}, ln ×${scaleFor('ln', shape.layers, main.layersRun).toFixed(3)}); bytes and rounds exact, times extrapolated`
    : `full model, ${shape.layers} layers, nothing extrapolated`;
  const K = getKernels();
  const report: CryptenBenchReport = {
    kind: 'crypten-bench',
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '?', memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, kernels: `${K.name} (${K.detail})` },
    transport,
    shape,
    run: { layersRun: main.layersRun, extrapolated, note, wallSeconds: main.wallSeconds, setupSeconds: main.setupSeconds },
    networks: { LAN, WAN, note: 'LAN/WAN seconds are COMPUTED from the measured counts (per party: rounds × latency + max(bytes sent, received) × 8 / bandwidth; max over parties) and added to the measured loopback online time; no traffic was shaped' },
    crypten: main.figures,
  };
  if (oursBench) {
    report.ours = figuresFromBertBench(oursBench);
    report.oursSource = `measured in this run: src/bench/bert.ts benchBert (${oursBench.secure.parties}${oursBench.secure.streamed ? ', streamed' : ''}, ${oursBench.shape.bits}-bit weights; secure logits ${oursBench.secure.exact ? 'equal' : 'DIFFER from'} the integer reference; notes: ${oursBench.notes.join('; ') || 'none'})`;
    report.ratios = ratios(report.ours, report.crypten);
  } else if (oursLoaded) {
    report.ours = oursLoaded;
    report.oursSource = o.ours!;
    report.ratios = ratios(report.ours, report.crypten);
  }
  if (o.small ?? true) {
    const small: BenchShape = { ...BERT_TINY, seq: o.smallSeq ?? shape.seq };
    let oursSmall: BertBenchReport | undefined;
    if (o.runOurs) oursSmall = await benchBert({ ...small, bits: o.oursBits ?? '8', parties: transport === 'tcp' ? 'tcp' : 'inproc', log: o.log });
    const r = await runCryptenShape(small, small.layers, transport, o.log);
    report.small = {
      transport,
      shape: small,
      run: { layersRun: r.layersRun, extrapolated: false, note: `full model at the bert-tiny shape, ${small.layers} layers, nothing extrapolated`, wallSeconds: r.wallSeconds, setupSeconds: r.setupSeconds },
      networks: report.networks,
      crypten: r.figures,
    };
    if (oursSmall) {
      report.small.ours = figuresFromBertBench(oursSmall);
      report.small.oursSource = 'measured in this run: src/bench/bert.ts benchBert';
      report.small.ratios = ratios(report.small.ours, report.small.crypten);
    }
  }
  const limit = o.accuracyLimit ?? 16;
  if (limit > 0) {
    const model = o.model ?? path.resolve(process.cwd(), '../shared/models/bert-tiny-sst2');
    const data = o.data ?? path.resolve(process.cwd(), '../shared/data/sst2/dev.tsv');
    if (!existsSync(path.join(model, 'config.json')) || !existsSync(data)) {
      report.accuracy = { skipped: `${model} or ${data} is absent: accuracy not measured` };
      o.log?.(report.accuracy.skipped);
    } else {
      const acc = await evaluateCrypten({ modelDir: model, dataPath: data, limit, onSentence: (d, t) => o.log?.(`accuracy: ${d}/${t}`) });
      report.accuracy = { ...acc, model, data };
    }
  }
  return report;
}

function fmtBytes(b: number): string {
  return b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(2)} GiB` : b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(1)} MiB` : `${(b / 1024).toFixed(1)} KiB`;
}

/** Human-readable table of one side. */
export function formatSide(s: SideFigures): string {
  const lines = [`${s.system}: label        offline s   offline bytes   online s   online bytes   rounds   LAN s     WAN s`];
  const keys = [...LABEL_ORDER.filter((l) => l in s.perLabel), ...Object.keys(s.perLabel).filter((l) => !LABEL_ORDER.includes(l))];
  const row = (l: string, r: LabelRow): string =>
    `  ${l.padEnd(18)} ${(r.offlineMs / 1000).toFixed(2).padStart(9)} ${fmtBytes(r.offlineBytes).padStart(15)} ${(r.onlineMs / 1000).toFixed(2).padStart(10)} ${fmtBytes(r.onlineBytes).padStart(14)} ${String(Math.round(r.onlineRounds)).padStart(8)} ${r.lanSeconds.toFixed(2).padStart(8)} ${r.wanSeconds.toFixed(2).padStart(9)}`;
  for (const k of keys) lines.push(row(k, s.perLabel[k]!));
  lines.push(row('TOTAL', s.total));
  lines.push(`  weights (setup, once per model): ${fmtBytes(s.total.setupBytes)}`);
  return lines.join('\n') + '\n';
}

function formatRatios(q: Record<string, Record<string, number>>): string {
  let out = 'ratios ours/CrypTen (online time, online bytes, rounds, LAN, WAN, offline bytes):\n';
  for (const [l, x] of Object.entries(q)) out += `  ${l.padEnd(10)} ${x['onlineTime']!.toFixed(3)}  ${x['onlineBytes']!.toFixed(4)}  ${x['onlineRounds']!.toFixed(3)}  ${x['lan']!.toFixed(3)}  ${x['wan']!.toFixed(3)}  ${x['offlineBytes']!.toFixed(2)}\n`;
  return out;
}

export function formatCryptenBench(r: CryptenBenchReport): string {
  let out = `CrypTen-algorithm BERT, shape L=${r.shape.layers} H=${r.shape.hidden} heads=${r.shape.heads} FFN=${r.shape.ffn} T=${r.shape.seq} vocab=${r.shape.vocab}, ${r.transport} loopback\n${r.run.note}\n${r.networks.note}\n\n`;
  out += formatSide(r.crypten);
  if (r.ours && r.ratios) {
    out += '\n' + formatSide(r.ours) + formatRatios(r.ratios);
  }
  if (r.accuracy) {
    out += 'skipped' in r.accuracy
      ? `\naccuracy: ${r.accuracy.skipped}\n`
      : `\nSST-2 dev, first ${r.accuracy.n} sentences: CrypTen-algorithm accuracy ${(100 * r.accuracy.accuracy).toFixed(1)}%, float ${(100 * r.accuracy.floatAccuracy).toFixed(1)}%, same prediction ${(100 * r.accuracy.agreement).toFixed(1)}%, max |Δlogit| ${r.accuracy.maxLogitError.toFixed(3)}\n`;
  }
  if (r.small) {
    out += `\nsmall shape (L=${r.small.shape.layers} H=${r.small.shape.hidden} T=${r.small.shape.seq}): ${r.small.run.note}\n` + formatSide(r.small.crypten);
    if (r.small.ours && r.small.ratios) out += formatSide(r.small.ours) + formatRatios(r.small.ratios);
  }
  return out;
}
