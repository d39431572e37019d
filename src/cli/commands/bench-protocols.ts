import type { Command } from 'commander';
import { benchLutProtocols, lutCases } from '../../bench/protocols-lut.js';
import { benchProtocols, formatProtocolBench, PROTOCOL_CASES, QUICK_CASES, type BenchTransport, type ProtocolBenchReport } from '../../bench/protocols.js';
import { positiveInt, printJson, runCommand } from '../output.js';

export interface ProtocolsBenchCliOptions {
  transports: string;
  quick?: boolean;
  lut: boolean;
  only?: string;
  /** Positive integer (the CLI passes the string as typed). */
  repeats?: number | string;
  json?: boolean;
}

/** Every --only name must pick a row of this run (NAME or NAME:SHAPE), else nothing would run and the command would still succeed. */
function checkOnly(only: readonly string[], quick: boolean, withLut: boolean): void {
  const { light, heavy } = lutCases(quick);
  const cases = [...(quick ? QUICK_CASES : PROTOCOL_CASES), ...(withLut ? [...light, ...heavy] : [])];
  const known = new Set(cases.flatMap((c) => [c.name, `${c.name}:${c.shape}`]));
  const bad = only.filter((n) => !known.has(n));
  if (bad.length > 0) {
    const names = [...new Set(cases.map((c) => c.name))].join(', ');
    throw new RangeError(`--only: no protocol row named ${bad.map((b) => `'${b}'`).join(', ')} (rows: ${names}${withLut ? '' : '; the table rows need the default --lut'})`);
  }
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
  if (only) checkOnly(only, o.quick === true, o.lut);
  const repeats = o.repeats === undefined ? undefined : positiveInt('repeats', String(o.repeats));
  const report = await benchProtocols({ transports, quick: o.quick, only, repeats });
  if (o.lut) report.rows.push(...(await benchLutProtocols({ transports: ['inproc'], quick: o.quick, only, repeats, heavyRepeats: repeats })));
  return report;
}

export function registerBenchProtocols(bench: Command): void {
  bench
    .command('protocols')
    .description('offline/online seconds, bytes and rounds per protocol, with online ÷ plaintext GEMM measured in the same run')
    .option('--transports <list>', 'comma-separated: inproc,tcp', 'inproc,tcp')
    .option('--no-lut', 'skip the lookup-table protocol rows')
    .option('--only <names>', 'comma-separated protocol names or NAME:SHAPE as the report prints them (e.g. matmulW,lut8)')
    .option('--repeats <n>', 'timed repetitions per row (medians)')
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
