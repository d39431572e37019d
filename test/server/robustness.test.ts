/**
 * Robustness of the service and the SDK under misuse and bad timing:
 * listeners that cannot open, the session limit under concurrent opens,
 * failed sessions releasing their slot, a dealer that is down, auth before
 * the body, malformed values, empty texts, plain-http URLs, and a session
 * opened just as both compute parties begin to stop.
 */
import fs from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../src/client/index.js';
import { ListenError, ShapeError } from '../../src/errors.js';
import { startLocalInProcess, waitReady, type LocalSetup } from '../../src/server/local.js';
import { startRole, type RoleHandle } from '../../src/server/server.js';
import { stopHandler } from '../../src/server/signals.js';
import { runCli } from '../cli/run-cli.js';
import { localDeployment, quietLog, rawRequest, tinyModel, type TinyModel } from './helpers.js';

type Roles = Record<'dealer' | 'p1' | 'p2', RoleHandle>;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `f` until it holds or `ms` pass; returns its last value. */
async function until(f: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await f()) return true;
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
}

/** Bind a port on 127.0.0.1 (resolves with a closer), or reject if it is taken. */
function occupy(port: number): Promise<() => Promise<void>> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => resolve(() => new Promise<void>((r) => srv.close(() => r()))));
  });
}

describe('a role whose listener cannot open', () => {
  let model: TinyModel;
  let s: LocalSetup;
  beforeAll(async () => {
    model = tinyModel();
    s = await localDeployment(model);
  }, 60_000);
  afterAll(() => {
    if (s) fs.rmSync(s.dir, { recursive: true, force: true });
    if (model) fs.rmSync(model.dir, { recursive: true, force: true });
  });

  it.each([
    ['HTTP API', 'http', 'peer'],
    ['peer link', 'peer', 'http'],
  ] as const)('a taken %s port fails the start naming that listener and its address, and closes what opened', async (what, taken, other) => {
    const at = s.config.parties.p1[taken];
    const release = await occupy(at.port);
    try {
      const err = await startRole(s.config, 'p1', { logger: quietLog }).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(ListenError);
      expect((err as ListenError).listener).toBe(what);
      expect((err as Error).message).toMatch(new RegExp(`P1: cannot open the ${what} listener on 127\\.0\\.0\\.1:${at.port}: .*EADDRINUSE`));
    } finally {
      await release();
    }
    // Nothing stays open: the other listener's port is free again (a half-started role would look alive to the others).
    const free = await occupy(s.config.parties.p1[other].port);
    await free();
  }, 30_000);
});

