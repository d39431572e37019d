/**
 * Entry of one server process (P0, P1 or P2) of the secure forward, driven
 * over the Node IPC channel by `launchSecure` (launch.ts). Compiled to
 * dist/secure/party-proc.js; tests fork the transpiled tree instead.
 *
 * Conversation (fork with serialization 'advanced'):
 *   parent → {cmd:'start', id, kind, tls?, shape, T, programPath (P0 only), secure, timeoutMs}
 *   child  → {type:'listening', address}
 *   parent → {cmd:'connect', addresses}
 *   child  → {type:'offline-done', setupMs, offlineMs}
 *   parent → {cmd:'online'}            (phased runs: once all three are done offline)
 *   child  → {type:'done', report, setupMs, offlineMs, onlineMs, maxRssBytes}
 *          | {type:'error', name, message, peer?}
 * P0 reads the compiled program from programPath (the model owner's file);
 * P1 and P2 get only the public shape.
 */
import { loadProgram } from '../model/program.js';
import { Party, peersOf } from '../mpc/party.js';
import { Endpoint, type Address, type PartyId, type TlsIdentity } from '../mpc/transport/tcp.js';
import type { PartyReport } from '../mpc/accounting.js';
import type { PublicShape, SecureOptions } from './forward.js';
import { ServerSession } from './session.js';
import { MAX_FRAME } from './limits.js';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SecureStartMsg {
  cmd: 'start';
  id: 'P0' | 'P1' | 'P2';
  kind: 'tcp' | 'tls';
  tls?: TlsIdentity;
  shape: PublicShape;
  /** Positions dealt (P0 learns only this). */
  T: number;
  /** P1/P2: the client's token count ≤ T (the rest is padding; default T). Never sent to P0. */
  tokens?: number;
  programPath?: string;
  secure: SecureOptions;
  timeoutMs?: number;
  maxFrameBytes?: number;
  /** Alternate offline and online segment by segment (pacer.ts; large shapes). */
  stream?: boolean;
  /** Test hook: SIGKILL this process when the online phase starts. */
  dieOnline?: boolean;
}

export type SecureChildMsg =
  | { type: 'listening'; address: Address | null }
  | { type: 'offline-done'; setupMs: number; offlineMs: number }
  | { type: 'done'; report: PartyReport; setupMs: number; offlineMs: number; onlineMs: number; maxRssBytes: number; labelMs: ServerSession['times'] }
  | { type: 'error'; name: string; message: string; peer?: string };

function nextMessage<T>(): Promise<T> {
  return new Promise((resolve) => process.once('message', (m) => resolve(m as T)));
}

function send(m: SecureChildMsg): Promise<void> {
  return new Promise((resolve) => process.send!(m, undefined, {}, () => resolve()));
}

async function main(): Promise<void> {
  const start = await nextMessage<SecureStartMsg>();
  let party: Party | undefined;
  try {
    const opts = { tls: start.kind === 'tls' ? start.tls : undefined, timeoutMs: start.timeoutMs ?? 120_000, maxFrameBytes: start.maxFrameBytes ?? MAX_FRAME, connectTimeoutMs: 15_000 };
    const ep = await Endpoint.listen(start.id as PartyId, opts);
    await send({ type: 'listening', address: ep.address });
    const { addresses } = await nextMessage<{ cmd: 'connect'; addresses: Partial<Record<PartyId, Address>> }>();
    party = await Party.create(start.id, await ep.connect(peersOf(start.id), addresses));
    const program = start.id === 'P0' ? loadProgram(start.programPath!) : undefined;
    const s = new ServerSession(party, start.shape, program, start.secure);
    const t0 = performance.now();
    await s.setup();
    const t1 = performance.now();
    if (start.stream) {
      await send({ type: 'offline-done', setupMs: t1 - t0, offlineMs: 0 });
      const busy = await s.streamed(start.T, start.tokens);
      if (start.id === 'P0') await party.finished();
      await party.close();
      await send({ type: 'done', report: party.acct.report(), setupMs: t1 - t0, offlineMs: busy.offlineMs, onlineMs: busy.onlineMs, maxRssBytes: process.resourceUsage().maxRSS * 1024, labelMs: s.times });
      process.disconnect();
      return;
    }
    await s.offline(start.T);
    const t2 = performance.now();
    const go = nextMessage<{ cmd: 'online' }>();
    await send({ type: 'offline-done', setupMs: t1 - t0, offlineMs: t2 - t1 });
    await go; // the launcher starts the online phase once every server finished its offline phase
    if (start.dieOnline) process.kill(process.pid, 'SIGKILL');
    if (start.id !== 'P0') await s.online(start.T, start.tokens);
    else await party.finished(); // P0 waits until P1 and P2 end the session
    const t3 = performance.now();
    await party.close();
    await send({ type: 'done', report: party.acct.report(), setupMs: t1 - t0, offlineMs: t2 - t1, onlineMs: t3 - t2, maxRssBytes: process.resourceUsage().maxRSS * 1024, labelMs: s.times });
  } catch (e) {
    const err = e as Error & { peer?: string };
    party?.abort(err);
    process.exitCode = 1;
    await send({ type: 'error', name: err.name, message: err.message, peer: err.peer });
  }
  finished = true;
  process.disconnect();
}

/** Set before this process closes the channel itself. */
let finished = false;

// Run only as a forked entry (never when imported, e.g. by a test worker that has an IPC channel too).
if (process.send && process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // The launcher is gone (killed, or interrupted alone): nobody will send 'online' or read a result, so stop
  // instead of waiting on its messages or on peers that may never come.
  process.on('disconnect', () => {
    if (!finished) process.exit(1);
  });
  void main();
}
