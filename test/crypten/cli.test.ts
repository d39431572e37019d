/** `lutmpc bench crypten` through commander: option parsing, JSON on stdout, --out file, argument errors. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerBenchCrypten } from '../../src/cli/commands/bench-crypten.js';

function cli(): Command {
  const program = new Command('lutmpc').exitOverride();
  registerBenchCrypten(program.command('bench'));
  return program;
}

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = 0;
});

describe('lutmpc bench crypten', () => {
  it('--json prints the report of the given shape and --out writes it', async () => {
    let stdout = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((stdout += String(s)), true));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'crypten-cli-'));
    const out = path.join(dir, 'r.json');
    await cli().parseAsync(['bench', 'crypten', '--layers', '3', '--hidden', '16', '--heads', '2', '--ffn', '32', '--seq', '5', '--vocab', '30', '--run-layers', '2', '--no-small', '--limit', '0', '--transport', 'inproc', '--json', '--out', out], { from: 'user' });
    const r = JSON.parse(stdout) as { shape: { layers: number; seq: number }; run: { layersRun: number; extrapolated: boolean }; crypten: { perLabel: Record<string, unknown> } };
    expect(r.shape).toMatchObject({ layers: 3, seq: 5 });
    expect(r.run).toMatchObject({ layersRun: 2, extrapolated: true });
    expect(Object.keys(r.crypten.perLabel)).toContain('softmax');
    expect(JSON.parse(readFileSync(out, 'utf8')).shape.layers).toBe(3);
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('rejects a bad option with a clear message', async () => {
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((stderr += String(s)), true));
    await cli().parseAsync(['bench', 'crypten', '--hidden', '30', '--heads', '4', '--no-small', '--limit', '0'], { from: 'user' });
    expect(stderr).toMatch(/--hidden 30 is not a multiple of --heads 4/);
    expect(process.exitCode).toBe(1);
  });
});
