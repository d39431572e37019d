import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { BERT_BASE, formatCryptenBench, runCryptenBench } from '../../bench/crypten.js';
import type { ClusterKind } from '../../mpc/cluster.js';
import { intAtLeast, printJson, runCommand, toJson } from '../output.js';
import { shapeFrom, shapeOptions, type ShapeCli } from '../shape-options.js';

interface BenchCryptenCliOptions extends ShapeCli {
  runLayers?: string;
  transport: string;
  ours?: string;
  runOurs?: boolean;
  oursSmallOnly?: boolean;
  bits: string;
  small: boolean;
  limit: string;
  model?: string;
  data?: string;
  out?: string;
  json?: boolean;
}

/**
 * `lutmpc bench crypten`: BERT under CrypTen's algorithms (64-bit ring, 16
 * fractional bits, TTP Beaver triples, iterative exp / reciprocal / inv_sqrt,
 * comparison-tree max) over TCP loopback; per-layer-type time, bytes and
 * rounds, LAN/WAN computed from the counts, ratios against `--ours FILE`.
 */
export function registerBenchCrypten(bench: Command): void {
  shapeOptions(
    bench
      .command('crypten')
      .description("BERT under CrypTen's algorithms on this runtime (TCP loopback): time, bytes, rounds per layer type; LAN/WAN computed from counts; ratios vs --ours"),
    BERT_BASE,
  )
    .option('--run-layers <n>', 'encoder layers actually run (≥ 2; the full layers before the last are extrapolated), default min(layers, 2)')
    .option('--transport <kind>', 'tcp or inproc', 'tcp')
    .option('--ours <file>', "this project's figures (JSON) to compute the ratios ours/CrypTen")
    .option('--run-ours', "also run this project's secure BERT (bench bert) on the same shape first, in this run")
    .option('--ours-small-only', 'with --run-ours: run our side only at the small shape')
    .option('--bits <spec>', 'weight bits of our side with --run-ours', '8')
    .option('--no-small', 'skip the full run at the bert-tiny shape')
    .option('--limit <n>', 'SST-2 dev sentences for the accuracy figure (0 skips)', '16')
    .option('--model <dir>', 'model for the accuracy (default ../shared/models/bert-tiny-sst2)')
    .option('--data <file.tsv>', 'labelled TSV for the accuracy (default ../shared/data/sst2/dev.tsv)')
    .option('--out <file.json>', 'also write the JSON report to this file')
    .option('--json', 'print JSON only')
    .action((o: BenchCryptenCliOptions) =>
      runCommand(async () => {
        if (o.transport !== 'tcp' && o.transport !== 'inproc') throw new RangeError(`--transport must be tcp or inproc (got '${o.transport}')`);
        const report = await runCryptenBench({
          shape: shapeFrom(o),
          runLayers: o.runLayers === undefined ? undefined : intAtLeast('run-layers', o.runLayers),
          transport: o.transport as ClusterKind,
          ours: o.ours,
          runOurs: o.runOurs ? (o.oursSmallOnly ? 'small' : true) : false,
          oursBits: o.bits,
          small: o.small,
          accuracyLimit: intAtLeast('limit', o.limit, 0),
          model: o.model,
          data: o.data,
          log: o.json ? undefined : (m) => process.stderr.write(m + '\n'),
        });
        if (o.out) writeFileSync(o.out, toJson(report) + '\n');
        if (o.json) printJson(report);
        else process.stdout.write(formatCryptenBench(report));
      }),
    );
}
