/**
 * Launch P0, P1, P2 as three OS processes on loopback (child_process.fork of
 * party-main.js from the transpiled tree of transpile.ts); this test process
 * plays the client.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chainClient, type ChainSpec } from '../../src/mpc/chain.js';
import { Party } from '../../src/mpc/party.js';
import { Endpoint, type Address, type PartyId, type TlsIdentity } from '../../src/mpc/transport/tcp.js';
import type { ChildMsg, Fault, StartMsg } from '../../src/mpc/party-main.js';
import type { RingArray } from '../../src/kernels/types.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ChildResult {
  id: PartyId;
  msg: ChildMsg | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** ms from launch to exit */
  exitedAfterMs: number;
  stderr: string;
}

export interface LaunchOptions {
  /** Path of the transpiled party-main.js. */
  entry: string;
  kind: 'tcp' | 'tls';
  spec: ChainSpec;
  weights: RingArray[];
  input: RingArray;
  tls?: Partial<Record<PartyId, TlsIdentity>>;
  timeoutMs?: number;
  /** The client's receive timeout (default 10 000 ms). */
  clientTimeoutMs?: number;
  /** TLS identity of the client, if not tls.C. */
  clientTls?: TlsIdentity;
  maxFrameBytes?: number;
  faults?: Partial<Record<PartyId, Fault>>;
  /** Kill children still alive after this many ms (default 20 000). */
  deadlineMs?: number;
}

export async function launchParties(o: LaunchOptions): Promise<{ children: ChildResult[]; client: { out?: RingArray; error?: Error; report?: unknown } }> {
  const t0 = Date.now();
  const ids: PartyId[] = ['P0', 'P1', 'P2'];
  const kids = new Map<PartyId, ChildProcess>();
  const results = ids.map((id) => {
    const child = fork(o.entry, [id], { execArgv: [], serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'], cwd: ROOT, env: { ...process.env, LUTMPC_BACKEND: process.env['LUTMPC_BACKEND'] ?? '' } });
    kids.set(id, child);
    const r: ChildResult = { id, msg: undefined, code: null, signal: null, exitedAfterMs: -1, stderr: '' };
    child.stderr!.on('data', (d: Buffer) => (r.stderr += d.toString()));
    const exited = new Promise<ChildResult>((resolve) =>
      child.once('exit', (code, signal) => {
        r.code = code;
        r.signal = signal;
        r.exitedAfterMs = Date.now() - t0;
        resolve(r);
      }),
    );
    const listening = new Promise<Address | null>((resolve, reject) => {
      child.on('message', (m: ChildMsg) => {
        if (m.type === 'listening') resolve(m.address);
        else r.msg = m;
      });
      child.once('exit', () => reject(new Error(`${id} exited before listening: ${r.stderr}`)));
    });
    listening.catch(() => undefined);
    const start: StartMsg = {
      cmd: 'start',
      id,
      kind: o.kind,
      tls: o.tls?.[id],
      timeoutMs: o.timeoutMs,
      maxFrameBytes: o.maxFrameBytes,
      connectTimeoutMs: 6000,
      spec: o.spec,
      weights: id === 'P0' ? o.weights : undefined,
      fault: o.faults?.[id],
    };
    child.send(start);
    return { id, exited, listening };
  });
  const killer = setTimeout(() => {
    for (const c of kids.values()) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }, o.deadlineMs ?? 20_000);
  const client: { out?: RingArray; error?: Error; report?: unknown } = {};
  try {
    const addrs = await Promise.all(results.map((r) => r.listening));
    const addresses: Partial<Record<PartyId, Address>> = {};
    ids.forEach((id, i) => (addresses[id] = addrs[i]!));
    for (const c of kids.values()) c.send({ cmd: 'connect', addresses });
    const ep = await Endpoint.listen('C', { tls: o.kind === 'tls' ? (o.clientTls ?? o.tls?.C) : undefined, timeoutMs: o.clientTimeoutMs ?? 10_000, connectTimeoutMs: 6000 });
    let party: Party | undefined;
    try {
      party = await Party.create('C', await ep.connect(['P1', 'P2'], addresses));
      client.out = await chainClient(party, o.spec, o.input);
      await party.close();
      client.report = party.acct.report();
    } catch (e) {
      client.error = e as Error;
      party?.abort(e as Error);
    }
  } catch (e) {
    client.error = e as Error;
  }
  const children = await Promise.all(results.map((r) => r.exited));
  clearTimeout(killer);
  return { children, client };
}
