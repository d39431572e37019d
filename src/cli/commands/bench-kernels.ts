import type { Command } from 'commander';
import { benchKernels, type KernelBenchReport } from '../../bench/kernels.js';
import { loadKernels } from '../../kernels/loader.js';
import type { BackendName } from '../../kernels/types.js';
import { positiveNumber, printJson, runCommand } from '../output.js';

function summary(r: KernelBenchReport): string {
  const lines = [`backend ${r.backend} (${r.detail}); ${r.machine.cpuModel}, ${r.machine.peakFormula}`];
  for (const g of r.gemm) {
    lines.push(
      `gemm mod 2^${g.ring} ${g.m}x${g.k}x${g.n}: ${g.backend.gmacPerSec.toFixed(1)} GMAC/s` +
        (g.percentOfPeak !== undefined ? `, ${g.percentOfPeak.toFixed(1)}% of peak` : '') +
        (g.speedupVsTs !== undefined ? `, ${g.speedupVsTs.toFixed(0)}x TypeScript` : ''),
    );
  }
  for (const g of r.gemmPm1) lines.push(`±1 gemm mod 2^${g.ring} ${g.m}x${g.k}x${g.n}: ${g.backend.gmacPerSec.toFixed(1)} GMAC/s`);
  lines.push(`prg aes-128-ctr: ${r.prg.backend.gbPerSec.toFixed(2)} GB/s, ${r.prg.ratio.toFixed(2)}x node:crypto (${r.prg.nodeCrypto.gbPerSec.toFixed(2)} GB/s)`);
  lines.push(`prg mix (value -= keystream): ${r.prg.mix.fused.gbPerSec.toFixed(2)} GB/s fused, ${r.prg.mix.ratio.toFixed(2)}x fill then subtract (${r.prg.mix.fillThenSub.gbPerSec.toFixed(2)} GB/s)`);
  for (const g of r.gather) lines.push(`gather ${g.kind} ${g.bits}-bit index, ${g.elements} elements: ${(g.backend.elementsPerSec / 1e6).toFixed(1)} M elements/s`);
  return lines.join('\n') + '\n';
}

export function registerBenchKernels(bench: Command): void {
  bench
    .command('kernels')
    .description('GEMM, ±1 GEMM, PRG and gather throughput of the native backend, with ratios measured in the same run')
    .option('--backend <name>', 'backend to measure: cuda, cpu or ts (default: best available native)')
    .option('--time <ms>', 'time budget per task in ms', '400')
    .option('--clock <GHz>', 'CPU clock for the peak formula (default: /proc/cpuinfo)')
    .option('--skip-ts', 'skip the TypeScript-backend comparisons')
    .option('--json', 'print JSON only')
    .action((opts: { backend?: BackendName; time: string; clock?: string; skipTs?: boolean; json?: boolean }) =>
      runCommand(async () => {
        const timeMs = positiveNumber('time', opts.time);
        const clockGHz = opts.clock === undefined ? undefined : positiveNumber('clock', opts.clock);
        const kernels = opts.backend ? loadKernels({ backend: opts.backend }).kernels : undefined;
        const report = await benchKernels({ kernels, timeMs, clockGHz, skipTs: opts.skipTs });
        if (opts.json) printJson(report);
        else process.stdout.write(summary(report));
      }),
    );
}
