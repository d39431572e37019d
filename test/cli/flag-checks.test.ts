/** CLI options that must be refused up front, with a clear error, instead of failing (or silently degrading) once the parties run. */
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('--parties tls without --tls-dir', () => {
  it.each([
    ['demo', ['demo', '--parties', 'tls']],
    ['eval --mode secure', ['eval', '--mode', 'secure', '--model', 'nowhere', '--data', 'nowhere.tsv', '--parties', 'tls']],
  ])('%s refuses it with a clear error and exit code 1', async (_name, args) => {
    const r = await runCli(args);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/--parties tls needs --tls-dir/);
    expect(r.stdout).toBe('');
  });
});

describe('--chunk out of range', () => {
  it('infer refuses --chunk 16 before any party starts', async () => {
    const r = await runCli(['infer', '--model', 'nowhere', '--text', 'x', '--chunk', '16']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/--chunk must be an integer in 1…15 \(got '16'\)/);
  });
});
