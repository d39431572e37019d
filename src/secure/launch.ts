/**
 * Three server processes (P0, P1, P2) on loopback, this process as the
 * client: fork party-proc.js three times, connect them over TCP (or TLS),
 * wait until every server finished its offline phase, then send the input
 * and time the online phase from the client's side.
 *
 * Failure: a server that exits without finishing (killed, crashed) or reports
 * an error aborts the client at once; the error thrown names the party that
 * died first (PeerError with `peer`), and every child still running is
 * killed after `deadlineMs`, so a run never hangs.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LutmpcError, PeerError } from '../errors.js';
import type { PartyReport } from '../mpc/accounting.js';
import { Party } from '../mpc/party.js';
import { Endpoint, type Address, type PartyId, type TlsIdentity } from '../mpc/transport/tcp.js';
import { saveProgram, type IntProgram } from '../model/program.js';
import type { SecureOptions } from './forward.js';
import type { SecureChildMsg, SecureStartMsg } from './party-proc.js';
import { MAX_FRAME } from './limits.js';
import { clientInfer, publicShape } from './session.js';
import { partyProcessEnv } from '../mpc/process-env.js';

export interface LaunchSecureOptions {
  /** The compiled program (written to a temp file for P0) or the path of a .lutmpc file. */
  program: IntProgram;
  programPath?: string;
  ids: readonly number[];
  /** Pad the ids to this many positions, so P0 deals for it and never learns their count (secureForward). */
  padTo?: number;
  kind?: 'tcp' | 'tls';
  tls?: Partial<Record<PartyId, TlsIdentity>>;
  secure?: SecureOptions;
  /** Longest wait for one message (default 120 000 ms). */
  timeoutMs?: number;
  /** Kill every child still running after this long (default 30 min). */
  deadlineMs?: number;
  /** After a failure, how long the other servers get to notice and exit before they are stopped (default 3000 ms). */
  exitGraceMs?: number;
  /** Path of party-proc.js (default: next to this module; tests pass a transpiled copy). */
  entry?: string;
  /** Alternate offline and online per segment (pacer.ts): for shapes whose offline material does not fit in memory. */
  stream?: boolean;
  /** Test hook: this server SIGKILLs itself when the online phase starts. */
  kill?: 'P0' | 'P1' | 'P2';
  /** Called with progress lines (e.g. stderr). */
  log?: (msg: string) => void;
}

export interface LaunchSecureResult {
  logits: Int32Array;
  setupMs: number;
  /** Slowest server's offline phase. */
  offlineMs: number;
  /** Client: input sent → logits received (streamed: the compute parties' online busy time). */
  onlineMs: number;
  reports: PartyReport[];
  maxRssBytes: Record<PartyId, number>;
  pids: Record<'P0' | 'P1' | 'P2', number>;
  /** Per server: wall time (ms) per label of its offline dealings and online rounds. */
  labelMs: Record<'P0' | 'P1' | 'P2', { offline: Record<string, number>; online: Record<string, number> }>;
}

const SERVERS = ['P0', 'P1', 'P2'] as const;

interface Kid {
  id: (typeof SERVERS)[number];
  proc: ChildProcess;
  stderr: string;
  done?: Extract<SecureChildMsg, { type: 'done' }>;
  offline?: Extract<SecureChildMsg, { type: 'offline-done' }>;
  error?: Extract<SecureChildMsg, { type: 'error' }>;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  exited: Promise<void>;
  /** The IPC channel closed: every message the child sent (its error report) has been received. */
  drained: Promise<void>;
  /** Arrival order of its error report (earlier reports are causes, later ones their echoes). */
  errorSeq?: number;
  /** This launcher SIGKILLed it (cleanup after a failure, or the deadline): never the root cause. */
  killedByUs?: boolean;
}

/** Linux: the process already ended and awaits reaping (its exit event is still on its way). */
function isZombie(pid: number | undefined): boolean {
  try {
    return pid !== undefined && / Z /.test(readFileSync(`/proc/${pid}/stat`, 'latin1').replace(/^.*\)/, ''));
  } catch {
    return false;
  }
}

/** How a server ended, for messages: its own error report, else its exit. */
function why(k: Kid): string {
  return k.error ? `${k.error.name}: ${k.error.message}` : `exited unexpectedly (${k.exit?.signal ? `signal ${k.exit.signal}` : `code ${k.exit?.code}`})`;
}

function killKid(k: Kid): void {
  if (k.exit) return;
  // A process that died on its own but whose exit we have not processed yet is not ours to blame on us.
  if (!isZombie(k.proc.pid)) k.killedByUs = true;
  k.proc.kill('SIGKILL');
}

