/**
 * Markdown + SVG report of a `lutmpc bench crypten` JSON (CryptenBenchReport):
 * per layer type, both systems where present, time and bytes (online and
 * offline), rounds, LAN and WAN seconds (computed from counts, as the JSON
 * says), the ratios ours/CrypTen, what ran and what was extrapolated.
 *
 * Usage (Node 20 has no TypeScript loader; transpile first, e.g.
 * `npx tsc -p tsconfig.json --outDir dist/all`):
 *   node dist/all/bench/report.js REPORT.json OUT_DIR
 * or from code: `writeReport(report, outDir)`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LABEL_ORDER, type CryptenBenchReport, type LabelRow, type SideFigures } from '../src/bench/crypten.js';
import { runCommand } from '../src/cli/output.js';
import { FormatError } from '../src/errors.js';

const COLORS: Record<string, string> = { crypten: '#d95f02', lutmpc: '#1b9e77', ours: '#1b9e77' };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export interface Series {
  name: string;
  values: number[];
}

/**
 * Horizontal grouped bar chart: one group per category, one bar per series.
 * `log`: log10 axis (for quantities spanning orders of magnitude).
 */
export function barChartSvg(title: string, unit: string, categories: readonly string[], series: readonly Series[], log = false): string {
  const rowH = 14;
  const groupH = series.length * rowH + 10;
  const left = 90;
  const width = 720;
  const plotW = width - left - 110;
  const top = 40;
  const height = top + categories.length * groupH + 40;
  const all = series.flatMap((s) => s.values).filter((v) => v > 0 && Number.isFinite(v));
  const max = Math.max(...all, 1e-12);
  const min = log ? Math.min(...all, max) / 2 : 0;
  const x = (v: number): number => {
    if (!(v > 0)) return 0;
    if (!log) return (v / max) * plotW;
    return ((Math.log10(v) - Math.log10(min)) / (Math.log10(max) - Math.log10(min))) * plotW;
  };
  const fmt = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v >= 0.01 ? v.toFixed(3) : v.toExponential(1));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<text x="${width / 2}" y="32" text-anchor="middle" fill="#555">${esc(unit)}${log ? ' (log scale)' : ''}</text>`,
  ];
  categories.forEach((c, i) => {
    const y0 = top + i * groupH;
    parts.push(`<text x="${left - 6}" y="${y0 + (series.length * rowH) / 2 + 4}" text-anchor="end">${esc(c)}</text>`);
    series.forEach((s, j) => {
      const v = s.values[i] ?? 0;
      const w = Math.max(x(v), v > 0 ? 1 : 0);
      const y = y0 + j * rowH;
      parts.push(`<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${rowH - 2}" fill="${COLORS[s.name] ?? '#7570b3'}"/>`);
      parts.push(`<text x="${left + w + 4}" y="${y + rowH - 4}" fill="#333">${v > 0 ? fmt(v) : '—'}</text>`);
    });
  });
  const ly = height - 18;
  series.forEach((s, j) => {
    parts.push(`<rect x="${left + j * 140}" y="${ly - 9}" width="10" height="10" fill="${COLORS[s.name] ?? '#7570b3'}"/>`);
    parts.push(`<text x="${left + j * 140 + 14}" y="${ly}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function labelsOf(sides: readonly SideFigures[]): string[] {
  const present = new Set(sides.flatMap((s) => Object.keys(s.perLabel)));
  return [...LABEL_ORDER.filter((l) => present.has(l)), ...[...present].filter((l) => !LABEL_ORDER.includes(l))];
}

function val(s: SideFigures, l: string, f: keyof LabelRow): number {
  return s.perLabel[l]?.[f] ?? 0;
}

const MiB = 2 ** 20;

function mdNum(v: number, digits = 2): string {
  if (!Number.isFinite(v)) return '—';
  return v >= 1000 ? v.toFixed(0) : v.toFixed(digits);
}

function sideTable(s: SideFigures): string {
  const rows = [
    `| layer type | offline s | offline MiB | online s | online MiB | online rounds | LAN s | WAN s |`,
    `|---|---:|---:|---:|---:|---:|---:|---:|`,
  ];
  const line = (l: string, r: LabelRow): string =>
    `| ${l} | ${mdNum(r.offlineMs / 1000)} | ${mdNum(r.offlineBytes / MiB, 1)} | ${mdNum(r.onlineMs / 1000)} | ${mdNum(r.onlineBytes / MiB, 1)} | ${Math.round(r.onlineRounds)} | ${mdNum(r.lanSeconds)} | ${mdNum(r.wanSeconds)} |`;
  for (const l of labelsOf([s])) rows.push(line(l, s.perLabel[l]!));
  rows.push(line('**total**', s.total));
  return rows.join('\n') + `\n\nWeights shared once per model (setup, not in the totals): ${mdNum(s.total.setupBytes / MiB, 1)} MiB.\n`;
}

function ratioTable(q: Record<string, Record<string, number>>): string {
  let t = `| layer type | online time | offline time | online bytes | offline bytes | rounds | LAN | WAN |\n|---|---:|---:|---:|---:|---:|---:|---:|\n`;
  for (const [l, x] of Object.entries(q)) t += `| ${l} | ${mdNum(x['onlineTime']!, 3)} | ${mdNum(x['offlineTime']!, 3)} | ${mdNum(x['onlineBytes']!, 4)} | ${mdNum(x['offlineBytes']!, 4)} | ${mdNum(x['onlineRounds']!, 3)} | ${mdNum(x['lan']!, 3)} | ${mdNum(x['wan']!, 3)} |\n`;
  return t;
}

/** Write report.md and the SVG charts into `outDir`; returns the Markdown. */
export function writeReport(r: CryptenBenchReport, outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  const sides = r.ours ? [r.ours, r.crypten] : [r.crypten];
  const cats = labelsOf(sides);
  const ser = (f: keyof LabelRow, k = 1): Series[] => sides.map((s) => ({ name: s.system, values: cats.map((l) => val(s, l, f) * k) }));
  const charts: [string, string][] = [
    ['online-time.svg', barChartSvg('Online time per layer type (TCP loopback, measured)', 'seconds', cats, ser('onlineMs', 1 / 1000))],
    ['offline-time.svg', barChartSvg('Offline time per layer type (measured)', 'seconds', cats, ser('offlineMs', 1 / 1000))],
    ['online-bytes.svg', barChartSvg('Online bytes per layer type', 'MiB (P1 + P2 + client sent)', cats, ser('onlineBytes', 1 / MiB), true)],
    ['offline-bytes.svg', barChartSvg('Offline bytes per layer type', 'MiB (dealer → P2)', cats, ser('offlineBytes', 1 / MiB), true)],
    ['lan.svg', barChartSvg('Online time on LAN (1 Gbit/s, 0.5 ms), computed from counts', 'seconds', [...cats, 'total'], sides.map((s) => ({ name: s.system, values: [...cats.map((l) => val(s, l, 'lanSeconds')), s.total.lanSeconds] })))],
    ['wan.svg', barChartSvg('Online time on WAN (100 Mbit/s, 40 ms), computed from counts', 'seconds', [...cats, 'total'], sides.map((s) => ({ name: s.system, values: [...cats.map((l) => val(s, l, 'wanSeconds')), s.total.wanSeconds] })))],
  ];
  for (const [f, svg] of charts) writeFileSync(path.join(outDir, f), svg);
  const sh = r.shape;
  let md = `# lutmpc vs CrypTen's algorithms — BERT L=${sh.layers} H=${sh.hidden} heads=${sh.heads} FFN=${sh.ffn}, seq ${sh.seq}\n\n`;
  md += `Measured ${r.date} on ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memGiB} GiB, Node ${r.machine.node}, kernels ${r.machine.kernels}; transport: ${r.transport} loopback${r.transport === 'tcp' ? ', one process per server (P0, P1, P2) and the client in the parent: one process tree' : ', all parties in one process'}.\n\n`;
  md += `**What ran:** ${r.run.note}. Wall time of the CrypTen run ${r.run.wallSeconds.toFixed(1)} s (weight sharing ${r.run.setupSeconds.toFixed(1)} s).\n\n`;
  md += `**Networks:** ${r.networks.note}. LAN = ${r.networks.LAN.bandwidthBps / 1e6} Mbit/s, ${r.networks.LAN.latencyMs} ms; WAN = ${r.networks.WAN.bandwidthBps / 1e6} Mbit/s, ${r.networks.WAN.latencyMs} ms (one way).\n\n`;
  md += `**CrypTen side:** CrypTen's algorithms re-implemented on this runtime (src/crypten): Z_2^64, 16 fractional bits, additive sharing between P1 and P2, Beaver triples from P0 as the trusted dealer (TTP), local share truncation after each fixed-point product (CrypTen's 2-party path), exp by (1 + x/2^8)^(2^8), reciprocal by 10 Newton iterations, inv_sqrt by 3, max by log_reduction + pairwise argmax, comparisons by A2B + 6-level adder + B2A, GELU by the tanh form with CrypTen's sigmoid-based tanh. Not the CrypTen code base (PyTorch); same algorithms, same transport and accounting as ours.\n\n`;
  if (r.ours) {
    md += `**Our side:** ${r.oursSource ? `figures read from \`${r.oursSource}\`` : 'measured in the same run'}.\n\n`;
    md += `## Ratios ours / CrypTen (below 1: ours cheaper)\n\n${ratioTable(r.ratios ?? {})}`;
    md += `\nCrypTen's separate GELU row is folded into 'ffn' for the ratios when our side has no 'gelu' row (ours applies GELU inside the FFN's requantization table).\n\n## Ours\n\n${sideTable(r.ours)}\n`;
  } else {
    md += r.small?.ours
      ? `**Our side:** not run at this shape (it was run at the small shape; see the last section), so no ratios here.\n\n`
      : `**Our side:** not in this JSON (no \`--ours\` figures were given), so no ratios.\n\n`;
  }
  md += `## CrypTen's algorithms\n\n${sideTable(r.crypten)}\n`;
  md += `## Charts\n\n${charts.map(([f]) => `![${f}](${f})`).join('\n')}\n\n`;
  if (r.accuracy) {
    md += `## Accuracy (SST-2 dev, shared bert-tiny model)\n\n`;
    md += 'skipped' in r.accuracy
      ? `${r.accuracy.skipped}\n\n`
      : `First ${r.accuracy.n} sentences of ${r.accuracy.data}: CrypTen-algorithm BERT ${(100 * r.accuracy.accuracy).toFixed(1)}%, float model ${(100 * r.accuracy.floatAccuracy).toFixed(1)}%, same prediction as float on ${(100 * r.accuracy.agreement).toFixed(1)}%; logits differ from float by at most ${r.accuracy.maxLogitError.toFixed(3)} (mean ${r.accuracy.meanLogitError.toFixed(3)}). ${r.accuracy.seconds.toFixed(0)} s.\n\n`;
  }
  if (r.small) {
    md += `## Small shape (L=${r.small.shape.layers} H=${r.small.shape.hidden} heads=${r.small.shape.heads} FFN=${r.small.shape.ffn}, seq ${r.small.shape.seq})\n\n${r.small.run.note}.\n\n`;
    if (r.small.ours && r.small.ratios) md += `### Ratios ours / CrypTen\n\n${ratioTable(r.small.ratios)}\n### Ours\n\n${sideTable(r.small.ours)}\n### CrypTen's algorithms\n\n`;
    md += `${sideTable(r.small.crypten)}\n`;
  }
  writeFileSync(path.join(outDir, 'report.md'), md);
  return md;
}

/** A report written by `lutmpc bench crypten --out` or crypten-vs-lutmpc.js (report.json); anything else is refused by name. */
export function readReport(file: string): CryptenBenchReport {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new FormatError(`${file}: cannot read JSON (${(e as Error).message})`);
  }
  const r = raw as Partial<CryptenBenchReport> | null;
  if (!r || typeof r !== 'object' || r.kind !== 'crypten-bench' || !r.crypten?.perLabel || !r.shape) {
    throw new FormatError(`${file}: not a CrypTen bench report (expected the report.json of crypten-vs-lutmpc.js or \`lutmpc bench crypten --out\`, with kind 'crypten-bench')`);
  }
  return r as CryptenBenchReport;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const [input, out] = process.argv.slice(2);
  if (!input || !out) {
    process.stderr.write('usage: node bench/report.js REPORT.json OUT_DIR\n');
    process.exit(2);
  }
  await runCommand(async () => {
    writeReport(readReport(input), out);
    process.stdout.write(`wrote ${path.join(out, 'report.md')} and 6 SVG charts\n`);
  });
}
