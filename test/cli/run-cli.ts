/** Runs the real `lutmpc` command tree in-process and captures what it prints. */
import { buildCli } from '../../src/cli/program.js';

export interface CliResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export async function runCli(args: string[]): Promise<CliResult> {
  let stdout = '', stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const prevExit = process.exitCode;
  process.exitCode = 0;
  process.stdout.write = ((s: string | Uint8Array) => ((stdout += String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => ((stderr += String(s)), true)) as typeof process.stderr.write;
  let exitCode = 0;
  try {
    const program = buildCli();
    program.exitOverride();
    program.configureOutput({ writeOut: (s) => (stdout += s), writeErr: (s) => (stderr += s) });
    await program.parseAsync(['node', 'lutmpc', ...args]);
    exitCode = Number(process.exitCode ?? 0);
  } catch (e) {
    exitCode = typeof (e as { exitCode?: number }).exitCode === 'number' ? (e as { exitCode: number }).exitCode : 1;
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.exitCode = prevExit;
  }
  return { stdout, stderr, exitCode };
}
