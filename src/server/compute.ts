/**
 * A compute party (P1 or P2) of the inference service.
 *
 * State: the current deployment (epoch, public shape, this party's weight
 * shares, dealt once by P0) and the pool of pre-dealt sessions. Incoming
 * server connections (peer-net.ts): 'deploy' and 'deal' from P0, 'session'
 * from P1 (at P2), 'rpc' status queries.
 *
 * One client session (P1 leads; steps in order):
 *   1. P1 `open(n)`: picks the length T a session of n tokens runs on (the
 *      smallest pool.padTo length ≥ n, else n: the dealer only ever sees T),
 *      takes a pooled item of length T (consumed once), dials P2 with {sid,
 *      epoch, item, T, tokens n}; P2 takes the same item id or refuses (P1
 *      then drops it and tries another). The client pads its ids to T.
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
  /** Positions its material was dealt for (what P0 knows). */
  T: number;
  /** The client's token count ≤ T (the rest is padding, pool.padTo). */
  tokens: number;
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
  /** Its protocol ended (done or failed): it no longer holds a slot, only its answer or error awaits pickup. */
  settled?: boolean;
}

export class ComputeService {
  deployment: Deployment | undefined;
  readonly pool: MaterialPool;
  private readonly sessions = new Map<string, Session>();
  private readonly sessionWaiters = new Map<string, (() => void)[]>();
  private stopping = { aborted: false };
  /** P1: slots held by opens not registered (nor failed) yet; they count against maxSessions. */
  private reserved = 0;
  /** The shutdown is over: even sessions opened before it began are refused now. */
  private closed = false;
  /** P1: opens past the maxSessions check and not yet registered or failed (each holds a slot). */
  private readonly opening = new Set<Promise<unknown>>();
  /** P2: sessions P1 announced that wait for P2's half of their material before registering. */
  private readonly joining = new Set<Promise<unknown>>();
  private deals = new Set<Promise<unknown>>();
  /** Items being dealt right now, by id (P2 waits for one P1 already has). */
  private readonly dealing = new Map<string, Promise<void>>();
  /** P1's view of P2: reachable with the same deployment epoch, and why not. */
  private peerState: { ok: boolean; why: string; at: number } = { ok: false, why: 'not checked yet', at: 0 };
  /** P1's view of the dealer P0: reachable or not (without it no new material comes). */
  private dealerState: { ok: boolean; why: string } = { ok: false, why: 'the dealer (P0) was not checked yet' };
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
      void Promise.all([this.checkPeer(), this.checkDealer()]).finally(() => {
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
      if (st['stopping'] === true) return this.peerStopping();
      this.peerState = st['epoch'] === mine ? { ok: true, why: '', at: Date.now() } : { ok: false, why: `P2 has deployment ${String(st['epoch'])}, P1 has ${mine ?? 'none'} (redeployment pending)`, at: Date.now() };
    } catch (e) {
      if (this.peerState.ok) this.log.warn({ err: (e as Error).message }, 'P2 is unreachable');
      this.peerState = { ok: false, why: `P2 is unreachable: ${(e as Error).message}`, at: Date.now() };
    }
    return this.peerState.ok;
  }

  /** P2 is shutting down: it still takes the sessions P1 opened already, so P1 must stop opening new ones. */
  private peerStopping(): boolean {
    this.peerState = { ok: false, why: 'P2 is shutting down', at: Date.now() };
    return false;
  }

  /** P1: whether the dealer answers (the wake also asks it to deal for waiting sessions now). */
  private async checkDealer(op: 'status' | 'wake' = 'status'): Promise<boolean> {
    try {
      await rpc(this.id, 'P0', this.addr('P0'), this.tlsId, op, {}, this.cfg.limits.messageTimeoutMs);
      this.dealerState = { ok: true, why: '' };
    } catch (e) {
      if (this.dealerState.ok) this.log.warn({ err: (e as Error).message }, 'the dealer (P0) is unreachable');
      this.dealerState = { ok: false, why: `the dealer (P0) is unreachable: ${(e as Error).message}` };
    }
    return this.dealerState.ok;
  }

