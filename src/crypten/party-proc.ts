/**
 * Entry of one CrypTen-baseline server process (P0 = TTP dealer, P1, P2),
 * driven over the Node IPC channel by launch.ts, so the baseline runs with
 * one process per party exactly like this project's secure engine.
 *
 *   parent → {cmd:'start', id, shape, seq, seed, timeoutMs?}
 *   child  → {type:'listening', address}
 *   parent → {cmd:'connect', addresses}
 *   child  → {type:'offline-done', setupMs, offlineMs}
 *   parent → {cmd:'online'}                      (P1, P2)
 *   child  → {type:'done', report, offlineLabelMs, onlineLabelMs, onlineMs, maxRssBytes}
 *          | {type:'error', name, message}
 * P0 generates the (deterministic, random) weights itself from `seed`.
 */
import { Offline } from '../mpc/dealer.js';
import { Party, peersOf } from '../mpc/party.js';
import { Endpoint, type Address, type PartyId } from '../mpc/transport/tcp.js';
import type { PartyReport } from '../mpc/accounting.js';
import { CryptenEngine } from './engine.js';
import { cryptenBertForward, shareCryptenBert, type CryptenBertShape } from './bert.js';
import { randomBertWeights } from './random-weights.js';

export interface CryptenStartMsg {
  cmd: 'start';
  id: 'P0' | 'P1' | 'P2';
  shape: CryptenBertShape;
  seq: number;
  seed: number;
  timeoutMs?: number;
  maxFrameBytes?: number;
}

export type CryptenChildMsg =
  | { type: 'listening'; address: Address | null }
  | { type: 'offline-done'; setupMs: number; offlineMs: number }
  | { type: 'done'; report: PartyReport; offlineLabelMs: Record<string, number>; onlineLabelMs: Record<string, number>; onlineMs: number; maxRssBytes: number }
  | { type: 'error'; name: string; message: string };

function nextMessage<T>(): Promise<T> {
  return new Promise((resolve) => process.once('message', (m) => resolve(m as T)));
}

function send(m: CryptenChildMsg): Promise<void> {
  return new Promise((resolve) => process.send!(m, undefined, {}, () => resolve()));
}

function blockTimer(times: Record<string, number>): (label: string) => void {
  let last = performance.now();
  return (label) => {
    const now = performance.now();
    times[label] = (times[label] ?? 0) + now - last;
    last = now;
  };
}

async function main(): Promise<void> {
  const start = await nextMessage<CryptenStartMsg>();
  let party: Party | undefined;
  try {
    const ep = await Endpoint.listen(start.id, { timeoutMs: start.timeoutMs ?? 600_000, maxFrameBytes: start.maxFrameBytes, connectTimeoutMs: 15_000 });
    await send({ type: 'listening', address: ep.address });
    const { addresses } = await nextMessage<{ cmd: 'connect'; addresses: Partial<Record<PartyId, Address>> }>();
    party = await Party.create(start.id, await ep.connect(peersOf(start.id), addresses));
    party.phase = 'offline';
    const t0 = performance.now();
    const W = start.id === 'P0' ? randomBertWeights(start.shape, start.shape.layers, start.seq, start.seed) : undefined;
    const shares = await shareCryptenBert(new CryptenEngine(party, 'offline', new Offline(party)), start.shape, start.seq, W);
    const t1 = performance.now();
    const offlineLabelMs: Record<string, number> = {};
    await cryptenBertForward(new CryptenEngine(party, 'offline', new Offline(party)), shares, start.seq, { onBlock: blockTimer(offlineLabelMs) });
    const t2 = performance.now();
    await send({ type: 'offline-done', setupMs: t1 - t0, offlineMs: t2 - t1 });
    const onlineLabelMs: Record<string, number> = {};
    let onlineMs = 0;
    if (start.id === 'P0') await party.finished();
    else {
      await nextMessage<{ cmd: 'online' }>();
      party.phase = 'online';
      const t3 = performance.now();
      await cryptenBertForward(new CryptenEngine(party, 'online'), shares, start.seq, { onBlock: blockTimer(onlineLabelMs) });
      onlineMs = performance.now() - t3;
    }
    await party.close();
    await send({ type: 'done', report: party.acct.report(), offlineLabelMs, onlineLabelMs, onlineMs, maxRssBytes: process.resourceUsage().maxRSS * 1024 });
  } catch (e) {
    const err = e as Error;
    party?.abort(err);
    process.exitCode = 1;
    await send({ type: 'error', name: err.name, message: err.message });
  }
  process.disconnect();
}

if (process.send) void main();
