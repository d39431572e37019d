/**
 * The three roles as separate OS processes (the transpiled role entry, as
 * `lutmpc serve --role` runs them): a compute party SIGKILLed in the middle
 * of a session fails that session with an error naming it, without a hang;
 * after the party restarts, the dealer redeploys and new sessions return the
 * reference logits again; SIGTERM shuts every role down cleanly (exit 0).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../src/client/index.js';
import { saveProgram } from '../../src/model/program.js';
import { forkRole, waitReady, writeLocalDeployment, type LocalSetup, type RoleProcess } from '../../src/server/local.js';
import { transpileSrc } from '../mpc/transpile.js';
import { rawRequest, tinyModel, type TinyModel } from './helpers.js';

const TEXTS = ['the movie was good', 'a very boring plot', 'great actors , bad film !', 'it is not fun'];

describe('service roles as processes', () => {
  let src: ReturnType<typeof transpileSrc>;
  let model: TinyModel;
  let s: LocalSetup;
  let ca: Buffer;
  const procs: Partial<Record<'dealer' | 'p1' | 'p2', RoleProcess>> = {};
  const start = (r: 'dealer' | 'p1' | 'p2'): RoleProcess => (procs[r] = forkRole(r, s.configFile, { entry: src.entry('server/role-main.js'), logFile: path.join(s.dir, `${r}.log`) }));
  const auth = (): Record<string, string> => ({ authorization: `Bearer ${s.token}` });

  beforeAll(async () => {
    src = transpileSrc();
    model = tinyModel(9);
    const dir = fs.mkdtempSync(path.join(path.dirname(model.dir), 'lutmpc-serve-proc-'));
    const programPath = path.join(dir, 'tiny.lutmpc');
    saveProgram(model.program, programPath);
    s = await writeLocalDeployment(dir, {
      model: { name: 'tiny', dir: model.dir, program: programPath },
      overrides: { log: { level: 'info' }, limits: { maxTokens: 16, maxSessions: 32, messageTimeoutMs: 8000, materialWaitMs: 20_000 }, pool: { perLength: 1, lengths: [6], maxLengths: 4, maxItems: 8, concurrency: 2 } },
    });
    ca = fs.readFileSync(s.ca);
    for (const r of ['p1', 'p2', 'dealer'] as const) start(r);
    await Promise.all([waitReady(s.p0Url, ca, 30_000), waitReady(s.p1Url, ca, 30_000), waitReady(s.p2Url, ca, 30_000)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(Object.values(procs).map((p) => p!.stop('SIGKILL')));
    src?.cleanup();
    if (s) fs.rmSync(s.dir, { recursive: true, force: true });
    if (model) fs.rmSync(model.dir, { recursive: true, force: true });
  });

  it('killed P2 mid-session: that session fails naming P2; after a restart the next sessions succeed; SIGTERM exits 0', async () => {
    const client = new Client({ p1: s.p1Url, p2: s.p2Url, token: s.token, ca });
    const ok = await Promise.all(TEXTS.map((t) => client.classify(t)));
    for (let i = 0; i < TEXTS.length; i++) expect(ok[i]!.logits).toEqual(await model.reference(model.encode(TEXTS[i]!)));

    // A session in progress: opened on P1, joined on P2, P2 waiting for the client's input.
    const open = await rawRequest(s.p1Url, ca, 'POST', '/v1/sessions', JSON.stringify({ model: 'tiny', tokens: 6 }), auth());
    expect(open.status).toBe(201);
    const sid = open.json['sessionId'] as string;
    expect((await rawRequest(s.p2Url, ca, 'POST', `/v1/sessions/${sid}/join`, JSON.stringify({ model: 'tiny' }), auth())).status).toBe(200);
    const pending = rawRequest(s.p1Url, ca, 'POST', `/v1/sessions/${sid}/exchange`, JSON.stringify({ model: 'tiny', messages: [] }), auth());
    const t0 = Date.now();
    await procs.p2!.stop('SIGKILL');
    const failed = await pending;
    expect(failed.status).toBe(502);
    expect(String(failed.json['error'])).toMatch(new RegExp(`session ${sid} failed \\(peer P2\\): P1: P2 disconnected`));
    expect(Date.now() - t0).toBeLessThan(5000);
    // While P2 is down: P1 answers, says why it cannot serve.
    const down = await client.classify(TEXTS[0]!).then(() => undefined, (e: Error) => e);
    expect(down?.message).toMatch(/P2/);
    expect((await rawRequest(s.p1Url, ca, 'GET', '/health')).status).toBe(200);

    // Restart P2: the dealer deploys a new epoch to both; new sessions succeed.
    start('p2');
    await waitReady(s.p2Url, ca, 30_000);
    await waitReady(s.p0Url, ca, 30_000);
    const again = await Promise.all(TEXTS.map((t) => client.classify(t)));
    for (let i = 0; i < TEXTS.length; i++) expect(again[i]!.logits).toEqual(ok[i]!.logits);
    client.close();

    // Graceful shutdown of every role.
    const codes = await Promise.all((['dealer', 'p1', 'p2'] as const).map((r) => procs[r]!.stop('SIGTERM')));
    expect(codes).toEqual([0, 0, 0]);
    const p1log = fs.readFileSync(path.join(s.dir, 'p1.log'), 'utf8');
    expect(p1log).toMatch(/"msg":"stopped"/);
    expect(p1log).toMatch(/"msg":"model deployed: weight shares received"/);
  }, 90_000);

  it('a forked role shuts down when its launcher goes away (a SIGKILLed parent sends it no signal)', async () => {
    const p1 = start('p1');
    // Listening (health answers; it is not ready without the dealer, which is stopped).
    for (let t = Date.now(); Date.now() - t < 15_000; await new Promise((r) => setTimeout(r, 100))) {
      if ((await rawRequest(s.p1Url, ca, 'GET', '/health').catch(() => ({ status: 0 }))).status === 200) break;
    }
    p1.proc.disconnect(); // what the child sees when its parent dies
    const code = await Promise.race([p1.exited, new Promise<string>((r) => setTimeout(() => r('still running after 20 s'), 20_000))]);
    expect(code).toBe(0);
    expect(fs.readFileSync(path.join(s.dir, 'p1.log'), 'utf8')).toMatch(/the launching process is gone; shutting down/);
  }, 40_000);

  it("Ctrl-C in the launcher's terminal plus its forwarded stop does not cut the grace short; a second Ctrl-C does", async () => {
    await Promise.all(Object.values(procs).map((p) => p!.stop('SIGKILL'))); // whatever the tests before left running
    const p1 = start('p1');
    const p2 = start('p2');
    start('dealer');
    await Promise.all([waitReady(s.p0Url, ca, 30_000), waitReady(s.p1Url, ca, 30_000), waitReady(s.p2Url, ca, 30_000)]);
    // A session in flight: opened and joined, the client's input not sent yet.
    const open = await rawRequest(s.p1Url, ca, 'POST', '/v1/sessions', JSON.stringify({ model: 'tiny', tokens: 6 }), auth());
    expect(open.status).toBe(201);
    const sid = open.json['sessionId'] as string;
    expect((await rawRequest(s.p2Url, ca, 'POST', `/v1/sessions/${sid}/join`, JSON.stringify({ model: 'tiny' }), auth())).status).toBe(200);
    // What `serve --local` sees on Ctrl-C: the terminal's SIGINT reaches every role, then the launcher asks each to stop.
    for (const p of [p1, p2]) {
      p.proc.kill('SIGINT');
      void p.requestStop();
    }
    const early = await Promise.race([Promise.race([p1.exited, p2.exited]).then((c) => `exited with ${c}`), new Promise<string>((r) => setTimeout(() => r('still in its grace period'), 1500))]);
    expect(early).toBe('still in its grace period');
    expect((await rawRequest(s.p1Url, ca, 'GET', '/ready')).json['reason']).toBe('shutting down');
    // A second Ctrl-C forces P2 out; P1's half of the session then fails and P1 ends its graceful stop.
    p2.proc.kill('SIGINT');
    expect(await p2.exited).toBe(130);
    expect(await p1.exited).toBe(0);
    await procs.dealer!.stop('SIGTERM');
  }, 60_000);
});
