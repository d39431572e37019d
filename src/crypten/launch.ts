/**
 * The CrypTen baseline with one process per server (P0, P1, P2 forked from
 * party-proc.js, TCP on loopback) and this process as the client, as
 * src/secure/launch.ts runs this project's engine: P1 and P2 compute in
 * parallel on their own threads, like real servers.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PeerError } from '../errors.js';
import type { PartyReport } from '../mpc/accounting.js';
import { Party } from '../mpc/party.js';
import { Endpoint, type Address, type PartyId } from '../mpc/transport/tcp.js';
import { cryptenBertClient, type CryptenBertShape } from './bert.js';
import type { CryptenChildMsg, CryptenStartMsg } from './party-proc.js';
import { partyProcessEnv } from '../mpc/process-env.js';

export interface LaunchCryptenOptions {
  shape: CryptenBertShape;
  ids: readonly number[];
  seed?: number;
  /** Path of party-proc.js (default: next to this module). */
  entry?: string;
  deadlineMs?: number;
  log?: (m: string) => void;
}

export interface LaunchCryptenResult {
  logits: Float64Array;
  setupMs: number;
  offlineMs: number;
  onlineMs: number;
  reports: PartyReport[];
  /** P0's offline and P1's online wall time per label (ms). */
  offlineLabelMs: Record<string, number>;
  onlineLabelMs: Record<string, number>;
  maxRssBytes: Record<string, number>;
}

const SERVERS = ['P0', 'P1', 'P2'] as const;

export async function launchCrypten(o: LaunchCryptenOptions): Promise<LaunchCryptenResult> {
  const entry = o.entry ?? fileURLToPath(new URL('./party-proc.js', import.meta.url));
  const msgs = new Map<string, CryptenChildMsg[]>();
  const kids: { id: string; proc: ChildProcess; stderr: string }[] = [];
  let fail!: (e: Error) => void;
  const failed = new Promise<never>((_, rej) => (fail = rej));
  failed.catch(() => undefined);
  for (const id of SERVERS) {
    const proc = fork(entry, [id], { execArgv: [], env: partyProcessEnv(id === 'P0' ? 'dealer' : 'compute'), serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const k = { id, proc, stderr: '' };
    proc.stderr!.on('data', (d: Buffer) => (k.stderr += d.toString()));
    msgs.set(id, []);
    proc.on('message', (m: CryptenChildMsg) => {
      msgs.get(id)!.push(m);
      if (m.type === 'error') fail(new PeerError(`crypten party ${id}: ${m.name}: ${m.message}`, id as PartyId));
    });
    proc.once('exit', (code, signal) => {
      if (!msgs.get(id)!.some((m) => m.type === 'done')) fail(new PeerError(`crypten party ${id} exited (${signal ?? code})${k.stderr ? `: ${k.stderr.trim().slice(-400)}` : ''}`, id as PartyId));
    });
    const start: CryptenStartMsg = { cmd: 'start', id, shape: o.shape, seq: o.ids.length, seed: o.seed ?? 1 };
    proc.send(start);
    kids.push(k);
  }
  const killer = setTimeout(() => kids.forEach((k) => k.proc.kill('SIGKILL')), o.deadlineMs ?? 30 * 60_000);
  const waitAll = <T extends CryptenChildMsg['type']>(type: T): Promise<Extract<CryptenChildMsg, { type: T }>[]> =>
    Promise.race([
      failed,
      new Promise<Extract<CryptenChildMsg, { type: T }>[]>((resolve) => {
        const tick = (): void => {
          const got = SERVERS.map((id) => msgs.get(id)!.find((m) => m.type === type));
          if (got.every((g) => g)) resolve(got as Extract<CryptenChildMsg, { type: T }>[]);
          else setTimeout(tick, 5);
        };
        tick();
      }),
    ]);
  let client: Party | undefined;
  try {
    const listening = await waitAll('listening');
    const addresses: Partial<Record<PartyId, Address>> = {};
    SERVERS.forEach((id, i) => (addresses[id] = listening[i]!.address!));
    for (const k of kids) k.proc.send({ cmd: 'connect', addresses });
    const ep = await Endpoint.listen('C', { timeoutMs: 600_000, connectTimeoutMs: 15_000 });
    client = await Promise.race([failed, ep.connect(['P1', 'P2'], addresses).then((l) => Party.create('C', l))]);
    client.phase = 'online';
    o.log?.('crypten: servers connected; sharing weights and dealing offline material');
    const off = await waitAll('offline-done');
    o.log?.(`crypten: offline done (${(Math.max(...off.map((x) => x.offlineMs)) / 1000).toFixed(1)} s); online`);
    for (const k of kids) k.proc.send({ cmd: 'online' });
    const logits = await Promise.race([failed, cryptenBertClient(client, o.shape, o.ids)]);
    await client.close();
    const done = await waitAll('done');
    return {
      logits,
      setupMs: Math.max(...off.map((x) => x.setupMs)),
      offlineMs: Math.max(...off.map((x) => x.offlineMs)),
      onlineMs: Math.max(done[1]!.onlineMs, done[2]!.onlineMs),
      reports: [...done.map((d) => d.report), client.acct.report()],
      offlineLabelMs: done[0]!.offlineLabelMs,
      onlineLabelMs: done[1]!.onlineLabelMs,
      maxRssBytes: { P0: done[0]!.maxRssBytes, P1: done[1]!.maxRssBytes, P2: done[2]!.maxRssBytes },
    };
  } catch (e) {
    client?.abort(e as Error);
    for (const k of kids) k.proc.kill('SIGKILL');
    throw e;
  } finally {
    clearTimeout(killer);
  }
}
