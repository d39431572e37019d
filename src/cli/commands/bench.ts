import type { Command } from 'commander';
import { registerBenchBert } from './bench-bert.js';
import { registerBenchCrypten } from './bench-crypten.js';
import { registerBenchKernels } from './bench-kernels.js';
import { registerBenchProtocols } from './bench-protocols.js';

/** `lutmpc bench <what>`: benchmarks live here, never in timed tests. */
export function register(program: Command): void {
  const bench = program.command('bench').description('benchmarks (figures and ratios measured side by side in one run)');
  registerBenchKernels(bench);
  registerBenchProtocols(bench);
  registerBenchBert(bench);
  registerBenchCrypten(bench);
}
