/**
 * A compute party (P1 or P2) of the inference service.
 *
 * State: the current deployment (epoch, public shape, this party's weight
 * shares, dealt once by P0) and the pool of pre-dealt sessions. Incoming
 * server connections (peer-net.ts): 'deploy' and 'deal' from P0, 'session'
 * from P1 (at P2), 'rpc' status queries.
 *
 * One client session (P1 leads; steps in order):
 *   1. P1 `open(T)`: takes a pooled item of length T (consumed once), dials
 *      P2 with {sid, epoch, item, T}; P2 takes the same item id or refuses
 *      (P1 then drops it and tries another).
 *   2. Both build a Party for the session: links to the other compute party
 *      (the session's own TLS connection) and to C (a RelayPipe carried by
 *      HTTP); setup sends P1's and P2's client seeds into the relays.
 *   3. The client gets the seeds (P1: open, P2: join), sends its share of the
 *      one-hot input to P2 (exchange), and both parties run the online
 *      forward; their logit shares go to C through the relays (exchange
 *      responses).
 *   4. Any failure aborts that session's Party only (its two links); other
 *      sessions have their own connections and material.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { LutmpcError, PeerError, ProtocolError, ShapeError } from '../errors.js';
import { Offline } from '../mpc/dealer.js';
import { MemoryStore } from '../mpc/material.js';
import { Party } from '../mpc/party.js';
import { Link } from '../mpc/transport/link.js';
import type { Address, PartyId } from '../mpc/transport/tcp.js';
import { OfflineEngine, OnlineEngine } from '../secure/engine.js';
import { secureForward, shareWeights, type PublicShape, type SecureOptions, type WeightShares } from '../secure/forward.js';
import { MAX_FRAME } from '../secure/limits.js';
import type { ServeConfig, ServerId } from './config.js';
import { Metrics } from './metrics.js';
import { dialLink, rpc, type Incoming, type TlsIdentity } from './peer-net.js';
import { MaterialPool, type PoolItem } from './pool.js';
import { RelayPipe, type RelayMessage } from './relay.js';

/** What P0 tells P1/P2 about a model at deployment (public). */
export interface ModelInfo {
  name: string;
  shape: PublicShape;
  labels: string[];
  secure: SecureOptions;
  maxTokens: number;
  /** Tokenizer files (public vocabulary) for clients that have none. */
  tokenizer: Record<string, string>;
}

interface Deployment {
  epoch: string;
  info: ModelInfo;
  ws: WeightShares;
}

/**
 * Whether a session's outgoing messages to the client hold this party's
 * input-mask key (input.ts), sent after its seed: the open / join answer
 * waits for it, since the client cannot send its input before.
 */
function holdsInputKey(relay: RelayPipe): boolean {
  return relay.outbox.some((x) => x.tag.endsWith(':input'));
}

/** An HTTP-visible error with a status code. */
export class HttpError extends LutmpcError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface Session {
  sid: string;
  /** Name of the client (token) that opened it; only that client may join and exchange. */
  client: string;
  T: number;
  item: string;
  relay: RelayPipe;
  party?: Party;
  ready: Promise<Party>;
  done: Promise<void>;
  joined: boolean;
  exchanged: boolean;
  /** The client gave it up (DELETE, or it left before the session id reached it). */
  cancelled?: boolean;
  started: number;
  expiry?: NodeJS.Timeout;
}