describe('service limits and refusals (three roles in one process)', () => {
  let model: TinyModel;
  let s: LocalSetup;
  let ca: Buffer;
  let roles: Roles;
  let client: Client;
  const auth = (): Record<string, string> => ({ authorization: `Bearer ${s.token}` });
  const open = (tokens: unknown, headers = auth()) => rawRequest(s.p1Url, ca, 'POST', '/v1/sessions', JSON.stringify({ model: 'tiny', tokens }), headers);
  const cancel = async (sid: string): Promise<void> => {
    await Promise.all([rawRequest(s.p1Url, ca, 'DELETE', `/v1/sessions/${sid}`, undefined, auth()), rawRequest(s.p2Url, ca, 'DELETE', `/v1/sessions/${sid}`, undefined, auth())]);
  };
  beforeAll(async () => {
    model = tinyModel();
    // A message timeout far above the waits below: a failed session must stop counting when it fails, not when it expires.
    s = await localDeployment(model, { limits: { maxTokens: 16, maxSessions: 2, messageTimeoutMs: 30_000, materialWaitMs: 20_000 } });
    roles = await startLocalInProcess(s, { program: model.program, logger: quietLog, tickMs: 100 });
    ca = fs.readFileSync(s.ca);
    await Promise.all([waitReady(s.p0Url, ca, 20_000), waitReady(s.p1Url, ca, 20_000)]);
    client = new Client({ p1: s.p1Url, p2: s.p2Url, token: s.token, ca, model: 'tiny' });
  }, 60_000);
  afterAll(async () => {
    client?.close();
    if (roles) await Promise.all(Object.values(roles).map((r) => r.close(1000)));
    if (s) fs.rmSync(s.dir, { recursive: true, force: true });
    if (model) fs.rmSync(model.dir, { recursive: true, force: true });
  });

  it('limits.maxSessions holds for concurrent opens (the slot is reserved at the check)', async () => {
    const rs = await Promise.all([0, 1, 2, 3].map(() => open(5)));
    const statuses = rs.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 201, 503, 503]);
    for (const r of rs.filter((x) => x.status === 503)) expect(String(r.json['error'])).toMatch(/too many sessions in progress \(2\)/);
    for (const r of rs.filter((x) => x.status === 201)) await cancel(r.json['sessionId'] as string);
    expect(roles.p1.compute!.activeSessions).toBe(0);
  }, 60_000);

  it('a failed session stops counting against /ready and maxSessions when it fails, not at its expiry', async () => {
    const a = await open(5);
    const b = await open(5);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect((await open(5)).status).toBe(503);
    // Both fail on P1's side: their P2 halves are given up there (the link to P1 breaks), and no client asks P1 about them.
    for (const r of [a, b]) expect((await rawRequest(s.p2Url, ca, 'DELETE', `/v1/sessions/${r.json['sessionId'] as string}`, undefined, auth())).status).toBe(200);
    expect(await until(() => roles.p1.compute!.activeSessions === 0, 5000)).toBe(true);
    const ready = await rawRequest(s.p1Url, ca, 'GET', '/ready');
    expect(ready.json['sessions']).toBe(0);
    // The slots are free again: a new session runs to the end.
    expect((await client.classify('the movie was good')).logits).toEqual(await model.reference(model.encode('the movie was good')));
  }, 60_000);

  it('tokens: a malformed count is 400, only too many is 413', async () => {
    for (const t of [0, 1, -3]) {
      const r = await open(t);
      expect(r.status, `tokens ${t}`).toBe(400);
      expect(String(r.json['error'])).toMatch(/tokens must be an integer in 2\.\.16/);
    }
    expect((await open(5000)).status).toBe(413);
    expect((await open(1.5)).status).toBe(400);
  });

  it('the bearer token is checked before the body is read; the scheme name is case-insensitive', async () => {
    // A large malformed body without a token: 401, not a JSON parse error (the body is never buffered).
    const junk = '{' + 'x'.repeat(1 << 20);
    const ex = await rawRequest(s.p1Url, ca, 'POST', '/v1/sessions/nope/exchange', junk);
    expect(ex.status).toBe(401);
    expect(String(ex.json['error'])).toMatch(/missing client credentials/);
    // Over the session route's body limit, without a token: still 401 first.
    expect((await rawRequest(s.p1Url, ca, 'POST', '/v1/sessions', junk.slice(0, 200_000), { authorization: 'Bearer not-a-real-token-at-all' })).status).toBe(401);
    const lower = await rawRequest(s.p1Url, ca, 'GET', '/v1/models', undefined, { authorization: `bearer ${s.token}` });
    expect(lower.status).toBe(200);
    expect((lower.json['models'] as { name: string }[])[0]!.name).toBe('tiny');
    expect((await rawRequest(s.p1Url, ca, 'GET', '/v1/models', undefined, { authorization: `BEARER ${s.token}` })).status).toBe(200);
  });

  it('the SDK refuses a plain http:// URL before any request', () => {
    expect(() => new Client({ p1: s.p1Url.replace('https:', 'http:'), p2: s.p2Url, token: s.token, ca })).toThrow(/P1 URL 'http:\/\/127\.0\.0\.1:\d+' must start with https:\/\/ \(got protocol 'http:'\)/);
    expect(() => new Client({ p1: s.p1Url, p2: s.p2Url.replace('https:', 'http:'), token: s.token, ca })).toThrow(/P2 URL .* must start with https:\/\//);
  });

  it('an empty or whitespace-only text is refused before any session (SDK and lutmpc classify)', async () => {
    const taken = roles.p1.compute!.pool.takenCount;
    const opened = roles.p1.compute!.metrics.get('sessions_opened');
    for (const t of ['', '   ', '\n\t ']) await expect(client.classify(t), JSON.stringify(t)).rejects.toSatisfy((e: unknown) => e instanceof ShapeError && /text is empty/.test((e as Error).message));
    expect(roles.p1.compute!.pool.takenCount).toBe(taken);
    expect(roles.p1.compute!.metrics.get('sessions_opened')).toBe(opened);
    const cli = await runCli(['classify', '--text', 'fine', '--text', '  ', '--p1', s.p1Url, '--p2', s.p2Url, '--token', s.token, '--ca', s.ca]);
    expect(cli.exitCode).toBe(1);
    expect(cli.stderr).toMatch(/--text #2 text is empty \(or only whitespace\): nothing to classify/);
    expect(roles.p1.compute!.metrics.get('sessions_opened')).toBe(opened);
  }, 30_000);

  // Last: it stops P1 and P2.
  it('a session P1 opened just as both compute parties begin to stop still runs to the end', async () => {
    const text = 'a very boring plot';
    const T = model.encode(text).length;
    await client.classify(text); // P1 now keeps length T stocked
    const stocked = (r: RoleHandle): boolean => (r.compute!.pool.status().ready[T] ?? 0) >= 1;
    expect(await until(() => stocked(roles.p1) && stocked(roles.p2), 20_000)).toBe(true);
    const call = client.classify(text);
    // The open has passed P1's checks (it holds a slot) but has not reached P2 yet.
    // (polled every turn of the event loop: the window lasts a few milliseconds).
    for (const deadline = Date.now() + 10_000; roles.p1.compute!.opensInProgress === 0 && Date.now() < deadline; ) await new Promise((r) => setImmediate(r));
    expect(roles.p1.compute!.opensInProgress).toBe(1);
    const closing = Promise.all([roles.p1.close(10_000), roles.p2.close(10_000)]);
    const r = await call;
    expect(r.logits).toEqual(await model.reference(model.encode(text)));
    await closing;
    // Refused once the stop began.
    expect((await open(5).catch((e: Error) => ({ status: 0, json: { error: e.message } }))).status).not.toBe(201);
  }, 60_000);
});