  /** Why this party cannot take sessions now (undefined: it can). */
  notReady(): string | undefined {
    if (this.stopping.aborted) return 'shutting down';
    if (!this.deployment) return 'waiting for the dealer to deploy the model';
    if (this.id === 'P1' && !this.peerState.ok) return this.peerState.why;
    // Pooled material still serves sessions without the dealer; with none, every open would wait in vain.
    if (this.id === 'P1' && !this.dealerState.ok && this.pool.status().readyItems === 0) return `${this.dealerState.why} and no offline material is pooled`;
    return undefined;
  }

  /** P1: opens holding a slot that have not registered their session yet. */
  get opensInProgress(): number {
    return this.reserved;
  }

  /** Sessions still running (a finished or failed one kept for its client's pickup holds no slot). */
  get activeSessions(): number {
    let n = 0;
    for (const s of this.sessions.values()) if (!s.settled) n++;
    return n;
  }

  // ---- incoming server connections ----------------------------------------------------

  onIncoming(c: Incoming): void {
    const h = c.hello;
    if (h.kind === 'rpc') return this.onRpc(c);
    // P1 refuses new sessions itself once it knows P2 stops; one it opened before that must still run here.
    const opened = h.kind === 'session' && !this.closed;
    if (this.stopping.aborted && !opened) return c.reject(`${this.id} is shutting down`);
    if (h.kind === 'deploy' && h.from === 'P0') return void this.onDeploy(c);
    if (h.kind === 'deal' && h.from === 'P0') {
      const item = String(h['item']);
      const p = this.onDeal(c);
      this.dealing.set(item, p);
      void p.finally(() => this.dealing.delete(item));
      return void this.trackDeal(p);
    }
    if (h.kind === 'session' && h.from === 'P1' && this.id === 'P2') {
      // Tracked until it registers: it may wait for a dealing, and the shutdown must not miss it.
      const p = this.onSession(c);
      this.joining.add(p);
      return void p.finally(() => this.joining.delete(p));
    }
    c.reject(`${this.id} does not accept '${h.kind}' from ${h.from}`);
  }

  private trackDeal(p: Promise<unknown>): void {
    this.deals.add(p);
    void p.finally(() => this.deals.delete(p));
  }

  private onRpc(c: Incoming): void {
    const op = c.hello['op'];
    if (op === 'status') return c.answer({ ok: true, epoch: this.deployment?.epoch ?? null, pool: this.pool.status(), sessions: this.activeSessions, stopping: this.stopping.aborted });
    if (op === 'wake') return c.answer({ ok: true });
    // P2 stopping asks whether P1 still has opens that may announce sessions to it (and P1 opens no more).
    if (op === 'opens' && c.hello.from === 'P2' && this.id === 'P1') {
      if (c.hello['stopping'] === true) this.peerStopping();
      return c.answer({ ok: true, opens: this.reserved });
    }
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
    // 413 only for a well-formed count the service cannot take; a count no text has is malformed (400).
    if (T !== undefined && (!Number.isInteger(T) || T < 2)) throw new HttpError(400, `tokens must be an integer in 2..${d.info.maxTokens}, got ${T}`);
    if (T !== undefined && T > d.info.maxTokens) throw new HttpError(413, `tokens must be an integer in 2..${d.info.maxTokens}, got ${T}`);
    return d;
  }

