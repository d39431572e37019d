/**
 * The three roles in this process (separate listeners, mutual TLS between
 * them, HTTPS to the client): concurrent sessions return exactly the
 * plaintext reference logits; a failing session does not disturb the others;
 * bad requests get a 4xx with a reason and the server stays up; no pooled
 * material is ever used twice.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, ServiceError } from '../../src/client/index.js';
import { dialLink, rpc } from '../../src/server/peer-net.js';
import { readIdentity } from '../../src/server/config.js';
import { startLocalInProcess, waitReady, type LocalSetup } from '../../src/server/local.js';
import type { RoleHandle } from '../../src/server/server.js';
import { localDeployment, OTHER_TOKEN, quietLog, rawRequest, tinyModel, type TinyModel } from './helpers.js';

const TEXTS = ['the movie was good', 'a very boring plot', 'great actors , bad film !', 'it is not fun', 'awful', 'this film was very very great and fun', 'the plot', 'bad movie but good actors'];

describe('secure inference service (three roles in one process)', () => {
  let model: TinyModel;
  let s: LocalSetup;
  let ca: Buffer;
  let roles: Record<'dealer' | 'p1' | 'p2', RoleHandle>;
  let client: Client;
  const auth = (): Record<string, string> => ({ authorization: `Bearer ${s.token}` });
  beforeAll(async () => {
    model = tinyModel();
    s = await localDeployment(model);
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

  it('one session returns the reference logits (tokenizer fetched from P1)', async () => {
    const r = await client.classify(TEXTS[0]!);
    expect(r.logits).toEqual(await model.reference(model.encode(TEXTS[0]!)));
    expect(r.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(['LABEL_0', 'LABEL_1', 'negative', 'positive', '0', '1']).toContain(r.label);
  }, 30_000);

  it('concurrent sessions all return the reference logits, each on its own material', async () => {
    const before1 = roles.p1.compute!.pool.takenCount;
    const before2 = roles.p2.compute!.pool.takenCount;
    const runs = await Promise.all(TEXTS.map((t) => client.classify(t)));
    for (let i = 0; i < TEXTS.length; i++) expect(runs[i]!.logits, TEXTS[i]).toEqual(await model.reference(model.encode(TEXTS[i]!)));
    expect(new Set(runs.map((r) => r.sessionId)).size).toBe(TEXTS.length);
    expect(roles.p1.compute!.pool.takenCount - before1).toBe(TEXTS.length);
    expect(roles.p2.compute!.pool.takenCount - before2).toBe(TEXTS.length);
  }, 60_000);

  it('a failing session (malformed input share) fails alone; concurrent sessions succeed', async () => {
    const ids = model.encode(TEXTS[1]!);
    // Session A: opened and joined by hand, then given an input share of the wrong size.
    const open = await rawRequest(s.p1Url, ca, 'POST', '/v1/sessions', JSON.stringify({ model: 'tiny', tokens: ids.length }), auth());
    expect(open.status).toBe(201);
    const sid = open.json['sessionId'] as string;
    expect((await rawRequest(s.p2Url, ca, 'POST', `/v1/sessions/${sid}/join`, JSON.stringify({ model: 'tiny' }), auth())).status).toBe(200);
    const bad = rawRequest(s.p2Url, ca, 'POST', `/v1/sessions/${sid}/exchange`, JSON.stringify({ model: 'tiny', messages: [{ tag: 'c#0:input', data: Buffer.alloc(12).toString('base64') }] }), auth());
    const p1Side = rawRequest(s.p1Url, ca, 'POST', `/v1/sessions/${sid}/exchange`, JSON.stringify({ model: 'tiny', messages: [] }), auth());
    const others = Promise.all(TEXTS.slice(2, 6).map((t) => client.classify(t)));
    const [b, p, o] = await Promise.all([bad, p1Side, others]);
    expect(b.status).toBe(400);
    expect(String(b.json['error'])).toMatch(/input 'c#0:input' from C is 12 bytes, expected/);
    expect(p.status).toBe(502);
    expect(String(p.json['error'])).toMatch(new RegExp(`session ${sid} failed`));
    for (let i = 0; i < 4; i++) expect(o[i]!.logits).toEqual(await model.reference(model.encode(TEXTS[i + 2]!)));
  }, 60_000);

  it('a token id outside the vocabulary is refused by the client before any session opens (no hang)', async () => {
    const ids = model.encode(TEXTS[0]!);
    const before = roles.p1.compute!.pool.takenCount;
    const vocab = model.program.config.vocabSize;
    await expect(client.classifyIds([...ids.slice(0, -1), vocab])).rejects.toThrow(new RegExp(`id ${vocab} is outside the model's vocabulary 0\\.\\.${vocab - 1}`));
    await expect(client.classifyIds([ids[0]!, -1])).rejects.toThrow(/id -1 is outside/);
    expect(roles.p1.compute!.pool.takenCount).toBe(before);
  }, 30_000);

  it('an unknown model name is answered with the names served', async () => {
    const c = new Client({ p1: s.p1Url, p2: s.p2Url, token: s.token, ca, model: 'nope' });
    try {
      await expect(c.classify(TEXTS[0]!)).rejects.toThrow(/P1 does not serve model 'nope' \(it serves 'tiny'\)/);
    } finally {
      c.close();
    }
  });

  it("a tokenizer of another size than the served vocabulary is refused (its ids would mean other tokens)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lutmpc-tok-'));
    try {
      const vocab = fs.readFileSync(path.join(model.dir, 'vocab.txt'), 'utf8');
      fs.writeFileSync(path.join(dir, 'vocab.txt'), 'extra\n' + vocab);
      const c = new Client({ p1: s.p1Url, p2: s.p2Url, token: s.token, ca, model: 'tiny', tokenizer: dir });
      try {
        await expect(c.classify(TEXTS[0]!)).rejects.toThrow(/the tokenizer has \d+ tokens but model 'tiny' has a vocabulary of \d+/);
      } finally {
        c.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('bad requests get a 4xx with a reason and the server stays up', async () => {
    const cases: [string, Promise<{ status: number; json: Record<string, unknown> }>, number, RegExp][] = [
      ['invalid JSON', rawRequest(s.p1Url, ca, 'POST', '/v1/sessions', '{"model": "tiny", tok', auth()), 400, /JSON/i],
      ['missing auth', rawRequest(s.p1Url, ca, 'POST', '/v1/sessions', JSON.stringify({ model: 'tiny', tokens: 5 })), 401, /missing client credentials/],
      ['wrong token', rawRequest(s.p1Url, ca, 'POST', '/v1/sessions', JSON.stringify({ model: 'tiny', tokens: 5 }), { authorization: 'Bearer not-a-real-token-at-all' }), 401, /unknown client token/],
      ['unknown model', rawRequest(s.p1Url, ca, 'POST', '/v1/sessions', JSON.stringify({ model: 'gpt-5', tokens: 5 }), auth()), 404, /unknown model 'gpt-5'/],
      ['too many tokens', rawRequest(s.p1Url, ca, 'POST', '/v1/sessions', JSON.stringify({ model: 'tiny', tokens: 5000 }), auth()), 413, /tokens must be an integer in 2\.\.16/],
      ['oversized body', rawRequest(s.p1Url, ca, 'POST', '/v1/sessions', JSON.stringify({ model: 'tiny', tokens: 5, pad: 'x'.repeat(200_000) }), auth()), 413, /too large/i],
      ['extra field', rawRequest(s.p1Url, ca, 'POST', '/v1/sessions', JSON.stringify({ model: 'tiny', tokens: 5, text: 'hi' }), auth()), 400, /invalid request body/],
      ['unknown session', rawRequest(s.p1Url, ca, 'POST', '/v1/sessions/nope/exchange', JSON.stringify({ model: 'tiny', messages: [] }), auth()), 404, /unknown session 'nope'/],
      ['open on P2', rawRequest(s.p2Url, ca, 'POST', '/v1/sessions', JSON.stringify({ model: 'tiny', tokens: 5 }), auth()), 404, /opened on P1/],
      ['no route', rawRequest(s.p1Url, ca, 'GET', '/v2/x', undefined, auth()), 404, /no route/],
    ];
    for (const [what, req, status, re] of cases) {
      const r = await req;
      expect(r.status, what).toBe(status);
      expect(String(r.json['error']), what).toMatch(re);
    }
    // The client refuses oversized text on its side when asked not to truncate.
    const strict = new Client({ p1: s.p1Url, p2: s.p2Url, token: s.token, ca, truncate: false });
    await expect(strict.classify('the movie '.repeat(40))).rejects.toThrow(/longer than the service's limit of 16 tokens/);
    strict.close();
    const wrong = new Client({ p1: s.p1Url, p2: s.p2Url, token: 'x'.repeat(20), ca });
    await expect(wrong.classify('fun')).rejects.toSatisfy((e: unknown) => e instanceof ServiceError && e.status === 401);
    wrong.close();
    // A client pointed at P1 twice is stopped by the certificate name check (both shares would go to one server).
    const twice = new Client({ p1: s.p1Url, p2: s.p1Url, token: s.token, ca });
    await expect(twice.classify('fun')).rejects.toThrow(/expected 'P2'/);
    twice.close();
    // A session belongs to the client that opened it.
    const mine = await rawRequest(s.p1Url, ca, 'POST', '/v1/sessions', JSON.stringify({ model: 'tiny', tokens: 4 }), auth());
    const sid = mine.json['sessionId'] as string;
    const theirs = await rawRequest(s.p2Url, ca, 'POST', `/v1/sessions/${sid}/join`, JSON.stringify({ model: 'tiny' }), { authorization: `Bearer ${OTHER_TOKEN}` });
    expect(theirs.status).toBe(404);
    expect(String(theirs.json['error'])).toMatch(/unknown session/);
    // Still serving.
    expect((await rawRequest(s.p1Url, ca, 'GET', '/health')).status).toBe(200);
    expect((await rawRequest(s.p2Url, ca, 'GET', '/ready')).status).toBe(200);
    const r = await client.classify(TEXTS[4]!);
    expect(r.logits).toEqual(await model.reference(model.encode(TEXTS[4]!)));
    const metrics = await rawRequest(s.p1Url, ca, 'GET', '/metrics');
    expect(String(metrics.json['text'])).toMatch(/lutmpc_http_responses_4xx_total\{role="P1"\} \d+/);
  }, 60_000);

  it('material is never reused: a consumed item id is refused, even by an authenticated P1', async () => {
    const r = await client.classify(TEXTS[6]!);
    expect(r.logits).toEqual(await model.reference(model.encode(TEXTS[6]!)));
    const id = readIdentity(s.config, 'p1');
    const st = await rpc('P1', 'P2', s.config.parties.p2.peer, id, 'status');
    const epoch = st['epoch'] as string;
    // Items are named epoch.n by the dealer; every one taken so far is in P2's consumed set.
    const consumed = (st['pool'] as { consumed: number }).consumed;
    expect(consumed).toBeGreaterThanOrEqual(roles.p2.compute!.pool.takenCount);
    let refused = 0;
    for (let n = 0; n < 40; n++) {
      const item = `${epoch}.${n}`;
      if (!roles.p2.compute!.pool.hasConsumed(item)) continue;
      await expect(dialLink('P1', 'P2', s.config.parties.p2.peer, id, { kind: 'session', sid: `replay-${n}`, epoch, item, T: r.tokens }, {})).rejects.toThrow(/already consumed by another session: refused \(no reuse\)|dealt for \d+ tokens/);
      refused++;
    }
    expect(refused).toBeGreaterThanOrEqual(roles.p2.compute!.pool.takenCount > 0 ? 1 : 0);
    expect(refused).toBeGreaterThan(5);
    // The dealer cannot hand out a consumed id again either.
    const id0 = readIdentity(s.config, 'dealer');
    const used = [...Array(40).keys()].map((n) => `${epoch}.${n}`).find((x) => roles.p1.compute!.pool.hasConsumed(x))!;
    await expect(dialLink('P0', 'P1', s.config.parties.p1.peer, id0, { kind: 'deal', epoch, item: used, T: 5 }, {})).rejects.toThrow(/already consumed here/);
    // A server certificate cannot pose as another party.
    await expect(dialLink('P0', 'P2', s.config.parties.p2.peer, { ...id0 }, { kind: 'session', sid: 'x', epoch, item: used, T: 5 }, {})).rejects.toThrow(/P2 does not accept 'session' from P0/);
    await expect(dialLink('P1' as never, 'P2', s.config.parties.p2.peer, id0, { kind: 'session', sid: 'y', epoch, item: used, T: 5 }, {})).rejects.toThrow(/certificate names 'P0'/);
  }, 60_000);

  it('DELETE /v1/sessions/:id cancels an open session on each server at once; another client cannot', async () => {
    const other = { authorization: `Bearer ${OTHER_TOKEN}` };
    const before = [roles.p1.compute!.activeSessions, roles.p2.compute!.activeSessions];
    const cancelled = [roles.p1.metrics.get('sessions_cancelled'), roles.p2.metrics.get('sessions_cancelled')];
    const failed = roles.p1.metrics.get('sessions_failed');
    const open = await rawRequest(s.p1Url, ca, 'POST', '/v1/sessions', JSON.stringify({ model: 'tiny', tokens: 5 }), auth());
    const sid = open.json['sessionId'] as string;
    expect((await rawRequest(s.p2Url, ca, 'POST', `/v1/sessions/${sid}/join`, JSON.stringify({ model: 'tiny' }), auth())).status).toBe(200);
    expect([roles.p1.compute!.activeSessions, roles.p2.compute!.activeSessions]).toEqual([before[0]! + 1, before[1]! + 1]);
    // Sessions are bound to the client that opened them.
    expect((await rawRequest(s.p1Url, ca, 'DELETE', `/v1/sessions/${sid}`, undefined, other)).status).toBe(404);
    for (const url of [s.p1Url, s.p2Url]) {
      const r = await rawRequest(url, ca, 'DELETE', `/v1/sessions/${sid}`, undefined, auth());
      expect(r.status, url).toBe(200);
      expect(r.json).toEqual({ cancelled: true });
    }
    expect([roles.p1.compute!.activeSessions, roles.p2.compute!.activeSessions]).toEqual(before);
    expect([roles.p1.metrics.get('sessions_cancelled'), roles.p2.metrics.get('sessions_cancelled')]).toEqual([cancelled[0]! + 1, cancelled[1]! + 1]);
    await new Promise((r) => setTimeout(r, 50)); // P1's aborted session settles
    expect(roles.p1.metrics.get('sessions_failed'), 'a cancel is not a failure').toBe(failed);
    // Gone: its exchange and a second cancel are refused by name.
    const ex = await rawRequest(s.p1Url, ca, 'POST', `/v1/sessions/${sid}/exchange`, JSON.stringify({ model: 'tiny', messages: [] }), auth());
    expect(ex.status).toBe(404);
    expect(String(ex.json['error'])).toMatch(new RegExp(`unknown session '${sid}'`));
    expect((await rawRequest(s.p2Url, ca, 'DELETE', `/v1/sessions/${sid}`, undefined, auth())).status).toBe(404);
    // The service goes on.
    expect((await client.classify(TEXTS[3]!)).logits).toEqual(await model.reference(model.encode(TEXTS[3]!)));
  }, 30_000);

  it('a client gone while its session waits for material takes none (P1 stops waiting)', async () => {
    const taken = roles.p1.compute!.pool.takenCount;
    const active = roles.p1.compute!.activeSessions;
    await expect(roles.p1.compute!.open('tiny', 13, 'client', () => true)).rejects.toThrow(/client closed the connection while its session waited for material/);
    expect(roles.p1.compute!.pool.takenCount).toBe(taken);
    expect(roles.p1.compute!.activeSessions).toBe(active);
  }, 30_000);

  it("an aborted classify rejects with the signal's reason and leaves no session on either server", async () => {
    const before = [roles.p1.compute!.activeSessions, roles.p2.compute!.activeSessions];
    // Already aborted: nothing is sent.
    const taken = roles.p1.compute!.pool.takenCount;
    await expect(client.classify(TEXTS[0]!, { signal: AbortSignal.abort(new Error('never started')) })).rejects.toThrow('never started');
    expect(roles.p1.compute!.pool.takenCount).toBe(taken);
    // Aborted while its session runs, at whatever step that is.
    for (const delayMs of [0, 5, 20]) {
      const ac = new AbortController();
      const call = client.classify(TEXTS[1]!, { signal: ac.signal });
      while (roles.p1.compute!.activeSessions <= before[0]!) await new Promise((r) => setTimeout(r, 1));
      await new Promise((r) => setTimeout(r, delayMs));
      ac.abort(new Error(`stopped after ${delayMs} ms`));
      await expect(call, `abort after ${delayMs} ms`).rejects.toThrow(`stopped after ${delayMs} ms`);
      // Without the cancel both halves would hold their slots until the message timeout (8 s here).
      const deadline = Date.now() + 3000;
      while ((roles.p1.compute!.activeSessions > before[0]! || roles.p2.compute!.activeSessions > before[1]!) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect([roles.p1.compute!.activeSessions, roles.p2.compute!.activeSessions], `abort after ${delayMs} ms`).toEqual(before);
    }
    expect((await client.classify(TEXTS[4]!)).logits).toEqual(await model.reference(model.encode(TEXTS[4]!)));
  }, 60_000);

  it('graceful shutdown: a running session finishes, a stalled one fails with a clear error', async () => {
    // A: opened and joined, but the client never sends its input.
    const open = await rawRequest(s.p1Url, ca, 'POST', '/v1/sessions', JSON.stringify({ model: 'tiny', tokens: 5 }), auth());
    const sid = open.json['sessionId'] as string;
    expect((await rawRequest(s.p2Url, ca, 'POST', `/v1/sessions/${sid}/join`, JSON.stringify({ model: 'tiny' }), auth())).status).toBe(200);
    const stalled = rawRequest(s.p1Url, ca, 'POST', `/v1/sessions/${sid}/exchange`, JSON.stringify({ model: 'tiny', messages: [] }), auth());
    // B: a normal session, in flight when the shutdown starts.
    const active = roles.p1.compute!.activeSessions;
    const b = client.classify(TEXTS[2]!);
    while (roles.p1.compute!.activeSessions <= active) await new Promise((r) => setTimeout(r, 5));
    const closing = roles.p1.close(3000);
    const rb = await b;
    expect(rb.logits).toEqual(await model.reference(model.encode(TEXTS[2]!)));
    const ra = await stalled;
    expect(ra.status).toBe(502);
    expect(String(ra.json['error'])).toMatch(new RegExp(`session ${sid} failed.*shutting down: session aborted`));
    await closing;
    // New sessions are refused while P1 is down (P2 still answers).
    expect((await rawRequest(s.p2Url, ca, 'GET', '/health')).status).toBe(200);
  }, 60_000);
});

describe("the deployment's secure options travel from the dealer to P1 and P2 (config secure.borrowOut per role)", () => {
  it('a per-role last opening gives the reference logits', async () => {
    const model = tinyModel(7);
    const s = await localDeployment(model, { secure: { borrowOut: { score: 'index', lnOut: 'index' } } });
    const roles = await startLocalInProcess(s, { program: model.program, logger: quietLog, tickMs: 100 });
    const ca = fs.readFileSync(s.ca);
    const client = new Client({ p1: s.p1Url, p2: s.p2Url, token: s.token, ca, model: 'tiny' });
    try {
      await Promise.all([waitReady(s.p0Url, ca, 20_000), waitReady(s.p1Url, ca, 20_000)]);
      const r = await client.classify(TEXTS[1]!);
      expect(r.logits).toEqual(await model.reference(model.encode(TEXTS[1]!)));
    } finally {
      client.close();
      await Promise.all(Object.values(roles).map((h) => h.close(1000)));
      fs.rmSync(s.dir, { recursive: true, force: true });
      fs.rmSync(model.dir, { recursive: true, force: true });
    }
  }, 60_000);
});
