/**
 * Entry of one party process (P0, P1 or P2) driven over the Node IPC channel
 * by a parent (the multi-process test, or a launcher). Compiled to
 * dist/mpc/party-main.js; tests run the TypeScript source directly with
 * from a tree transpiled by test/mpc/transpile.ts.
 *
 * Conversation (fork with serialization: 'advanced', so typed arrays pass):
 *   parent → {cmd:'start', id, kind, tls?, timeoutMs?, maxFrameBytes?, spec, weights?, fault?}
 *   child  → {type:'listening', address}
 *   parent → {cmd:'connect', addresses}
 *   child  → {type:'done', report} | {type:'error', name, message, peer?}
 * then the child closes its IPC channel and exits on its own: an exit that
 * does not happen within seconds means a leaked handle.
 *
 * The program is the chain of chain.ts. `fault` injects failures for tests:
 * 'die' (SIGKILL itself at the start of the online phase), 'stall' (never
 * answer online), 'wrong-tag', 'garbage' and 'oversized' (P2 sends a bad frame
 * to P1 ahead of its first message to P1, then runs its online phase: P1
 * finds the frame where it expects the first matmul's share).
 */
import { chainOffline, chainOnline, type ChainSpec } from './chain.js';
import { Offline } from './dealer.js';
import { Party, peersOf } from './party.js';
import { Endpoint, type Address, type PartyId, type TlsIdentity } from './transport/tcp.js';
import type { RingArray } from '../kernels/types.js';
import { encodeHeader } from './transport/frame.js';

export type Fault = 'die' | 'stall' | 'wrong-tag' | 'garbage' | 'oversized';

export interface StartMsg {
  cmd: 'start';
  id: PartyId;
  kind: 'tcp' | 'tls';
  tls?: TlsIdentity;
  timeoutMs?: number;
  maxFrameBytes?: number;
  connectTimeoutMs?: number;
  spec: ChainSpec;
  weights?: RingArray[];
  fault?: Fault;
}

export type ChildMsg =
  | { type: 'listening'; address: Address | null }
  | { type: 'done'; report: unknown }
  | { type: 'error'; name: string; message: string; peer?: string };

function nextMessage<T>(): Promise<T> {
  return new Promise((resolve) => process.once('message', (m) => resolve(m as T)));
}

function send(m: ChildMsg): Promise<void> {
  return new Promise((resolve) => process.send!(m, undefined, {}, () => resolve()));
}

/** The tag P1 first expects from P2 online (the chain's first matmul round). */
const FIRST_P2_TAG = 'r#0:layer0.matmul:matmulW';

/** Resolves when the party should go on with its online phase (bad-frame faults); the others never go on. */
async function injectFault(p: Party, fault: Fault): Promise<never | void> {
  switch (fault) {
    case 'die':
      process.kill(process.pid, 'SIGKILL');
      return;
    case 'stall':
      await p.finished(); // never sends; ends when the others give up
      return;
    case 'wrong-tag':
      p.send('P1', 'bogus#7', [new Uint8Array(8)]);
      return;
    case 'garbage':
      p.link('P1').writeRawForTest(new Uint8Array([0xde, 0xad, 0xbe, 0xef, 1, 0, 0, 0, 4, 0, 0, 0]));
      return;
    case 'oversized':
      p.link('P1').writeRawForTest(encodeHeader(FIRST_P2_TAG, 0x7fffffff));
      return;
  }
}

async function main(): Promise<void> {
  const start = await nextMessage<StartMsg>();
  let party: Party | undefined;
  try {
    const opts = { tls: start.kind === 'tls' ? start.tls : undefined, timeoutMs: start.timeoutMs, maxFrameBytes: start.maxFrameBytes, connectTimeoutMs: start.connectTimeoutMs ?? 10_000 };
    const ep = await Endpoint.listen(start.id, opts);
    await send({ type: 'listening', address: ep.address });
    const { addresses } = await nextMessage<{ cmd: 'connect'; addresses: Partial<Record<PartyId, Address>> }>();
    const links = await ep.connect(peersOf(start.id), addresses);
    party = await Party.create(start.id, links);
    const ws = await chainOffline(new Offline(party), start.spec, start.weights);
    if (start.fault) await injectFault(party, start.fault);
    if (start.id === 'P0') await party.finished();
    else await chainOnline(party, start.spec, ws);
    await party.close();
    await send({ type: 'done', report: party.acct.report() });
  } catch (e) {
    const err = e as Error & { peer?: string };
    party?.abort(err);
    process.exitCode = 1;
    await send({ type: 'error', name: err.name, message: err.message, peer: err.peer });
  }
  process.disconnect();
}

if (process.send) void main();
