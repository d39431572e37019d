/**
 * A killed peer, a stalled peer, malformed frames and a wrong certificate end
 * every party — three OS processes and the client — with a typed error within
 * seconds; each child exits on its own (no leaked handle keeps it alive).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChainSpec } from '../../src/mpc/chain.js';
import { PeerError, ProtocolError, TimeoutError } from '../../src/errors.js';
import { randRing } from './helpers.js';
import { launchParties, type LaunchOptions } from './processes.js';
import { transpileSrc } from './transpile.js';
import { makeTestCerts, type TestCerts } from './certs.js';

const spec: ChainSpec = { l: 32, m: 4, k: 8, layers: 1 };
const DEADLINE = 15_000;

describe.concurrent('failures end in typed errors, no hang', () => {
  let src: ReturnType<typeof transpileSrc>;
  let certs: TestCerts;
  beforeAll(() => {
    src = transpileSrc();
    certs = makeTestCerts();
  });
  afterAll(() => {
    src?.cleanup();
    certs?.cleanup();
  });

  function run(o: Partial<LaunchOptions>) {
    return launchParties({
      entry: src.entry('mpc/party-main.js'),
      kind: 'tcp',
      spec,
      weights: [randRing(32, spec.k * spec.k)],
      input: randRing(32, spec.m * spec.k),
      timeoutMs: 5000,
      deadlineMs: DEADLINE,
      ...o,
    });
  }

  function errorOf(r: { msg?: unknown }): { name: string; message: string } {
    const m = r.msg as { type: string; name: string; message: string } | undefined;
    expect(m?.type).toBe('error');
    return m!;
  }

  function exitedCleanly(children: { id: string; exitedAfterMs: number; signal: NodeJS.Signals | null }[], except: string[] = []): void {
    for (const c of children) {
      if (except.includes(c.id)) continue;
      expect({ id: c.id, signal: c.signal }).toEqual({ id: c.id, signal: null });
      expect(c.exitedAfterMs).toBeLessThan(DEADLINE);
    }
  }

  it('a killed peer: the others fail with PeerError', async () => {
    const { children, client } = await run({ faults: { P2: 'die' } });
    const [p0, p1, p2] = children;
    expect(p2!.signal).toBe('SIGKILL');
    exitedCleanly(children, ['P2']);
    expect(errorOf(p0!).name).toBe('PeerError');
    expect(errorOf(p1!).name).toBe('PeerError');
    expect(client.error).toBeInstanceOf(PeerError);
    // The first party to notice names the dead peer (which one notices first is a race).
    expect([errorOf(p0!).message, errorOf(p1!).message, client.error!.message].join('\n')).toMatch(/P2 disconnected/);
  });

  it('a stalled peer: TimeoutError at the waiting party, PeerError elsewhere', async () => {
    const t0 = Date.now();
    const { children, client } = await run({ faults: { P2: 'stall' }, timeoutMs: 1500, clientTimeoutMs: 20_000 });
    exitedCleanly(children);
    const [p0, p1, p2] = children;
    const e1 = errorOf(p1!);
    expect(e1.name).toBe('TimeoutError');
    // P1 waits for the client's input, which waits for the stalled P2's mask key.
    expect(e1.message).toMatch(/waiting for 'c#0:input' from C/);
    expect(errorOf(p0!).name).toBe('PeerError');
    expect(errorOf(p2!).name).toBe('PeerError');
    expect(client.error).toBeInstanceOf(PeerError);
    expect(client.error).not.toBeInstanceOf(TimeoutError);
    expect(Date.now() - t0).toBeLessThan(DEADLINE);
  });

  it.each([
    ['wrong-tag', /unexpected message from P2: got tag 'bogus#7', expected 'r#0:layer0\.matmul:matmulW'/],
    ['garbage', /malformed frame from P2: bad magic/],
    ['oversized', /oversized frame from P2 \(tag 'r#0:layer0\.matmul:matmulW'\): 2147483647 bytes > limit 1048576/],
  ] as const)('a %s frame: ProtocolError naming the peer and tag', async (fault, re) => {
    const { children, client } = await run({ faults: { P2: fault }, maxFrameBytes: 1 << 20 });
    exitedCleanly(children);
    const [p0, p1, p2] = children;
    const e1 = errorOf(p1!);
    expect(e1.name).toBe('ProtocolError');
    expect(e1.message).toMatch(re);
    expect(errorOf(p0!).name).toBe('PeerError');
    expect(errorOf(p2!).name).toBe('PeerError');
    expect(client.error).toBeInstanceOf(PeerError);
  });

  it('a certificate from another CA: TLS setup fails with PeerError everywhere', async () => {
    const { children, client } = await run({ kind: 'tls', tls: { ...certs.ids, P2: certs.rogueP2 }, clientTls: certs.ids.C });
    exitedCleanly(children);
    for (const c of children) expect(errorOf(c).name).toBe('PeerError');
    expect(client.error).toBeInstanceOf(PeerError);
  });
});

describe('error classes', () => {
  it('are typed', () => {
    expect(new TimeoutError('x', 'P1')).toBeInstanceOf(PeerError);
    expect(new ProtocolError('x')).not.toBeInstanceOf(PeerError);
  });
});
