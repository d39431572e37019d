/**
 * `lutmpc certs`: a validity openssl refuses and an --out that is a file are
 * refused up front naming the flag or path, and a failure part-way (openssl
 * refusing one certificate) leaves nothing of this run behind.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('lutmpc certs', () => {
  let work: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'lutmpc-certs-cli-'));
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('--days beyond 36500 is refused before anything is written', async () => {
    const out = path.join(work, 'days');
    const r = await runCli(['certs', '--out', out, '--days', '99999999']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/RangeError: --days must be an integer in 1…36500 .*got '99999999'/);
    expect(r.stdout).toBe('');
    expect(fs.existsSync(out)).toBe(false);
  });

  it('--out naming a file is refused with an error naming it', async () => {
    const file = path.join(work, 'a-file.txt');
    fs.writeFileSync(file, 'keep me');
    const r = await runCli(['certs', '--out', file]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`LutmpcError: cannot write certificates into ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: it is a file, not a folder`));
    expect(r.stderr).not.toMatch(/EEXIST/);
    expect(fs.readFileSync(file, 'utf8')).toBe('keep me');
  });

  describe('openssl failing part-way', () => {
    let savedPath: string | undefined;
    beforeAll(() => {
      // An openssl that refuses P1's request and runs the real one otherwise.
      const bin = path.join(work, 'bin');
      fs.mkdirSync(bin);
      const real = execFileSync('sh', ['-c', 'command -v openssl'], { encoding: 'utf8' }).trim();
      fs.writeFileSync(path.join(bin, 'openssl'), `#!/bin/sh\ncase "$*" in *CN=P1*) echo "fake openssl: refusing P1" >&2; exit 1;; esac\nexec "${real}" "$@"\n`, { mode: 0o755 });
      savedPath = process.env['PATH'];
      process.env['PATH'] = `${bin}${path.delimiter}${savedPath ?? ''}`;
    });
    afterAll(() => {
      process.env['PATH'] = savedPath;
    });

    it('removes the folder it created', async () => {
      const out = path.join(work, 'fresh', 'certs');
      const r = await runCli(['certs', '--out', out]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/LutmpcError: openssl req failed: fake openssl: refusing P1/);
      expect(fs.existsSync(path.join(work, 'fresh'))).toBe(false);
    });

    it('leaves an existing folder as it was', async () => {
      const out = path.join(work, 'existing');
      fs.mkdirSync(out);
      fs.writeFileSync(path.join(out, 'notes.txt'), 'mine');
      const r = await runCli(['certs', '--out', out]);
      expect(r.exitCode).toBe(1);
      expect(fs.readdirSync(out)).toEqual(['notes.txt']);
    });
  });

  it('writes the CA and P0/P1/P2/C certificates and keys, nothing else', async () => {
    const out = path.join(work, 'ok');
    const r = await runCli(['certs', '--out', out, '--days', '36500', '--json']);
    expect(r.exitCode).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(['C.crt', 'C.key', 'P0.crt', 'P0.key', 'P1.crt', 'P1.key', 'P2.crt', 'P2.key', 'ca.crt', 'ca.key']);
    for (const k of ['ca', 'P0', 'P1', 'P2', 'C']) expect(fs.statSync(path.join(out, `${k}.key`)).mode & 0o777).toBe(0o600);
    expect(execFileSync('openssl', ['verify', '-CAfile', 'ca.crt', 'P1.crt'], { cwd: out, encoding: 'utf8' })).toMatch(/P1\.crt: OK/);
    expect((JSON.parse(r.stdout) as { ca: string }).ca).toBe(path.join(out, 'ca.crt'));
  });
});
