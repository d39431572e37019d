/**
 * The docker-free local deployment (`lutmpc serve --local`, tests, load
 * test): certificates generated with openssl into a fresh folder, a config
 * with free loopback ports and a random client token, and the three roles
 * started either in this process or as three child processes.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LutmpcError } from '../errors.js';
import { generateCerts } from './certs.js';
import { loadConfig, ROLES, type Role, type ServeConfig } from './config.js';
import { startRole, type RoleHandle, type StartOptions } from './server.js';
import { partyProcessEnv } from '../mpc/process-env.js';
import { STOP_MESSAGE } from './role-main.js';

/** n distinct free TCP ports on 127.0.0.1 (bound, then released). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<net.Server>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export interface LocalSetup {
  dir: string;
  configFile: string;
  config: ServeConfig;
  token: string;
  ca: string;
  p1Url: string;
  p2Url: string;
  p0Url: string;
}

export interface LocalOptions {
  /** Model folder (HF BERT) and how to compile it (dealer side). */
  model: { name?: string; dir: string; program?: string; calib?: string; calibLimit?: number; bits?: string };
  /** Extra config sections merged in (limits, pool, log, secure). */
  overrides?: Record<string, unknown>;
  /** More client tokens besides the generated one. */
  extraClients?: { name: string; token: string }[];
}

/** Write certificates and a config for three roles on loopback into `dir`. */
export async function writeLocalDeployment(dir: string, o: LocalOptions): Promise<LocalSetup> {
  fs.mkdirSync(dir, { recursive: true });
  const certs = generateCerts(path.join(dir, 'certs'));
  const ports = await freePorts(6);
  const token = randomBytes(24).toString('base64url');
  const sec = (i: number, n: string) => ({ peer: { host: '127.0.0.1', port: ports[2 * i]! }, http: { host: '127.0.0.1', port: ports[2 * i + 1]! }, cert: certs.leaf[n]!.cert, key: certs.leaf[n]!.key });
  const raw = {
    ca: certs.ca,
    parties: { dealer: sec(0, 'P0'), p1: sec(1, 'P1'), p2: sec(2, 'P2') },
    model: { name: o.model.name ?? 'model', ...o.model },
    clients: [{ name: 'local', token }, ...(o.extraClients ?? [])],
    ...(o.overrides ?? {}),
  };
  const configFile = path.join(dir, 'lutmpc-serve.json');
  fs.writeFileSync(configFile, JSON.stringify(raw, null, 2));
  fs.chmodSync(configFile, 0o600);
  const config = loadConfig(configFile);
  const url = (r: Role) => `https://127.0.0.1:${config.parties[r].http.port}`;
  return { dir, configFile, config, token, ca: certs.ca, p0Url: url('dealer'), p1Url: url('p1'), p2Url: url('p2') };
}

/** Start all three roles in this process. */
export async function startLocalInProcess(s: LocalSetup, o: StartOptions = {}): Promise<Record<Role, RoleHandle>> {
  const started: RoleHandle[] = [];
  try {
    for (const r of ['p1', 'p2', 'dealer'] as const) started.push(await startRole(s.config, r, o));
  } catch (e) {
    await Promise.all(started.map((h) => h.close(0)));
    throw e;
  }
  const [p1, p2, dealer] = started as [RoleHandle, RoleHandle, RoleHandle];
  return { dealer, p1, p2 };
}

/**
 * GET /ready on a role until it answers 200 (or time runs out). An aborted
 * `signal` ends the polling at once (the pending request too) and rejects
 * with the signal's reason, so a launcher that gave up leaves no poll behind.
 */