function defaultEntry(): string {
  return fileURLToPath(new URL('./party-proc.js', import.meta.url));
}

export async function launchSecure(o: LaunchSecureOptions): Promise<LaunchSecureResult> {
  const shape = publicShape(o.program.config);
  const kind = o.kind ?? 'tcp';
  if (kind === 'tls') {
    const missing = [...SERVERS, 'C' as const].filter((id) => !o.tls?.[id]);
    // Without identities the parties would fall back to plain TCP while the run calls itself TLS.
    if (missing.length > 0) throw new RangeError(`launchSecure: kind 'tls' needs a TLS identity for ${missing.join(', ')} (opts.tls; the CLI reads them from --tls-dir)`);
  }
  let tmp: string | undefined;
  let programPath = o.programPath;
  if (!programPath) {
    tmp = mkdtempSync(join(tmpdir(), 'lutmpc-infer-'));
    programPath = join(tmp, 'model.lutmpc');
    saveProgram(o.program, programPath);
  }
  const kids: Kid[] = [];
  let failure: ((e: Error) => void) | undefined;
  const failed = new Promise<never>((_, reject) => (failure = reject));
  failed.catch(() => undefined);
  let firstDead: Kid | undefined;
  let errorSeq = 0;
  const onDeath = (k: Kid): void => {
    if (k.done || k.killedByUs) return;
    firstDead ??= k;
    failure!(new PeerError(`party ${k.id} (pid ${k.proc.pid}) ${why(k)}`, k.id));
  };
  for (const id of SERVERS) {
    const proc = fork(o.entry ?? defaultEntry(), [id], { execArgv: [], env: partyProcessEnv(id === 'P0' ? 'dealer' : 'compute'), serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const k: Kid = { id, proc, stderr: '', exited: Promise.resolve(), drained: new Promise((resolve) => proc.once('disconnect', () => resolve())) };
    proc.stderr!.on('data', (d: Buffer) => (k.stderr += d.toString()));
    k.exited = new Promise((resolve) =>
      proc.once('exit', (code, signal) => {
        k.exit = { code, signal };
        onDeath(k);
        resolve();
      }),
    );
    proc.on('message', (m: SecureChildMsg) => {
      if (m.type === 'done') k.done = m;
      else if (m.type === 'offline-done') k.offline = m;
      else if (m.type === 'error') {
        k.error = m;
        k.errorSeq = errorSeq++;
        onDeath(k);
      }
    });
    proc.on('error', (e) => failure!(new PeerError(`party ${id}: ${e.message}`, id, { cause: e })));
    const start: SecureStartMsg = { cmd: 'start', id, kind, tls: o.tls?.[id], shape, T: o.padTo ?? o.ids.length, tokens: id === 'P0' ? undefined : o.ids.length, programPath: id === 'P0' ? programPath : undefined, secure: o.secure ?? {}, timeoutMs: o.timeoutMs, dieOnline: o.kill === id, stream: o.stream };
    proc.send(start);
    kids.push(k);
  }
  const killer = setTimeout(() => {
    failure!(new LutmpcError(`secure inference did not finish within ${o.deadlineMs ?? 30 * 60_000} ms (deadline): the parties were stopped`));
    for (const k of kids) killKid(k);
  }, o.deadlineMs ?? 30 * 60_000);
  // Polls stop when the run is over, whatever ended it: a poll left
  // rescheduling itself after a failure kept the CLI process alive forever.
  let over = false;
  const waitFor = <T>(pick: (k: Kid) => T | undefined): Promise<T[]> =>
    Promise.race([
      failed,
      new Promise<T[]>((resolve) => {
        const tick = (): void => {
          if (over) return;
          const got = kids.map(pick);
          if (got.every((g) => g !== undefined)) resolve(got as T[]);
          else setTimeout(tick, 5);
        };
        tick();
      }),
    ]);
  let client: Party | undefined;
  let ep: Endpoint | undefined;
  try {
    const addrs = await Promise.race([
      failed,
      Promise.all(kids.map((k) => new Promise<Address | null>((resolve) => k.proc.on('message', (m: SecureChildMsg) => m.type === 'listening' && resolve(m.address))))),
    ]);
    const addresses: Partial<Record<PartyId, Address>> = {};
    SERVERS.forEach((id, i) => (addresses[id] = addrs[i]!));
    for (const k of kids) k.proc.send({ cmd: 'connect', addresses });
    ep = await Endpoint.listen('C', { tls: kind === 'tls' ? o.tls?.C : undefined, timeoutMs: o.timeoutMs ?? 120_000, maxFrameBytes: MAX_FRAME, connectTimeoutMs: 15_000 });
    const listening = ep;
    client = await Promise.race([failed, listening.connect(['P1', 'P2'], addresses).then((links) => Party.create('C', links))]);
    const C = client;
    failed.catch((e: Error) => C.abort(e));
    o.log?.('servers connected; sharing weights and dealing offline material');
    const off = await waitFor((k) => k.offline);
    o.log?.(o.stream ? 'weights shared; streaming offline and online segments' : `offline done (${Math.max(...off.map((x) => x.offlineMs)).toFixed(0)} ms); sending the input`);
    if (!o.stream) for (const k of kids) k.proc.send({ cmd: 'online' });
    const t0 = performance.now();
    const logits = await Promise.race([failed, clientInfer(C, shape, o.ids, o.padTo ?? o.ids.length)]);
    const onlineMs = performance.now() - t0;
    await C.close();
    const done = await waitFor((k) => k.done);
    await Promise.all(kids.map((k) => k.exited));
    return {
      logits,
      setupMs: Math.max(...done.map((d) => d.setupMs)),
      offlineMs: Math.max(...done.map((d) => d.offlineMs)),
      onlineMs: o.stream ? Math.max(done[1]!.onlineMs, done[2]!.onlineMs) : onlineMs,
      reports: [...done.map((d) => d.report), C.acct.report()],
      maxRssBytes: { P0: done[0]!.maxRssBytes, P1: done[1]!.maxRssBytes, P2: done[2]!.maxRssBytes, C: process.resourceUsage().maxRSS * 1024 },
      labelMs: { P0: done[0]!.labelMs, P1: done[1]!.labelMs, P2: done[2]!.labelMs },
      pids: { P0: kids[0]!.proc.pid!, P1: kids[1]!.proc.pid!, P2: kids[2]!.proc.pid! },
    };
  } catch (e) {
    client?.abort(e as Error);
    // Let the others notice and exit, then name the party that failed first.
    await Promise.race([Promise.all(kids.map((k) => k.exited)), new Promise((r) => setTimeout(r, o.exitGraceMs ?? 3000))]);
    for (const k of kids) killKid(k);
    await Promise.all(kids.map((k) => k.exited));
    // An exit can be processed before the child's last message (its error report): wait for each
    // channel to drain (bounded), so the choice below sees every report.
    await Promise.race([Promise.all(kids.map((k) => k.drained)), new Promise((r) => setTimeout(r, 1000))]);
    // Root cause, in this order (parties this launcher stopped itself are never blamed):
    //   1. a server that died on its own without a report (killed from outside, crashed), the first to die;
    //   2. a server that others or the client report gone (PeerError naming it) and that reported
    //      nothing itself: it died on its own, even if its exit reached us after our SIGKILL;
    //   3. the earliest own error of a server (a PeerError is only the echo of a peer's failure);
    //   4. the first failure, unless it is a server reporting that the client went away:
    //      then the client's own error (e.g. a timeout) is the cause.
    const silent = (k: Kid): boolean => !!k.exit && !k.done && !k.error && !k.killedByUs;
    const clientSaw = e instanceof PeerError && e.name === 'PeerError' ? e.peer : undefined;
    const namedGone = (k: Kid): boolean => !k.done && !k.error && (clientSaw === k.id || kids.some((o) => o.error?.name === 'PeerError' && o.error.peer === k.id));
    const root =
      (firstDead && silent(firstDead) ? firstDead : kids.find(silent)) ??
      kids.find(namedGone) ??
      kids.filter((k) => k.error && k.error.name !== 'PeerError').sort((a, b) => a.errorSeq! - b.errorSeq!)[0] ??
      (firstDead?.error?.name === 'PeerError' && firstDead.error.peer === 'C' ? undefined : firstDead);
    if (root) {
      const k = root;
      throw new PeerError(`secure inference failed: party ${k.id} (pid ${k.proc.pid}) ${why(k)}${k.stderr ? `; stderr: ${k.stderr.trim().slice(-500)}` : ''}`, k.id, { cause: e });
    }
    const stopped = kids.filter((k) => k.killedByUs).map((k) => k.id);
    const tail = stopped.length > 0 ? ` (${stopped.join(', ')} still running then, stopped)` : '';
    if (e instanceof LutmpcError && !tail) throw e;
    const msg = `secure inference failed: ${(e as Error).message}${tail}`;
    throw e instanceof PeerError ? new PeerError(msg, e.peer, { cause: e }) : new LutmpcError(msg, { cause: e });
  } finally {
    over = true;
    ep?.close(); // the client's listener: nothing may keep the process alive after a failure
    clearTimeout(killer);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}
