import type { Command } from 'commander';
import { benchLutProtocols } from '../../bench/protocols-lut.js';
import { benchProtocols, formatProtocolBench, type BenchTransport, type ProtocolBenchReport } from '../../bench/protocols.js';
import { printJson, runCommand } from '../output.js';

export interface ProtocolsBenchCliOptions {
  transports: string;
  quick?: boolean;
  lut: boolean;
  only?: string;
  repeats?: number;
  json?: boolean;
}

/**
 * The runtime rows (matmul with a dealer weight, element-wise product) over
 * in-process and TCP links, then the lookup-table rows (LUTs, shifts,
 * requant, row max, 1-bit matmul) in the same report.
 */
export async function runProtocolsBench(o: ProtocolsBenchCliOptions): Promise<ProtocolBenchReport> {
  const transports = o.transports.split(',').map((s) => s.trim()) as BenchTransport[];
  for (const t of transports) if (t !== 'inproc' && t !== 'tcp') throw new RangeError(`--transports: unknown transport '${t}' (use inproc, tcp)`);
  const only = o.only?.split(',').map((s) => s.trim());
  const report = await benchProtocols({ transports, quick: o.quick, only, repeats: o.repeats });
  if (o.lut) report.rows.push(...(await benchLutProtocols({ transports: ['inproc'], quick: o.quick, only })));
  return report;
}

export function registerBenchProtocols(bench: Command): void {
  bench
    .command('protocols')
    .description('offline/online seconds, bytes and rounds per protocol, with online ÷ plaintext GEMM measured in the same run')
    .option('--transports <list>', 'comma-separated: inproc,tcp', 'inproc,tcp')
    .option('--no-lut', 'skip the lookup-table protocol rows')
    .option('--only <names>', 'comma-separated protocol names (e.g. matmulW,lut)')
    .option('--repeats <n>', 'timed repetitions per row (medians)', (v) => Number(v))
    .option('--quick', 'small shapes (smoke test)')
    .option('--json', 'print JSON only')
    .action((opts: ProtocolsBenchCliOptions) =>
      runCommand(async () => {
        const report = await runProtocolsBench(opts);
        if (opts.json) printJson(report);
        else process.stdout.write(formatProtocolBench(report));
      }),
    );
}
