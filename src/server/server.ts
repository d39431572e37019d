/**
 * Start one role of the service (`lutmpc serve --role`): its party-link
 * listener (mutual TLS), its HTTPS API, and the dealer's or compute party's
 * service. `close()` is the graceful shutdown: refuse new sessions (503),
 * let running sessions and dealings finish for up to `graceMs`, abort what
 * is left (those sessions fail with a clear error, nothing hangs), then stop
 * both listeners.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { ListenError } from '../errors.js';
import type { IntProgram } from '../model/program.js';
import { resolveProgram } from '../secure/model-source.js';
import type { Address } from '../mpc/transport/tcp.js';
import { ComputeService } from './compute.js';
import { readIdentity, ROLE_ID, type Role, type ServeConfig, type ServerId } from './config.js';
import { DealerService } from './dealer.js';
import { buildApi } from './http.js';
import { Metrics } from './metrics.js';
import { PeerListener } from './peer-net.js';

export interface StartOptions {
  /** Dealer: use this compiled program instead of compiling cfg.model (tests). */
  program?: IntProgram;
  /** A logger (default: pino to stdout at cfg.log.level). */
  logger?: Logger;
  /** Dealer's pool supervision period (ms). */
  tickMs?: number;
}

export interface RoleHandle {
  role: Role;
  http: Address;
  peer: Address;
  compute?: ComputeService;
  dealer?: DealerService;
  metrics: Metrics;
  close(graceMs?: number): Promise<void>;
}

const TOKENIZER_FILES = ['tokenizer.json', 'vocab.txt', 'tokenizer_config.json', 'special_tokens_map.json'];

/** The public tokenizer files of a model folder (sent to P1/P2 for clients). */
export function tokenizerFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of TOKENIZER_FILES) if (existsSync(join(dir, f))) out[f] = readFileSync(join(dir, f), 'utf8');
  return out;
}

/** Open one listener; a failure (port taken, address not local) names the role, the listener and its address. */
async function listenOn<T>(id: ServerId, what: ListenError['listener'], at: Address, open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (e) {
    throw new ListenError(`${id}: cannot open the ${what} listener on ${at.host}:${at.port}: ${(e as Error).message}`, what, `${at.host}:${at.port}`, { cause: e });
  }
}

export async function startRole(cfg: ServeConfig, role: Role, o: StartOptions = {}): Promise<RoleHandle> {
  const id = ROLE_ID[role];
  const log = (o.logger ?? pino({ level: cfg.log.level })).child({ role: id });
  const tlsId = readIdentity(cfg, role);
  const metrics = new Metrics();
  const sec = cfg.parties[role];
  let compute: ComputeService | undefined;
  let dealer: DealerService | undefined;
  if (role === 'dealer') {
    let program = o.program;
    if (!program) {
      const t0 = performance.now();
      const m = await resolveProgram({ modelDir: cfg.model.dir, programPath: cfg.model.program, calibPath: cfg.model.calib, calibLimit: cfg.model.calibLimit, bits: cfg.model.bits, warn: (msg) => log.warn(msg) });
      program = m.program;
      log.info({ source: m.source, ms: Math.round(performance.now() - t0) }, 'model loaded');
    }
    dealer = new DealerService(cfg, program, tokenizerFiles(cfg.model.dir), tlsId, log, metrics, o.tickMs);
    metrics.gauge('deployed', () => (dealer!.ready ? 1 : 0));
  } else {
    compute = new ComputeService(id as 'P1' | 'P2', cfg, tlsId, log, metrics);
    const c = compute;
    metrics.gauge('sessions_active', () => c.activeSessions);
    metrics.gauge('pool_ready_items', () => c.pool.status().readyItems);
    metrics.gauge('material_consumed', () => c.pool.takenCount);
  }
  const peer = await listenOn(id, 'peer link', sec.peer, () => PeerListener.listen(id, tlsId, sec.peer, (inc) => (dealer ? dealer.onIncoming(inc) : compute!.onIncoming(inc)), (msg, extra) => log.warn(extra ?? {}, msg), cfg.limits.messageTimeoutMs));
  let stopping = false;
  let app: Awaited<ReturnType<typeof buildApi>> | undefined;
  try {
    app = await buildApi(
      cfg,
      {
        id,
        metrics,
        compute,
        model: () => (dealer ? dealer.info : compute!.deployment?.info),
        ready: () => {
          if (stopping) return { ready: false, reason: 'shutting down' };
          if (dealer) return dealer.ready ? { ready: true } : { ready: false, reason: 'model not yet deployed to P1 and P2 (or one is unreachable)' };
          const why = compute!.notReady();
          return why ? { ready: false, reason: why } : { ready: true };
        },
        extraStatus: () => (dealer ? { epoch: dealer.epoch ?? null, pool: dealer.lastStatus ?? null } : { epoch: compute!.deployment?.epoch ?? null, pool: compute!.pool.status(), sessions: compute!.activeSessions }),
      },
      log,
      { key: tlsId.key, cert: tlsId.cert },
    );
    const api = app;
    await listenOn(id, 'HTTP API', sec.http, () => api.listen({ host: sec.http.host, port: sec.http.port }));
  } catch (e) {
    // A half-started role would look alive to the other roles (its peer link answers): close what opened, so the process ends.
    await app?.close().catch(() => undefined);
    await peer.close(true);
    throw e;
  }
  const ha = app.server.address() as { address: string; port: number };
  log.info({ http: `${ha.address}:${ha.port}`, peer: `${peer.address.host}:${peer.address.port}` }, `${id} listening`);
  dealer?.start();
  compute?.startPeerChecks();
  let closing: Promise<void> | undefined;
  return {
    role,
    http: { host: ha.address, port: ha.port },
    peer: peer.address,
    compute,
    dealer,
    metrics,
    close: (graceMs = 10_000) =>
      (closing ??= (async () => {
        stopping = true;
        log.info({ graceMs }, 'shutting down: finishing in-flight sessions');
        await dealer?.shutdown(graceMs);
        await compute?.shutdown(graceMs);
        await app.close();
        await peer.close(true);
        log.info('stopped');
      })()),
  };
}
