/**
 * lutmpc vs CrypTen's algorithms on one BERT shape, in one process tree, on
 * TCP loopback: this project's secure BERT figures and the CrypTen-algorithm
 * BERT (src/bench/crypten.ts), the ratios ours/CrypTen, and a Markdown + SVG
 * report (bench/report.ts).
 *
 * Our side (default): src/bench/bert.ts `benchBert`, the secure engine's
 * bench, run first in this process tree on the same shape (three server
 * processes over TCP), then the CrypTen side (three server processes over
 * TCP). Alternatives, e.g. to reuse a long run:
 *   --ours-cmd "CMD"   a child process of this script that prints our figures
 *                      as JSON on stdout (e.g. "node dist/cli/main.js bench bert --json"),
 *                      run BEFORE the CrypTen side so the two never share the CPU; or
 *   --ours FILE        the same JSON saved earlier.
 * Accepted JSON: src/bench/crypten.ts `SideFigures`, or the secure engine's
 * summary (src/secure/report.ts `SecureFigures`, with optional per-label
 * `onlineMs` / `offlineMs`). `--no-ours` runs the CrypTen side alone.
 *
 * Run (Node 20 has no TypeScript loader):
 *   npx tsc -p tsconfig.json --outDir dist/all
 *   node dist/all/bench/crypten-vs-lutmpc.js [--layers 12 --hidden 768 --heads 12 --ffn 3072 --seq 128]
 *        [--run-layers 2] [--ours FILE | --ours-cmd CMD | --ours-small-only | --no-ours] [--limit 16] [--out DIR]
 */
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { BERT_BASE, formatCryptenBench, normalizeOurs, ratios, runCryptenBench } from '../src/bench/crypten.js';
import { intAtLeast, positiveInt, runCommand } from '../src/cli/output.js';
import { shapeFrom, shapeOptions, type ShapeCli } from '../src/cli/shape-options.js';
import { writeReport } from './report.js';

const program = shapeOptions(new Command('crypten-vs-lutmpc'), BERT_BASE)
  .option('--run-layers <n>', 'CrypTen encoder layers actually run (rest extrapolated)')
  .option('--ours <file>', "this project's figures (JSON)")
  .option('--ours-cmd <cmd>', "command printing this project's figures as JSON (run as a child process)")
  .option('--no-ours', "skip our side (CrypTen alone)")
  .option('--ours-small-only', 'run our side only at the small (bert-tiny) shape')
  .option('--bits <spec>', 'weight bits of our side', '8')
  .option('--no-small', 'skip the full run at the bert-tiny shape')
  .option('--limit <n>', 'SST-2 dev sentences for accuracy (0 skips)', '16')
  .option('--out <dir>', 'output folder', path.join('bench', 'results', `crypten-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}`))
  .parse();

const o = program.opts<Record<string, string | boolean | undefined>>();
// Bad flags and files get one line naming them (runCommand), not a stack trace.
await runCommand(async () => {
  const out = String(o['out']);
  const limit = intAtLeast('limit', String(o['limit']), 0);
  let oursJson: unknown;
  let oursFigures: ReturnType<typeof normalizeOurs> | undefined;
  if (o['oursCmd']) {
    process.stderr.write(`ours: ${String(o['oursCmd'])}\n`);
    const text = execSync(String(o['oursCmd']), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 256 * 2 ** 20 });
    try {
      oursJson = JSON.parse(text);
    } catch (e) {
      throw new RangeError(`--ours-cmd did not print JSON (${(e as Error).message})`);
    }
    oursFigures = normalizeOurs(oursJson, String(o['oursCmd'])); // refused now, not after the CrypTen run
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, 'ours.json'), JSON.stringify(oursJson, null, 1));
  }
  const report = await runCryptenBench({
    shape: shapeFrom(o as unknown as ShapeCli),
    runLayers: positiveInt('run-layers', o['runLayers'] as string | undefined),
    ours: typeof o['ours'] === 'string' ? o['ours'] : undefined,
    runOurs: o['ours'] !== false && typeof o['ours'] !== 'string' && !o['oursCmd'] ? (o['oursSmallOnly'] ? 'small' : true) : false,
    oursBits: String(o['bits']),
    small: o['small'] !== false,
    accuracyLimit: limit,
    log: (m) => process.stderr.write(m + '\n'),
  });
  if (oursFigures !== undefined) {
    report.ours = oursFigures;
    report.oursSource = `child process: ${String(o['oursCmd'])}`;
    report.ratios = ratios(report.ours, report.crypten);
  }
  mkdirSync(out, { recursive: true }); // only once there is something to write (a refused flag leaves no folder)
  writeFileSync(path.join(out, 'report.json'), JSON.stringify(report, null, 1) + '\n');
  writeReport(report, out);
  process.stdout.write(formatCryptenBench(report) + `\nwrote ${path.join(out, 'report.md')}, report.json and SVG charts\n`);
});
