/**
 * pool.padTo: every session runs on a public padded length, so the dealer,
 * which deals per length and hears P1's pool status, learns only which
 * padded length a text needed, never its token count. The logits stay the
 * reference's for the unpadded ids.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../src/client/index.js';
import { rpc } from '../../src/server/peer-net.js';
import { readIdentity } from '../../src/server/config.js';
import { startLocalInProcess, waitReady, type LocalSetup } from '../../src/server/local.js';
import type { RoleHandle } from '../../src/server/server.js';
import { localDeployment, quietLog, rawRequest, tinyModel, type TinyModel } from './helpers.js';

const PADS = [8, 12];

describe('a service that pads every session (pool.padTo 8, 12)', () => {
  let model: TinyModel;
  let s: LocalSetup;
  let ca: Buffer;
  let roles: Record<'dealer' | 'p1' | 'p2', RoleHandle>;
  let client: Client;
  beforeAll(async () => {
    model = tinyModel();
    s = await localDeployment(model, { pool: { perLength: 1, lengths: [8], maxLengths: 4, maxItems: 8, concurrency: 2, padTo: PADS } });
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

  it('texts of 3 to 12 tokens return the reference logits of their unpadded ids', async () => {
    for (const n of [3, 5, 8, 9, 12]) {
      const ids = model.encode('good '.repeat(n - 2)).slice(0, n);
      expect(ids.length).toBe(n);
      const r = await client.classifyIds(ids);
      expect(r.logits, `${n} tokens`).toEqual(await model.reference(ids));
    }
  }, 60_000);

  it('P1 answers the padded length; only padded lengths are dealt or reported to the dealer', async () => {
    const open = await rawRequest(s.p1Url, ca, 'POST', '/v1/sessions', JSON.stringify({ model: 'tiny', tokens: 5 }), { authorization: `Bearer ${s.token}` });
    expect(open.status).toBe(201);
    expect(open.json['positions']).toBe(8);
    await rawRequest(s.p1Url, ca, 'DELETE', `/v1/sessions/${String(open.json['sessionId'])}`, undefined, { authorization: `Bearer ${s.token}` });
    // What P1 tells the dealer (its status answer) names lengths, never a token count.
    const st = await rpc('P0', 'P1', s.config.parties.p1.peer, readIdentity(s.config, 'dealer'), 'status');
    const pool = st['pool'] as { ready: Record<string, number>; recent: number[]; queue: number[] };
    for (const T of [...Object.keys(pool.ready).map(Number), ...pool.recent, ...pool.queue]) expect(PADS).toContain(T);
    expect(pool.recent.length).toBeGreaterThan(0);
  }, 30_000);

  it('a count longer than the longest padded length is 413; the models list says 12 tokens', async () => {
    const open = await rawRequest(s.p1Url, ca, 'POST', '/v1/sessions', JSON.stringify({ model: 'tiny', tokens: 14 }), { authorization: `Bearer ${s.token}` });
    expect(open.status).toBe(413);
    expect(String(open.json['error'])).toMatch(/tokens must be an integer in 2..12, got 14/);
    const models = await rawRequest(s.p1Url, ca, 'GET', '/v1/models', undefined, { authorization: `Bearer ${s.token}` });
    expect((models.json['models'] as { maxTokens: number }[])[0]!.maxTokens).toBe(12);
  }, 30_000);
});