export async function waitReady(url: string, ca: string | Buffer, timeoutMs = 60_000, signal?: AbortSignal): Promise<void> {
  const https = await import('node:https');
  const deadline = Date.now() + timeoutMs;
  const aborted = (): Error => (signal?.reason instanceof Error ? signal.reason : new LutmpcError(`stopped waiting for ${url} to be ready`));
  let last = '';
  for (;;) {
    if (signal?.aborted) throw aborted();
    const ok = await new Promise<boolean>((resolve) => {
      const req = https.get(`${url}/ready`, { ca, checkServerIdentity: () => undefined, signal }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => {
          last = `HTTP ${res.statusCode} ${body}`;
          resolve(res.statusCode === 200);
        });
        res.on('error', () => resolve(false));
      });
      req.on('error', (e) => {
        last = e.message;
        resolve(false);
      });
    });
    if (ok) return;
    if (signal?.aborted) throw aborted();
    if (Date.now() > deadline) throw new LutmpcError(`${url} not ready after ${timeoutMs} ms: ${last}`);
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, 200);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}

/** The last `n` non-empty lines of a log file ('' when it cannot be read). */
export function logTail(file: string, n = 5): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '').slice(-n).join('\n');
  } catch {
    return '';
  }
}

export interface RoleProcess {
  role: Role;
  proc: ChildProcess;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /**
   * Graceful stop asked over the IPC channel rather than by a signal: the
   * role tells it apart from the terminal's Ctrl-C, which reached it too
   * (same process group), so the two do not count as "a second signal".
   */
  requestStop(): Promise<number | null>;
}

/** Path of the compiled role entry (next to this module). */
export function roleEntry(): string {
  return fileURLToPath(new URL('./role-main.js', import.meta.url));
}

/** Fork one role as a child process (`role-main.js ROLE CONFIG`); its logs go to `logFile` or are inherited. */
export function forkRole(role: Role, configFile: string, o: { entry?: string; logFile?: string } = {}): RoleProcess {
  const out = o.logFile ? fs.openSync(o.logFile, 'a') : 'inherit';
  let proc: ChildProcess;
  try {
    proc = fork(o.entry ?? roleEntry(), [role, configFile], { stdio: ['ignore', out, out, 'ipc'], execArgv: [], env: partyProcessEnv(role === 'dealer' ? 'dealer' : 'compute') });
  } finally {
    if (typeof out === 'number') fs.closeSync(out); // the child has its own copy of the descriptor
  }
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return {
    role,
    proc,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
    requestStop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return exited;
      if (proc.connected) proc.send(STOP_MESSAGE);
      else proc.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * Fork all three roles; resolves when P1, P2 and the dealer report ready.
 * When a role exits during start-up (or the wait times out), every readiness
 * poll is stopped and every role is killed before this rejects, with the
 * failed role's own last log lines in the message when its log is a file.
 */
export async function startLocalProcesses(s: LocalSetup, o: { entry?: string; logDir?: string; readyMs?: number } = {}): Promise<Record<Role, RoleProcess>> {
  const procs = {} as Record<Role, RoleProcess>;
  const logFile = (r: Role): string | undefined => (o.logDir ? path.join(o.logDir, `${r}.log`) : undefined);
  for (const r of ROLES) procs[r] = forkRole(r, s.configFile, { entry: o.entry, logFile: logFile(r) });
  const polls = new AbortController();
  const exitedEarly = (r: Role, code: number | null): LutmpcError => {
    const how = code !== null ? `exited with code ${code}` : `was killed by ${procs[r].proc.signalCode ?? 'a signal'}`;
    const file = logFile(r);
    const tail = file ? logTail(file) : '';
    const why = file ? (tail ? `; last lines of ${file}:\n${tail}` : `; ${file} is empty`) : ' (its output is above)';
    return new LutmpcError(`role ${r} ${how} during start-up${why}`);
  };
  try {
    const ca = fs.readFileSync(s.ca);
    const died = Promise.race(ROLES.map((r) => procs[r].exited.then((c) => Promise.reject(exitedEarly(r, c)))));
    died.catch(() => undefined);
    const ready = Promise.all([s.p0Url, s.p1Url, s.p2Url].map((u) => waitReady(u, ca, o.readyMs ?? 600_000, polls.signal)));
    ready.catch(() => undefined);
    await Promise.race([died, ready]);
  } catch (e) {
    polls.abort(e);
    await Promise.all(ROLES.map((r) => procs[r].stop('SIGKILL')));
    throw e;
  }
  return procs;
}
