/** Configuration validation (clear errors naming each bad field) and the pool's take-once rule. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError, ProtocolError } from '../../src/errors.js';
import { MemoryStore } from '../../src/mpc/material.js';
import { loadConfig, parseConfig, readIdentity } from '../../src/server/config.js';
import { makeTestCerts } from '../mpc/certs.js';
import { MaterialPool } from '../../src/server/pool.js';

const role = (p: number) => ({ peer: { host: '127.0.0.1', port: p }, http: { host: '127.0.0.1', port: p + 1 }, cert: `certs/x${p}.crt`, key: `certs/x${p}.key` });
const good = () => ({ ca: 'certs/ca.crt', parties: { dealer: role(9000), p1: role(9010), p2: role(9020) }, model: { name: 'sst2', dir: '../models/tiny' }, clients: [{ name: 'a', token: 'abcdefghijklmnopqrstuvwxyz' }] });

describe('serve configuration', () => {
  it('accepts a valid file, fills defaults and resolves paths against its folder', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lutmpc-cfg-'));
    const f = path.join(dir, 'serve.json');
    fs.writeFileSync(f, JSON.stringify(good()));
    const c = loadConfig(f, 'p1');
    expect(c.ca).toBe(path.join(dir, 'certs/ca.crt'));
    expect(c.parties.p1.key).toBe(path.join(dir, 'certs/x9010.key'));
    expect(c.model.dir).toBe(path.resolve(dir, '../models/tiny'));
    expect(c.limits.maxTokens).toBe(128);
    expect(c.pool.perLength).toBe(2);
    expect(c.secure).toEqual({});
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('pool.lengths outside 2..limits.maxTokens are refused (they would be dealt and never used)', () => {
    expect(parseConfig({ ...good(), pool: { lengths: [8, 16] } }, 'serve.json', '/tmp').pool.lengths).toEqual([8, 16]);
    expect(() => parseConfig({ ...good(), pool: { lengths: [8, 99999, 1] } }, 'serve.json', '/tmp')).toThrow(/pool\.lengths: 99999, 1 outside 2\.\.128/);
    expect(() => parseConfig({ ...good(), limits: { maxTokens: 32 }, pool: { lengths: [64] } }, 'serve.json', '/tmp')).toThrow(/64 outside 2\.\.32/);
  });

  it('a key that does not match its certificate, or a file that is not PEM, is named with the role and files', () => {
    const certs = makeTestCerts();
    try {
      const f = (n: string) => path.join(certs.dir, n);
      const cfg = (key: string, cert: string) => parseConfig({ ...good(), ca: f('ca.crt'), parties: { ...good().parties, p1: { ...role(9010), key, cert } } }, 'serve.json', '/tmp');
      expect(readIdentity(cfg(f('P1.key'), f('P1.crt')), 'p1').cert.length).toBeGreaterThan(0);
      expect(() => readIdentity(cfg(f('P2.key'), f('P1.crt')), 'p1')).toThrow(new RegExp(`parties\\.p1: key .*P2\\.key, cert .*P1\\.crt and ca .*ca\\.crt do not form a TLS identity: .*mismatch`));
      fs.writeFileSync(f('junk.key'), 'not a key');
      expect(() => readIdentity(cfg(f('junk.key'), f('P1.crt')), 'p1')).toThrow(/parties\.p1: key .*junk\.key, cert .* do not form a TLS identity/);
    } finally {
      certs.cleanup();
    }
  });

  it('pool.padTo: lengths up to limits.maxTokens; pre-dealt lengths must be padded lengths', () => {
    expect(parseConfig({ ...good(), pool: { padTo: [32, 128], lengths: [32] } }, 'serve.json', '/tmp').pool.padTo).toEqual([32, 128]);
    expect(() => parseConfig({ ...good(), pool: { padTo: [64, 256] } }, 'serve.json', '/tmp')).toThrow(/pool\.padTo: 256 above limits\.maxTokens 128/);
    expect(() => parseConfig({ ...good(), pool: { padTo: [64], lengths: [16] } }, 'serve.json', '/tmp')).toThrow(/pool\.lengths: 16 not in pool\.padTo \(64\)/);
  });

  it('secure: takes a chunk, a borrow protocol and a last opening, refuses unknown ones', () => {
    expect(parseConfig({ ...good(), secure: { chunk: 12, borrow: 'chain' } }, 'serve.json', '/tmp').secure).toEqual({ chunk: 12, borrow: 'chain' });
    expect(parseConfig({ ...good(), secure: { borrowOut: 'index' } }, 'serve.json', '/tmp').secure).toEqual({ borrowOut: 'index' });
    expect(() => parseConfig({ ...good(), secure: { borrow: 'fast' } }, 'serve.json', '/tmp')).toThrow(/secure\.borrow: /);
    expect(() => parseConfig({ ...good(), secure: { borrowOut: 'byte' } }, 'serve.json', '/tmp')).toThrow(/secure\.borrowOut: /);
    expect(parseConfig({ ...good(), secure: { borrowOut: { lnCentre: 'index', score: 'bit' } } }, 'serve.json', '/tmp').secure).toEqual({ borrowOut: { lnCentre: 'index', score: 'bit' } });
    expect(() => parseConfig({ ...good(), secure: { borrowOut: { lnCenter: 'index' } } }, 'serve.json', '/tmp')).toThrow(/secure\.borrowOut/);
    expect(() => parseConfig({ ...good(), secure: { borrowOut: { score: 'byte' } } }, 'serve.json', '/tmp')).toThrow(/secure\.borrowOut/);
  });

  it('lists every problem with its path', () => {
    const bad = good() as Record<string, unknown>;
    (bad['parties'] as Record<string, ReturnType<typeof role>>).p2.http.port = 70000;
    bad['clients'] = [{ name: 'a', token: 'short' }];
    bad['extra'] = 1;
    delete (bad['model'] as Record<string, unknown>)['dir'];
    let err: unknown;
    try {
      parseConfig(bad, 'serve.json', '/tmp');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FormatError);
    const m = (err as Error).message;
    expect(m).toMatch(/^invalid configuration serve\.json:/);
    expect(m).toMatch(/parties\.p2\.http\.port: .*65535/);
    expect(m).toMatch(/clients\.0\.token: tokens need at least 16 characters/);
    expect(m).toMatch(/model\.dir: /);
    expect(m).toMatch(/\(root\): Unrecognized key.*extra/);
  });

  it('names the missing key of the role being started, unreadable files and bad JSON', () => {
    const c = good();
    delete (c.parties.p2 as Partial<ReturnType<typeof role>>).key;
    expect(() => parseConfig(c, 'serve.json', '/tmp', 'p2')).toThrow(/parties\.p2\.key: required to run as p2/);
    expect(() => parseConfig(c, 'serve.json', '/tmp', 'p1')).not.toThrow();
    expect(() => loadConfig('/nonexistent/serve.json')).toThrow(/cannot read configuration \/nonexistent\/serve\.json/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lutmpc-cfg-'));
    const f = path.join(dir, 'bad.json');
    fs.writeFileSync(f, '{"ca": ');
    expect(() => loadConfig(f)).toThrow(/is not valid JSON/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('material pool', () => {
  it('hands out each item exactly once and refuses reuse', async () => {
    const pool = new MaterialPool();
    const item = (id: string, T: number) => ({ id, epoch: 'e', T, store: new MemoryStore('P1') });
    pool.add(item('e.0', 5));
    pool.add(item('e.1', 7));
    expect(() => pool.add(item('e.0', 5))).toThrow(ProtocolError);
    expect(() => pool.take('e.1', 5)).toThrow(/dealt for 7 tokens, not 5/);
    const a = await pool.acquire(5, 1000, () => undefined, 'e');
    expect(a.id).toBe('e.0');
    expect(() => pool.take('e.0', 5)).toThrow(/already consumed by another session: refused \(no reuse\)/);
    expect(() => pool.add(item('e.0', 5))).toThrow(/already dealt here: refused/);
    let woke = 0;
    const waiting = pool.acquire(5, 5000, () => woke++, 'e');
    await new Promise((r) => setTimeout(r, 20));
    expect(pool.status().waiting).toEqual({ 5: 1 });
    expect(woke).toBe(1);
    pool.add(item('e.2', 5));
    expect((await waiting).id).toBe('e.2');
    await expect(pool.acquire(9, 50, () => undefined, 'e')).rejects.toThrow(/no offline material for 9 tokens within 50 ms/);
    await expect(pool.acquire(9, 5000, () => undefined, 'e', () => 'P2 is unreachable')).rejects.toThrow(/P2 is unreachable/);
    pool.clear();
    expect(() => pool.take('e.1', 7)).toThrow(/already consumed/);
    expect(pool.takenCount).toBe(2);
  });
});
