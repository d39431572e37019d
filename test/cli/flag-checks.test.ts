/** CLI options that must be refused up front, with a clear error, instead of failing (or silently degrading) once the parties run. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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

describe('numbers, names and files refused before any work', () => {
  it.each([
    ['bench protocols --only bogus', ['bench', 'protocols', '--quick', '--only', 'matmulW,bogus'], /--only: no protocol row named 'bogus' \(rows: .*matmulW.*lut12/],
    ['bench protocols --only a table row with --no-lut', ['bench', 'protocols', '--quick', '--no-lut', '--only', 'lut8'], /no protocol row named 'lut8' .*need the default --lut/],
    ['bench protocols --repeats 0', ['bench', 'protocols', '--quick', '--repeats', '0'], /--repeats must be a positive integer \(got '0'\)/],
    ['bench kernels --clock -1', ['bench', 'kernels', '--clock', '-1'], /--clock must be a positive number \(got '-1'\)/],
    ['bench kernels --time abc', ['bench', 'kernels', '--time', 'abc'], /--time must be a positive number \(got 'abc'\)/],
    ['bench bert --bits auto', ['bench', 'bert', '--bits', 'auto'], /--bits auto searches the widths against labelled data/],
    ['bench bert --heads 5 --hidden 128', ['bench', 'bert', '--heads', '5'], /--heads 5 does not divide --hidden 128/],
    ['bench crypten --run-layers 1', ['bench', 'crypten', '--run-layers', '1', '--no-small', '--limit', '0'], /--run-layers must be an integer ≥ 2 .*\(got 1\)/],
    ['bench crypten --ours missing file', ['bench', 'crypten', '--ours', '/nonexistent/ours.json', '--no-small', '--limit', '0'], /--ours \/nonexistent\/ours\.json: cannot read JSON/],
    ['eval --budget -1', ['eval', '--model', 'nowhere', '--data', 'nowhere.tsv', '--budget', '-1'], /--budget must be accuracy points in 0…100 \(got '-1'\)/],
    ['compile --budget x', ['compile', '--model', 'nowhere', '--calib', 'nowhere.tsv', '--out', 'nowhere.lutmpc', '--bits', 'auto', '--budget', 'x'], /--budget must be accuracy points in 0…100 \(got 'x'\)/],
    ['certs --days 0', ['certs', '--out', 'nowhere-certs', '--days', '0'], /--days must be a positive integer \(got '0'\)/],
    ['serve --local --pool-lengths abc', ['serve', '--local', '--pool-lengths', '8,abc'], /--pool-lengths: 'abc' is not a sequence length in 2\.\.128/],
    ['serve --local --pool-lengths 99999', ['serve', '--local', '--pool-lengths', '99999'], /'99999' is not a sequence length in 2\.\.128/],
    ['serve --local --pad-to 0', ['serve', '--local', '--pad-to', '16,0'], /--pad-to: '0' is not a sequence length in 2\.\.128 \(or give 'none'\)/],
    ['serve --local --pool-lengths not padded', ['serve', '--local', '--pool-lengths', '16,20'], /--pool-lengths 20: every session runs on a --pad-to length \(16, 32, 64, 128\)/],
    ['serve --local --role p1', ['serve', '--local', '--role', 'p1'], /--local runs all three roles from a generated config: drop --role/],
    ['serve --role p1 --model DIR', ['serve', '--role', 'p1', '--config', 'nowhere.json', '--model', 'x', '--in-process'], /--model, --in-process apply to --local only/],
    ['infer --tls-dir without tls', ['infer', '--model', 'nowhere', '--text', 'hi', '--parties', 'tcp', '--tls-dir', 'certs'], /--tls-dir is read only with --parties tls \(got --parties tcp\)/],
    ['eval --tls-dir without tls', ['eval', '--model', 'nowhere', '--data', 'nowhere.tsv', '--mode', 'secure', '--tls-dir', 'certs'], /--tls-dir is read only with --parties tls \(got --parties inproc\)/],
    ['serve --local --dir FILE', ['serve', '--local', '--dir', 'package.json'], /--dir package\.json is a file; it takes a folder/],
    ['serve --local --grace -1', ['serve', '--local', '--grace', '-1'], /--grace must be milliseconds ≥ 0 \(got '-1'\)/],
    ['serve --role p1 --grace x', ['serve', '--role', 'p1', '--config', 'nowhere.json', '--grace', 'x'], /--grace must be milliseconds ≥ 0 \(got 'x'\)/],
  ])('%s', async (_name, args, message) => {
    const t0 = Date.now();
    const r = await runCli(args);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    expect(Date.now() - t0).toBeLessThan(5_000); // refused up front, not after a run
  });
});

describe('classify: a bad client file or URL is named before any request', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lutmpc-client-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const f = path.join(dir, name);
    writeFileSync(f, text);
    return f;
  };
  it.each([
    ['not JSON', () => ['--client', file('bad.json', '{p1: x')], /FormatError: .*bad\.json: not valid JSON/],
    ['null', () => ['--client', file('null.json', 'null')], /FormatError: .*null\.json: expected a JSON object \{p1, p2, token, ca, model\}/],
    ['a field of the wrong type', () => ['--client', file('num.json', '{"p1": 5}')], /'p1' must be a string \(got 5\)/],
    ['fields missing', () => ['--client', file('empty.json', '{}')], /empty\.json gives no p1, p2, token \(and no --p1, --p2, --token flag\)/],
    ['a missing file', () => ['--client', path.join(dir, 'nope.json')], /FormatError: cannot read the client file .*nope\.json/],
    ['a missing CA file', () => ['--p1', 'https://127.0.0.1:1', '--p2', 'https://127.0.0.1:2', '--token', 't', '--ca', path.join(dir, 'no-ca.pem')], /cannot read the CA certificate .*no-ca\.pem/],
    ['a CA file that is not PEM', () => ['--p1', 'https://127.0.0.1:1', '--p2', 'https://127.0.0.1:2', '--token', 't', '--ca', file('ca.txt', 'hello')], /ca\.txt: not a PEM certificate/],
    ['a P1 URL that is not one', () => ['--p1', '127.0.0.1:1', '--p2', 'https://127.0.0.1:2', '--token', 't'], /P1 URL '127\.0\.0\.1:1' (is not a URL|must start with https)/],
    ['a P2 URL of another protocol', () => ['--p1', 'https://127.0.0.1:1', '--p2', 'htp:/x', '--token', 't'], /P2 URL 'htp:\/x' must start with https:\/\/ \(got protocol 'htp:'\)/],
  ])('%s', async (_name, args, message) => {
    const r = await runCli(['classify', '--text', 'hi', ...args()]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });
});
