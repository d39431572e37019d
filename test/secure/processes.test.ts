/**
 * P0, P1, P2 as three OS processes on loopback (TCP and TLS), this process as
 * the client: the secure logits equal the integer reference and the
 * in-process run's accounting; a killed party ends the run with an error
 * naming it, without a hang.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTlsDir } from '../../src/cli/commands/infer.js';
import { runCli } from '../cli/run-cli.js';
import { getKernels } from '../../src/kernels/loader.js';
import { IntBert } from '../../src/model/int-bert.js';
import { PeerError } from '../../src/errors.js';
import { launchSecure } from '../../src/secure/launch.js';
import { secureInferInProcess } from '../../src/secure/inprocess.js';
import { publicShape } from '../../src/secure/session.js';
import { transpileSrc } from '../mpc/transpile.js';
import { makeTestCerts, type TestCerts } from '../mpc/certs.js';
import { compileRandom, idsOfLength } from './helpers.js';

describe('secure forward with three party processes', () => {
  let src: ReturnType<typeof transpileSrc>;
  let certs: TestCerts;
  const { program } = compileRandom({ layers: 2, hidden: 32, heads: 2, intermediate: 64, maxPositions: 16, seed: 41 });
  const ids = idsOfLength(6, program.config.vocabSize, 77);
  beforeAll(() => {
    src = transpileSrc();
    certs = makeTestCerts();
  });
  afterAll(() => {
    src?.cleanup();
    certs?.cleanup();
  });

  it.each(['tcp', 'tls'] as const)('over %s: exact logits, same accounting as in one process', async (kind) => {
    const ref = await new IntBert(program, getKernels()).forward(ids);
    const r = await launchSecure({ program, ids, kind, tls: kind === 'tls' ? certs.ids : undefined, entry: src.entry('secure/party-proc.js'), timeoutMs: 20_000 });
    expect(Array.from(r.logits)).toEqual(Array.from(ref.logits));
    const inproc = await secureInferInProcess(program, ids);
    // Same protocol messages: every party's per-label accounting is identical.
    expect(r.reports.map((x) => x.phases['online'])).toEqual(inproc.reports.map((x) => x.phases['online']));
    expect(r.reports.map((x) => x.phases['offline'])).toEqual(inproc.reports.map((x) => x.phases['offline']));
    expect(Object.values(r.maxRssBytes).every((b) => b > 0)).toBe(true);
  });

  it('padded (P0 deals for 12 positions, is never told the 6 tokens): exact logits, the accounting of a 12-position run', async () => {
    const ref = await new IntBert(program, getKernels()).forward(ids);
    const r = await launchSecure({ program, ids, padTo: 12, entry: src.entry('secure/party-proc.js'), timeoutMs: 20_000 });
    expect(Array.from(r.logits)).toEqual(Array.from(ref.logits));
    const full = await secureInferInProcess(program, idsOfLength(12, program.config.vocabSize, 78));
    // P0's view is that of any 12-token sentence: the same messages, offline and online.
    expect(r.reports[0]).toEqual(full.reports[0]);
    expect(r.reports.map((x) => x.phases['online'])).toEqual(full.reports.map((x) => x.phases['online']));
  });

  it('a party whose launcher is gone exits instead of waiting (here: listening for its peers)', async () => {
    const { fork } = await import('node:child_process');
    const kid = fork(src.entry('secure/party-proc.js'), [], { stdio: 'ignore', env: { ...process.env } });
    const exited = new Promise<number | null>((r) => kid.on('exit', (code) => r(code)));
    kid.send({ cmd: 'start', id: 'P1', kind: 'tcp', shape: publicShape(program.config), T: 6, secure: {} });
    await new Promise((r) => kid.once('message', r)); // 'listening': its listener is open
    kid.disconnect();
    const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running'), 5000))]);
    if (code === 'still running') kid.kill('SIGKILL');
    expect(code).toBe(1);
  });

  it('over tls with the folder `lutmpc certs --out DIR` writes, read as --tls-dir reads it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lutmpc-certs-'));
    try {
      const c = await runCli(['certs', '--out', dir, '--days', '2']);
      expect(c.exitCode, c.stderr).toBe(0);
      expect(c.stdout).toMatch(/--parties tls --tls-dir /);
      const ref = await new IntBert(program, getKernels()).forward(ids);
      const r = await launchSecure({ program, ids, kind: 'tls', tls: readTlsDir(dir), entry: src.entry('secure/party-proc.js'), timeoutMs: 20_000 });
      expect(Array.from(r.logits)).toEqual(Array.from(ref.logits));
      // A folder missing the client's identity is named as such.
      rmSync(path.join(dir, 'C.key'));
      expect(() => readTlsDir(dir)).toThrow(/cannot read C\.key .*lutmpc certs --out DIR/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(['P1', 'P2', 'P0'] as const)('a killed %s ends the run with an error naming it', async (kill) => {
    const t0 = Date.now();
    const err = await launchSecure({ program, ids, entry: src.entry('secure/party-proc.js'), timeoutMs: 10_000, kill }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PeerError);
    expect((err as PeerError).peer).toBe(kill);
    expect((err as Error).message).toMatch(new RegExp(`party ${kill} .*SIGKILL`));
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it.each(['P2', 'P1'] as const)('a killed %s is named even when the launcher has to stop the others (they are not blamed)', async (kill) => {
    // No grace: the surviving servers are still running when the launcher stops them with SIGKILL
    // (as with a long input), and those kills must not be taken for the cause.
    const err = await launchSecure({ program, ids, entry: src.entry('secure/party-proc.js'), timeoutMs: 10_000, kill, exitGraceMs: 0 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PeerError);
    expect((err as PeerError).peer, (err as Error).message).toBe(kill);
    expect((err as Error).message).toMatch(new RegExp(`party ${kill} .*SIGKILL`));
  });

  it('a timeout is reported as one, not as the SIGKILL that stopped the parties afterwards', async () => {
    const err = await launchSecure({ program, ids, entry: src.entry('secure/party-proc.js'), timeoutMs: 1, exitGraceMs: 0 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message, (err as Error).message).toMatch(/timed out|within 1 ms/);
    expect((err as Error).message).not.toMatch(/SIGKILL/);
  });

  it("kind 'tls' without every identity is refused before anything starts (no silent plain TCP)", async () => {
    await expect(launchSecure({ program, ids, kind: 'tls', entry: src.entry('secure/party-proc.js') })).rejects.toThrow(/kind 'tls' needs a TLS identity for P0, P1, P2, C/);
    const { C: _c, ...noClient } = certs.ids;
    void _c;
    await expect(launchSecure({ program, ids, kind: 'tls', tls: noClient, entry: src.entry('secure/party-proc.js') })).rejects.toThrow(/identity for C \(/);
  });

  it('a party that fails on its own leaves nothing running in the launcher (the CLI exits)', async () => {
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    // Chunk 16 is refused by every party once the run is under way (after the client connected); the error names a party's own ShapeError, not a peer's disconnect.
    const err = await launchSecure({ program, ids, entry: src.entry('secure/party-proc.js'), timeoutMs: 10_000, secure: { chunk: 16 } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PeerError);
    expect((err as Error).message).toMatch(/party P[012] .*ShapeError: .*chunk 16/);
    await new Promise((r) => setTimeout(r, 50));
    // A poll for the parties' messages used to reschedule itself every 5 ms forever after a failure.
    expect(timers()).toBeLessThanOrEqual(before);
  });
});
