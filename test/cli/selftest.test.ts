import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('lutmpc selftest', () => {
  it('--json reports the backend and ok: true after checking every kernel', async () => {
    const r = await runCli(['selftest', '--json']);
    expect(r.exitCode).toBe(0);
    const rep = JSON.parse(r.stdout) as { backend: string; ok: boolean; checks: { kernel: string; ok: boolean }[] };
    expect(rep.ok).toBe(true);
    expect(['cpu', 'cuda', 'ts']).toContain(rep.backend);
    // Every kernel family of the interface is exercised.
    for (const k of ['binary add l=1', 'binary mul l=64', 'unary neg l=16', 'mulScalar l=8', 'shift sar l=32', 'gemm l=32', 'gemm l=64', 'gemmPm1 l=32', 'gatherShared l=16', 'gatherPerElement l=64', 'prgFill aes-128-ctr', 'prgGather l=32']) {
      expect(rep.checks.some((c) => c.kernel.startsWith(k) && c.ok), k).toBe(true);
    }
    if (process.env['LUTMPC_REQUIRE_NATIVE']) expect(rep.backend).not.toBe('ts');
  });

  it('--backend ts runs the oracle against itself', async () => {
    const r = await runCli(['selftest', '--backend', 'ts']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^ok: \d+ kernel checks on backend 'ts'/m);
  });

  it('an unknown backend is a clear error and a non-zero exit', async () => {
    const r = await runCli(['selftest', '--backend', 'gpu9']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/'gpu9' is not a backend|not a backend/);
  });
});
