import type { Command } from 'commander';
import { loadKernels } from '../../kernels/loader.js';
import { selftest } from '../../kernels/selftest.js';
import type { BackendName } from '../../kernels/types.js';
import { printJson, runCommand } from '../output.js';

export function register(program: Command): void {
  program
    .command('selftest')
    .description('run every kernel of the selected backend against the TypeScript oracle on random inputs')
    .option('--backend <name>', 'force a backend: cuda, cpu or ts')
    .option('--json', 'print the report as JSON')
    .action((opts: { backend?: BackendName; json?: boolean }) =>
      runCommand(async () => {
        const { kernels, report: load } = loadKernels({ backend: opts.backend });
        const report = await selftest(kernels);
        if (opts.json) printJson({ ...report, skipped: load.skipped });
        else {
          for (const c of report.checks) if (!c.ok) process.stdout.write(`FAIL ${c.kernel}${c.detail ? ': ' + c.detail : ''}\n`);
          process.stdout.write(`${report.ok ? 'ok' : 'FAILED'}: ${report.checks.length} kernel checks on backend '${report.backend}' (${report.detail}) in ${report.seconds.toFixed(2)} s\n`);
        }
        if (!report.ok) process.exitCode = 1;
      }),
    );
}
