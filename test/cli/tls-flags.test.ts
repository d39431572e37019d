/** `--parties tls` asks for identities everywhere it is offered, instead of running plain TCP under a TLS label. */
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