describe('the dealer is down', () => {
  let model: TinyModel;
  let s: LocalSetup;
  let ca: Buffer;
  let roles: Roles;
  beforeAll(async () => {
    model = tinyModel();
    // No stocking: P1 holds no material unless a session asks for it.
    s = await localDeployment(model, { pool: { perLength: 0, lengths: [], maxLengths: 4, maxItems: 8, concurrency: 1 } });
    roles = await startLocalInProcess(s, { program: model.program, logger: quietLog, tickMs: 100 });
    ca = fs.readFileSync(s.ca);
    await Promise.all([waitReady(s.p0Url, ca, 20_000), waitReady(s.p1Url, ca, 20_000)]);
  }, 60_000);
  afterAll(async () => {
    if (roles) await Promise.all(Object.values(roles).map((r) => r.close(1000)));
    if (s) fs.rmSync(s.dir, { recursive: true, force: true });
    if (model) fs.rmSync(model.dir, { recursive: true, force: true });
  });

  it('P1 with no pooled material says not ready, and refuses a session at once naming P0', async () => {
    await roles.dealer.close(0);
    let last: Record<string, unknown> = {};
    const notReady = await until(async () => {
      const r = await rawRequest(s.p1Url, ca, 'GET', '/ready');
      last = r.json;
      return r.status === 503;
    }, 5000);
    expect(notReady, JSON.stringify(last)).toBe(true);
    expect(String(last['reason'])).toMatch(/the dealer \(P0\) is unreachable.*no offline material is pooled/);
    const t0 = Date.now();
    const r = await rawRequest(s.p1Url, ca, 'POST', '/v1/sessions', JSON.stringify({ model: 'tiny', tokens: 5 }), { authorization: `Bearer ${s.token}` });
    expect(r.status).toBe(503);
    expect(String(r.json['error'])).toMatch(/no offline material for 5 tokens is pooled and the dealer \(P0\) is unreachable: .*ECONNREFUSED/);
    expect(Date.now() - t0).toBeLessThan(3000); // not materialWaitMs (20 s here)
  }, 30_000);
});

describe('stop requests (serve --role, serve --local)', () => {
  it('only the same signal again, later than a relayed duplicate, forces the stop', () => {
    let t = 0;
    const seen: string[] = [];
    const h = stopHandler((o) => seen.push(`stop ${o}`), (o) => seen.push(`force ${o}`), () => t);
    h('SIGINT'); // the terminal's Ctrl-C
    h('launcher'); // serve --local forwards its own stop
    t = 5;
    h('SIGINT'); // timeout(1) or a shell relays the same Ctrl-C to the group
    h('SIGTERM');
    h('disconnect');
    expect(seen).toEqual(['stop SIGINT']);
    t = 2000;
    h('SIGINT'); // the user presses Ctrl-C again
    expect(seen).toEqual(['stop SIGINT', 'force SIGINT']);
  });

  it("the launcher's request handled before the terminal's Ctrl-C does not hide a second Ctrl-C", () => {
    let t = 0;
    const seen: string[] = [];
    const h = stopHandler((o) => seen.push(`stop ${o}`), (o) => seen.push(`force ${o}`), () => t);
    h('launcher');
    h('SIGINT');
    t = 1500;
    h('SIGINT');
    expect(seen).toEqual(['stop launcher', 'force SIGINT']);
  });
});