export class ComputeService {
  deployment: Deployment | undefined;
  readonly pool: MaterialPool;
  private readonly sessions = new Map<string, Session>();
  private readonly sessionWaiters = new Map<string, (() => void)[]>();
  private stopping = { aborted: false };
  private deals = new Set<Promise<unknown>>();
  /** Items being dealt right now, by id (P2 waits for one P1 already has). */
  private readonly dealing = new Map<string, Promise<void>>();
  /** P1's view of P2: reachable with the same deployment epoch, and why not. */
  private peerState: { ok: boolean; why: string; at: number } = { ok: false, why: 'not checked yet', at: 0 };
  private healthTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: 'P1' | 'P2',
    readonly cfg: ServeConfig,
    private readonly tlsId: TlsIdentity,
    private readonly log: Logger,
    readonly metrics: Metrics,
  ) {
    this.pool = new MaterialPool(cfg.pool.maxLengths);
  }

  private get linkOpts() {
    return { timeoutMs: this.cfg.limits.messageTimeoutMs, maxFrameBytes: MAX_FRAME };
  }

  private addr(id: ServerId): Address {
    const r = id === 'P0' ? 'dealer' : id === 'P1' ? 'p1' : 'p2';
    return this.cfg.parties[r].peer;
  }

  /** P1: check P2 every `periodMs` (sessions are refused at once while it is down). */
  startPeerChecks(periodMs = 1000): void {
    if (this.id !== 'P1') return;
    const loop = (): void => {
      void this.checkPeer().finally(() => {
        if (!this.stopping.aborted) {
          this.healthTimer = setTimeout(loop, periodMs);
          this.healthTimer.unref();
        }
      });
    };
    loop();
  }

  private async checkPeer(): Promise<boolean> {
    try {
      const st = await rpc('P1', 'P2', this.addr('P2'), this.tlsId, 'status', {}, this.cfg.limits.messageTimeoutMs);
      const mine = this.deployment?.epoch;
      this.peerState = st['epoch'] === mine ? { ok: true, why: '', at: Date.now() } : { ok: false, why: `P2 has deployment ${String(st['epoch'])}, P1 has ${mine ?? 'none'} (redeployment pending)`, at: Date.now() };
    } catch (e) {
      if (this.peerState.ok) this.log.warn({ err: (e as Error).message }, 'P2 is unreachable');
      this.peerState = { ok: false, why: `P2 is unreachable: ${(e as Error).message}`, at: Date.now() };
    }
    return this.peerState.ok;
  }

  /** Why this party cannot take sessions now (undefined: it can). */
  notReady(): string | undefined {
    if (this.stopping.aborted) return 'shutting down';
    if (!this.deployment) return 'waiting for the dealer to deploy the model';
    if (this.id === 'P1' && !this.peerState.ok) return this.peerState.why;
    return undefined;
  }

  get activeSessions(): number {
    return this.sessions.size;
  }

  // ---- incoming server connections ----------------------------------------------------

  onIncoming(c: Incoming): void {
    const h = c.hello;
    if (h.kind === 'rpc') return this.onRpc(c);
    if (this.stopping.aborted) return c.reject(`${this.id} is shutting down`);
    if (h.kind === 'deploy' && h.from === 'P0') return void this.onDeploy(c);
    if (h.kind === 'deal' && h.from === 'P0') {
      const item = String(h['item']);
      const p = this.onDeal(c);
      this.dealing.set(item, p);
      void p.finally(() => this.dealing.delete(item));
      return void this.trackDeal(p);
    }
    if (h.kind === 'session' && h.from === 'P1' && this.id === 'P2') return void this.onSession(c);
    c.reject(`${this.id} does not accept '${h.kind}' from ${h.from}`);
  }

  private trackDeal(p: Promise<unknown>): void {
    this.deals.add(p);
    void p.finally(() => this.deals.delete(p));
  }

  private onRpc(c: Incoming): void {
    const op = c.hello['op'];
    if (op === 'status') return c.answer({ ok: true, epoch: this.deployment?.epoch ?? null, pool: this.pool.status(), sessions: this.sessions.size });
    if (op === 'wake') return c.answer({ ok: true });
    c.reject(`unknown rpc '${String(op)}'`);
  }

  private async onDeploy(c: Incoming): Promise<void> {
    const epoch = String(c.hello['epoch']);
    const info = c.hello['model'] as ModelInfo;
    const link = c.accept({}, this.linkOpts);
    let party: Party | undefined;
    try {
      party = await Party.create(this.id, new Map<PartyId, Link>([['P0', link]]));
      party.phase = 'setup';
      const ws = await shareWeights(new Offline(party), info.shape);
      await party.close();
      this.pool.clear();
      this.deployment = { epoch, info, ws };
      this.metrics.inc('deployments');
      this.log.info({ epoch, model: info.name }, 'model deployed: weight shares received');
    } catch (e) {
      party?.abort(e as Error);
      link.fail(e as Error);
      this.log.error({ err: (e as Error).message, epoch }, 'deployment failed');
    }
  }

  private async onDeal(c: Incoming): Promise<void> {
    const d = this.deployment;
    const epoch = String(c.hello['epoch']);
    const item = String(c.hello['item']);
    const T = Number(c.hello['T']);
    if (!d || d.epoch !== epoch) return c.reject(`${this.id} has deployment ${d?.epoch ?? 'none'}, not ${epoch}`);
    if (!Number.isInteger(T) || T < 1 || T > d.info.shape.maxPositions) return c.reject(`bad length ${T}`);
    if (this.pool.hasConsumed(item)) return c.reject(`material '${item}' was already consumed here: refused (no reuse)`);
    const link = c.accept({}, this.linkOpts);
    const store = new MemoryStore(this.id);
    let party: Party | undefined;
    const t0 = performance.now();
    try {
      party = await Party.create(this.id, new Map<PartyId, Link>([['P0', link]]), { store });
      party.phase = 'offline';
      await secureForward(new OfflineEngine(new Offline(party)), d.info.shape, T, d.ws, undefined, d.info.secure);
      await party.close();
      if (this.deployment !== d) throw new ProtocolError(`deployment changed while dealing '${item}'`);
      this.pool.add({ id: item, epoch, T, store });
      this.metrics.inc('dealings');
      this.metrics.observe('deal_ms', performance.now() - t0);
      this.log.debug({ item, T, ms: Math.round(performance.now() - t0) }, 'session material dealt');
    } catch (e) {
      party?.abort(e as Error);
      link.fail(e as Error);
      this.metrics.inc('dealings_failed');
      this.log.warn({ item, err: (e as Error).message }, 'dealing failed');
    }
  }

  // ---- sessions -----------------------------------------------------------------------

  private checkOpen(model: string, T?: number, existing = false): Deployment {
    const d = this.deployment;
    // While shutting down, sessions already running may still finish.
    if (this.stopping.aborted && !existing) throw new HttpError(503, `${this.id} is shutting down`);
    if (!d) throw new HttpError(503, `${this.id} has no model deployed yet (waiting for the dealer)`);
    if (model !== d.info.name) throw new HttpError(404, `unknown model '${model}' (this deployment serves '${d.info.name}')`);
    if (T !== undefined && (!Number.isInteger(T) || T < 2 || T > d.info.maxTokens)) throw new HttpError(413, `tokens must be an integer in 2..${d.info.maxTokens}, got ${T}`);
    return d;
  }

  private runSession(s: Session, d: Deployment, party: Party): Promise<void> {
    return (async () => {
      try {
        const t0 = performance.now();
        await secureForward(new OnlineEngine(party), d.info.shape, s.T, d.ws, undefined, d.info.secure);
        // Online phase: from the session's setup to the logit shares sent (includes waiting for the client's input).
        this.metrics.observe('online_ms', performance.now() - t0);
        await party.close();
        this.metrics.inc('sessions_ok');
        this.metrics.observe('session_ms', performance.now() - s.started);
        this.log.info({ sid: s.sid, item: s.item, T: s.T, ms: Math.round(performance.now() - s.started) }, 'session done');
      } catch (e) {
        party.abort(e as Error);
        // A session's failure (even one P2 aborted, e.g. on a malformed share)
        // must not refuse other sessions: P2's availability is the probe's call.
        // A cancelled one is counted as such (cancel), not as a failure.
        if (!s.cancelled) {
          this.metrics.inc('sessions_failed');
          this.log.warn({ sid: s.sid, item: s.item, err: (e as Error).message }, 'session failed');
        }
        throw e;
      }
    })();
  }

  private register(s: Session): void {
    this.sessions.set(s.sid, s);
    void s.done.catch(() => undefined);
    // Forget the session once finished and not picked up within the message timeout;
    // a failed one no client has joined at once (nobody will ask for its error).
    const expire = (): void => {
      s.expiry = setTimeout(() => this.sessions.delete(s.sid), this.cfg.limits.messageTimeoutMs);
      s.expiry.unref();
    };
    void s.done.then(expire, () => (s.joined ? expire() : this.sessions.delete(s.sid)));
    for (const w of this.sessionWaiters.get(s.sid) ?? []) w();
    this.sessionWaiters.delete(s.sid);
  }

  /**
   * P1: start a session of T tokens; returns its id and P1's messages to the
   * client (its seed). `gone` tells whether the client's connection closed:
   * then P1 stops waiting for material, or cancels a session just opened.
   */
  async open(model: string, T: number, client = 'client', gone?: () => boolean): Promise<{ sessionId: string; messages: RelayMessage[] }> {
    if (this.id !== 'P1') throw new HttpError(404, 'sessions are opened on P1');
    const d = this.checkOpen(model, T);
    if (this.sessions.size >= this.cfg.limits.maxSessions) throw new HttpError(503, `too many sessions in progress (${this.sessions.size}); retry later`);
    if (!this.peerState.ok && !(await this.checkPeer())) throw new HttpError(503, this.peerState.why);
    const started = performance.now();
    for (let attempt = 0; ; attempt++) {
      const item: PoolItem = await this.pool
        .acquire(T, this.cfg.limits.materialWaitMs, () => void this.wakeDealer(), d.epoch, () => this.notReady() ?? (gone?.() ? 'the client closed the connection while its session waited for material' : undefined))
        .catch((e: Error) => {
          throw new HttpError(503, e.message);
        });
      this.metrics.observe('material_wait_ms', performance.now() - started);
      const sid = randomUUID();
      let link: Link;
      try {
        ({ link } = await dialLink('P1', 'P2', this.addr('P2'), this.tlsId, { kind: 'session', sid, epoch: d.epoch, item: item.id, T, client }, this.linkOpts, this.cfg.limits.messageTimeoutMs));
      } catch (e) {
        this.log.warn({ item: item.id, err: (e as Error).message }, 'P2 refused the session');
        if (attempt < 2 && /unknown here/.test((e as Error).message)) continue;
        this.peerState = { ok: false, why: `P2 is unavailable: ${(e as Error).message}`, at: Date.now() };
        throw new HttpError(502, `P2 is unavailable: ${(e as Error).message}`);
      }
      const relay = new RelayPipe('C');
      const linkC = new Link('P1', 'C', relay, this.linkOpts);
      const ready = Party.create('P1', new Map<PartyId, Link>([['P2', link], ['C', linkC]]), { store: item.store });
      const s: Session = { sid, client, T, item: item.id, relay, ready, done: Promise.resolve(), joined: true, exchanged: false, started };
      s.done = ready.then((p) => {
        s.party = p;
        p.phase = 'online';
        return this.runSession(s, d, p);
      });
      this.register(s);
      await ready.catch((e: Error) => {
        throw new HttpError(502, `session setup failed: ${e.message}`);
      });
      await relay.until(() => holdsInputKey(relay));
      this.metrics.inc('sessions_opened');
      // The client went away before its session id could reach it (an aborted call): nobody can join or cancel it.
      if (gone?.()) {
        this.cancel(sid, client);
        throw new HttpError(499, 'the client closed the connection before its session opened');
      }
      return { sessionId: sid, messages: relay.drain() };
    }
  }

  private async wakeDealer(): Promise<void> {
    try {
      await rpc(this.id, 'P0', this.addr('P0'), this.tlsId, 'wake', {}, this.cfg.limits.messageTimeoutMs);
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'could not wake the dealer');
    }
  }

  /** P2: a session announced by P1. */
  private async onSession(c: Incoming): Promise<void> {
    const h = c.hello;
    const sid = String(h['sid']);
    const T = Number(h['T']);
    const d = this.deployment;
    if (!d || d.epoch !== h['epoch']) return c.reject(`P2 has deployment ${d?.epoch ?? 'none'}, not ${String(h['epoch'])}`);
    if (this.sessions.has(sid)) return c.reject(`session ${sid} already exists`);
    let item: PoolItem;
    try {
      // P1 may finish storing an item a moment before P2 does: wait for P2's half.
      const pending = this.dealing.get(String(h['item']));
      if (pending) await pending;
      item = this.pool.take(String(h['item']), T);
    } catch (e) {
      return c.reject((e as Error).message);
    }
    const link = c.accept({}, this.linkOpts);
    const relay = new RelayPipe('C');
    const linkC = new Link('P2', 'C', relay, this.linkOpts);
    const ready = Party.create('P2', new Map<PartyId, Link>([['P1', link], ['C', linkC]]), { store: item.store });
    const s: Session = { sid, client: String(h['client']), T, item: item.id, relay, ready, done: Promise.resolve(), joined: false, exchanged: false, started: performance.now() };
    s.done = ready.then(
      (p) => {
        s.party = p;
        p.phase = 'online';
        return this.runSession(s, d, p);
      },
      (e: Error) => {
        relay.fail(e);
        throw e;
      },
    );
    this.register(s);
  }

  private async findSession(sid: string, waitMs: number): Promise<Session> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const s = this.sessions.get(sid);
      if (s) return s;
      const left = deadline - Date.now();
      if (left <= 0) throw new HttpError(404, `unknown session '${sid}'`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        const list = this.sessionWaiters.get(sid) ?? [];
        list.push(() => {
          clearTimeout(t);
          r();
        });
        this.sessionWaiters.set(sid, list);
      });
    }
  }

  /** P2: the client joins the session P1 opened; returns P2's seed and input-mask key messages. */
  async join(model: string, sid: string, client = 'client'): Promise<{ messages: RelayMessage[] }> {
    if (this.id !== 'P2') throw new HttpError(404, 'sessions are joined on P2');
    this.checkOpen(model, undefined, true);
    const s = await this.findSession(sid, 5000);
    if (s.client !== client) throw new HttpError(404, `unknown session '${sid}'`);
    if (s.joined) throw new HttpError(409, `session ${sid} was already joined`);
    s.joined = true;
    try {
      await s.relay.until(() => holdsInputKey(s.relay));
    } catch (e) {
      throw new HttpError(502, `session ${sid} failed: ${(await s.done.catch((x: Error) => x))?.message ?? (e as Error).message}`);
    }
    return { messages: s.relay.drain() };
  }

  /** Both: deliver the client's messages, wait for the end of the session, return this party's messages to the client. */
  async exchange(model: string, sid: string, msgs: RelayMessage[], maxBytes: number, client = 'client'): Promise<{ messages: RelayMessage[] }> {
    this.checkOpen(model, undefined, true);
    const s = this.sessions.get(sid);
    if (!s || s.client !== client) throw new HttpError(404, `unknown session '${sid}'`);
    if (s.exchanged) throw new HttpError(409, `session ${sid} already received the client's messages`);
    if (!s.joined) throw new HttpError(409, `session ${sid} must be joined first`);
    let bytes = 0;
    for (const m of msgs) {
      bytes += m.data.byteLength;
      if (!/^c#\d+:[a-z]+$/.test(m.tag)) throw new HttpError(400, `message tag '${m.tag}' is not a client tag`);
    }
    if (bytes > maxBytes) throw new HttpError(413, `client messages of ${bytes} bytes exceed ${maxBytes}`);
    s.exchanged = true;
    try {
      if (msgs.length) s.relay.inject(msgs);
      await s.done;
    } catch (e) {
      this.sessions.delete(sid);
      const err = e as Error;
      const who = err instanceof PeerError ? ` (peer ${err.peer})` : '';
      throw new HttpError(err instanceof ShapeError ? 400 : 502, `session ${sid} failed${who}: ${err.message}`);
    }
    if (s.expiry) clearTimeout(s.expiry);
    this.sessions.delete(sid);
    return { messages: s.relay.drain() };
  }

  /**
   * Both: the client gave the session up (its call was aborted or failed on
   * its side). The session ends here now instead of holding a slot until
   * the message timeout; the other server's half fails on the broken link
   * (and the client cancels it there too). Its material stays consumed.
   */
  cancel(sid: string, client = 'client'): { cancelled: true } {
    const s = this.sessions.get(sid);
    if (!s || s.client !== client) throw new HttpError(404, `unknown session '${sid}'`);
    this.sessions.delete(sid);
    if (s.expiry) clearTimeout(s.expiry);
    s.cancelled = true;
    const why = new LutmpcError(`session ${sid} was cancelled by the client`);
    s.relay.fail(why);
    if (s.party) s.party.abort(why);
    else void s.ready.then((p) => p.abort(why), () => undefined);
    this.metrics.inc('sessions_cancelled');
    this.log.info({ sid, item: s.item }, 'session cancelled by the client');
    return { cancelled: true };
  }

  /** Graceful stop: refuse new work, let running sessions finish (up to graceMs), then abort the rest. */
  async shutdown(graceMs: number): Promise<void> {
    this.stopping.aborted = true;
    clearTimeout(this.healthTimer);
    this.pool.wakeAll();
    const running = [...this.sessions.values()].map((s) => s.done.catch(() => undefined));
    const all = Promise.all([...running, ...[...this.deals].map((p) => p.catch(() => undefined))]);
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([all.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs)))]);
    clearTimeout(timer);
    if (late) {
      const e = new PeerError(`${this.id} is shutting down: session aborted`, this.id);
      for (const s of this.sessions.values()) {
        s.party?.abort(e);
        s.relay.fail(e);
      }
      await Promise.race([all, new Promise((r) => setTimeout(r, 1000))]);
    }
    for (const s of this.sessions.values()) if (s.expiry) clearTimeout(s.expiry);
    this.sessions.clear();
  }
}