  private runSession(s: Session, d: Deployment, party: Party): Promise<void> {
    return (async () => {
      try {
        const t0 = performance.now();
        await secureForward(new OnlineEngine(party), d.info.shape, s.T, d.ws, undefined, d.info.secure, s.tokens);
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
    // It stops counting against maxSessions and /ready once its protocol ends, even while its error awaits pickup.
    void s.done.finally(() => (s.settled = true)).catch(() => undefined);
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
  async open(model: string, tokens: number, client = 'client', gone?: () => boolean): Promise<{ sessionId: string; messages: RelayMessage[]; positions: number }> {
    if (this.id !== 'P1') throw new HttpError(404, 'sessions are opened on P1');
    const d = this.checkOpen(model, tokens);
    const T = this.positionsFor(tokens);
    // The slot is taken here, before any wait: a check that counted registered sessions only would let every concurrent open through.
    const inUse = this.activeSessions + this.reserved;
    if (inUse >= this.cfg.limits.maxSessions) throw new HttpError(503, `too many sessions in progress (${inUse}); retry later`);
    this.reserved++;
    let held = true;
    const release = (): void => {
      if (held) this.reserved--;
      held = false;
    };
    const p = this.openSession(d, T, tokens, client, release, gone).finally(release);
    // The shutdown waits for opens already past this point (their clients get a session id).
    this.opening.add(p);
    void p.then(() => this.opening.delete(p), () => this.opening.delete(p));
    return p;
  }

  /** P1's open once its slot is held; `release` hands the slot over to the registered session. */
  private async openSession(d: Deployment, T: number, tokens: number, client: string, release: () => void, gone?: () => boolean): Promise<{ sessionId: string; messages: RelayMessage[]; positions: number }> {
    if (!this.peerState.ok && !(await this.checkPeer())) throw new HttpError(503, this.peerState.why);
    // With nothing pooled for T only the dealer can help: if it is unreachable, say so now, not after materialWaitMs.
    let woken = false;
    if (!this.pool.hasReady(T, d.epoch)) {
      if (!(await this.checkDealer('wake'))) throw new HttpError(503, `no offline material for ${T} tokens is pooled and ${this.dealerState.why}`);
      woken = true;
    }
    const wake = (): void => {
      if (!woken) void this.checkDealer('wake');
      woken = false;
    };
    const started = performance.now();
    for (let attempt = 0; ; attempt++) {
      const item: PoolItem = await this.pool
        .acquire(T, this.cfg.limits.materialWaitMs, wake, d.epoch, () => this.notReady() ?? this.noDealer(T) ?? (gone?.() ? 'the client closed the connection while its session waited for material' : undefined))
        .catch((e: Error) => {
          throw new HttpError(503, e.message);
        });
      this.metrics.observe('material_wait_ms', performance.now() - started);
      const sid = randomUUID();
      let link: Link;
      try {
        let reply: Record<string, unknown>;
        ({ link, reply } = await dialLink('P1', 'P2', this.addr('P2'), this.tlsId, { kind: 'session', sid, epoch: d.epoch, item: item.id, T, tokens, client }, this.linkOpts, this.cfg.limits.messageTimeoutMs));
        // P2 took this session though it is stopping (it was opened here first): open no more on it.
        if (reply['stopping'] === true) this.peerStopping();
      } catch (e) {
        this.log.warn({ item: item.id, err: (e as Error).message }, 'P2 refused the session');
        if (attempt < 2 && /unknown here/.test((e as Error).message)) continue;
        this.peerState = { ok: false, why: `P2 is unavailable: ${(e as Error).message}`, at: Date.now() };
        throw new HttpError(502, `P2 is unavailable: ${(e as Error).message}`);
      }
      const relay = new RelayPipe('C');
      const linkC = new Link('P1', 'C', relay, this.linkOpts);
      const ready = Party.create('P1', new Map<PartyId, Link>([['P2', link], ['C', linkC]]), { store: item.store });
      const s: Session = { sid, client, T, tokens, item: item.id, relay, ready, done: Promise.resolve(), joined: true, exchanged: false, started };
      s.done = ready.then((p) => {
        s.party = p;
        p.phase = 'online';
        return this.runSession(s, d, p);
      });
      release();
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
      return { sessionId: sid, messages: relay.drain(), positions: T };
    }
  }

  /**
   * P1: the positions a session of `tokens` runs on (pool.padTo: the
   * smallest padded length that holds it; none configured: the count
   * itself). Only this reaches the dealer, through the lengths it deals.
   */
  private positionsFor(tokens: number): number {
    const pads = this.cfg.pool.padTo;
    if (pads.length === 0) return tokens;
    const fit = pads.filter((n) => n >= tokens);
    if (fit.length === 0) throw new HttpError(413, `${tokens} tokens: sessions are padded to ${[...pads].sort((a, b) => a - b).join(', ')} positions, the longest holds ${Math.max(...pads)}`);
    return Math.min(...fit);
  }

  /** P1, waiting for material of T tokens: why none can come (the dealer is unreachable), if so. */
  private noDealer(T: number): string | undefined {
    return this.dealerState.ok ? undefined : `no offline material for ${T} tokens: ${this.dealerState.why}`;
  }

  /** P2: a session announced by P1. */
  private async onSession(c: Incoming): Promise<void> {
    const h = c.hello;
    const sid = String(h['sid']);
    const T = Number(h['T']);
    const tokens = h['tokens'] === undefined ? T : Number(h['tokens']);
    if (!Number.isInteger(tokens) || tokens < 1 || tokens > T) return c.reject(`bad token count ${String(h['tokens'])} for ${T} positions`);
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
    const link = c.accept(this.stopping.aborted ? { stopping: true } : {}, this.linkOpts);
    const relay = new RelayPipe('C');
    const linkC = new Link('P2', 'C', relay, this.linkOpts);
    const ready = Party.create('P2', new Map<PartyId, Link>([['P1', link], ['C', linkC]]), { store: item.store });
    const s: Session = { sid, client: String(h['client']), T, tokens, item: item.id, relay, ready, done: Promise.resolve(), joined: false, exchanged: false, started: performance.now() };
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

  /**
   * Graceful stop: refuse new work, let running sessions finish (up to
   * graceMs), then abort the rest. Sessions opened before the refusal began
   * may register after this call starts (P1: an open past its checks; P2: a
   * session P1 dialled, or one waiting for its material): they are waited
   * for too.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.stopping.aborted = true;
    clearTimeout(this.healthTimer);
    this.pool.wakeAll();
    const deadline = Date.now() + graceMs;
    if (this.id === 'P2') await this.awaitPeerOpens(deadline);
    if (!(await this.drain(deadline))) {
      const e = new PeerError(`${this.id} is shutting down: session aborted`, this.id);
      for (const s of this.sessions.values()) {
        s.party?.abort(e);
        s.relay.fail(e);
      }
      await Promise.race([Promise.all(this.pending()), new Promise((r) => setTimeout(r, 1000))]);
    }
    this.closed = true;
    for (const s of this.sessions.values()) if (s.expiry) clearTimeout(s.expiry);
    this.sessions.clear();
  }

  /**
   * P2: wait while P1 has opens past its checks, which may still announce
   * their sessions here (then the drain waits for those). The question also
   * tells P1 that P2 is stopping, so it starts no more. An unreachable P1
   * has none.
   */
  private async awaitPeerOpens(deadline: number): Promise<void> {
    const opens = async (): Promise<number> => {
      try {
        const r = await rpc('P2', 'P1', this.addr('P1'), this.tlsId, 'opens', { stopping: true }, Math.max(1, Math.min(2000, deadline - Date.now())));
        return Number(r['opens']) || 0;
      } catch {
        return 0;
      }
    };
    while (Date.now() < deadline && (await opens()) > 0) await new Promise((r) => setTimeout(r, 20));
  }

  /** What the shutdown waits for: running sessions, opens and announced sessions not registered yet, dealings. */
  private pending(): Promise<unknown>[] {
    const live = [...this.sessions.values()].filter((s) => !s.settled).map((s) => s.done);
    return [...live, ...this.opening, ...this.joining, ...this.deals].map((p) => p.catch(() => undefined));
  }

  /** Wait until nothing is pending, taking in work registered meanwhile; false if the deadline came first. */
  private async drain(deadline: number): Promise<boolean> {
    for (;;) {
      const pending = this.pending();
      if (pending.length === 0) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(pending), new Promise((r) => (timer = setTimeout(r, left)))]);
      clearTimeout(timer);
    }
  }
}
