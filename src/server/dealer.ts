/**
 * The dealer (P0, model owner) of the inference service.
 *
 * Deployment (once per epoch): P0 dials P1 and P2 ('deploy'), runs
 * `shareWeights` with its DealerModel — P1's weight shares come from the
 * P0–P1 seed, P2's travel — and keeps its own clear weights for dealing.
 * A new epoch is deployed whenever P1 or P2 reports another epoch (it
 * restarted and lost its shares); pooled material of the old epoch is then
 * useless and dropped by both.
 *
 * Pool (refilled in the background): every `tickMs`, and at once when P1
 * signals a miss, P0 asks P1 for its pool status (ready items per length,
 * sessions waiting, recently requested lengths) and deals new items:
 * waiting sessions first, then `perLength` items for configured and recent
 * lengths, within `maxItems` and `concurrency`. Each item is one offline
 * forward over its own connections (fresh seeds, fresh masks), with a unique
 * id `epoch.n`; P0 never sees anything derived from an input.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { Offline } from '../mpc/dealer.js';
import { Party } from '../mpc/party.js';
import type { Link } from '../mpc/transport/link.js';
import type { Address, PartyId } from '../mpc/transport/tcp.js';
import type { IntProgram } from '../model/program.js';
import { OfflineEngine } from '../secure/engine.js';
import { prepareDealerModel, type DealerModel } from '../secure/dealer-model.js';
import { secureForward, shareWeights, type PublicShape, type WeightShares } from '../secure/forward.js';
import { MAX_FRAME } from '../secure/limits.js';
import { publicShape } from '../secure/session.js';
import type { ServeConfig } from './config.js';
import type { ModelInfo } from './compute.js';
import { Metrics } from './metrics.js';
import { dialLink, rpc, type Incoming, type TlsIdentity } from './peer-net.js';

interface PoolStatus {
  ready: Record<string, number>;
  waiting: Record<string, number>;
  queue?: number[];
  recent: number[];
  readyItems: number;
}

export class DealerService {
  readonly info: ModelInfo;
  readonly shape: PublicShape;
  private readonly model: DealerModel;
  epoch: string | undefined;
  private ws: WeightShares | undefined;
  private readonly inflight = new Map<number, number>();
  /** Dealings started per length in this epoch (pool.refill = false stocks each length once). */
  private readonly stockedOnce = new Map<number, number>();
  private itemSeq = 0;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private again = false;
  private stopped = false;
  private readonly running = new Set<Promise<void>>();
  lastStatus: PoolStatus | undefined;
  peersOk = false;

  constructor(
    readonly cfg: ServeConfig,
    program: IntProgram,
    tokenizer: Record<string, string>,
    private readonly tlsId: TlsIdentity,
    private readonly log: Logger,
    readonly metrics: Metrics,
    private readonly tickMs = 250,
  ) {
    this.shape = publicShape(program.config);
    this.model = prepareDealerModel(program);
    this.info = {
      name: cfg.model.name,
      shape: this.shape,
      labels: program.config.id2label.length ? [...program.config.id2label] : Array.from({ length: this.shape.labels }, (_, i) => String(i)),
      // The validated config section holds only the options it was given.
      secure: { ...cfg.secure },
      // With padding, the longest padded length is the longest text a session takes.
      maxTokens: Math.min(cfg.limits.maxTokens, this.shape.maxPositions, ...(cfg.pool.padTo.length > 0 ? [Math.max(...cfg.pool.padTo)] : [])),
      tokenizer,
    };
  }

  private addr(id: 'P1' | 'P2'): Address {
    return this.cfg.parties[id === 'P1' ? 'p1' : 'p2'].peer;
  }

  private get linkOpts() {
    return { timeoutMs: this.cfg.limits.messageTimeoutMs, maxFrameBytes: MAX_FRAME };
  }

  /** Ready = deployed on both compute parties as of the last check. */
  get ready(): boolean {
    return this.epoch !== undefined && this.peersOk;
  }

  start(): void {
    const loop = (): void => {
      if (this.stopped) return;
      void this.tick().finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, this.tickMs);
      });
    };
    loop();
  }

  onIncoming(c: Incoming): void {
    if (c.hello.kind === 'rpc' && c.hello['op'] === 'wake') {
      c.answer({ ok: true });
      void this.tick();
      return;
    }
    if (c.hello.kind === 'rpc' && c.hello['op'] === 'status') return c.answer({ ok: true, epoch: this.epoch ?? null });
    c.reject(`P0 does not accept '${c.hello.kind}' connections`);
  }

  /** One supervision step: (re)deploy when needed, then refill the pool. */
  async tick(): Promise<void> {
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = true;
    try {
      do {
        this.again = false;
        await this.step();
      } while (this.again && !this.stopped);
    } finally {
      this.ticking = false;
    }
  }

  private async step(): Promise<void> {
    let st: { P1: Record<string, unknown>; P2: Record<string, unknown> };
    try {
      const t = this.cfg.limits.messageTimeoutMs;
      const [a, b] = await Promise.all([rpc('P0', 'P1', this.addr('P1'), this.tlsId, 'status', {}, t), rpc('P0', 'P2', this.addr('P2'), this.tlsId, 'status', {}, t)]);
      st = { P1: a, P2: b };
    } catch (e) {
      if (this.peersOk) this.log.warn({ err: (e as Error).message }, 'a compute party is unreachable');
      this.peersOk = false;
      return;
    }
    if (this.epoch === undefined || st.P1['epoch'] !== this.epoch || st.P2['epoch'] !== this.epoch) {
      this.peersOk = false;
      await this.deploy();
      return;
    }
    this.peersOk = true;
    this.lastStatus = st.P1['pool'] as PoolStatus;
    this.refill(this.lastStatus);
  }

  /** Deal the weights under a new epoch to P1 and P2. */
  private async deploy(): Promise<void> {
    if (this.stopped) return;
    const epoch = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
    const t0 = performance.now();
    const links: Link[] = [];
    let party: Party | undefined;
    try {
      for (const p of ['P1', 'P2'] as const) links.push((await dialLink('P0', p, this.addr(p), this.tlsId, { kind: 'deploy', epoch, model: this.info }, this.linkOpts, this.cfg.limits.messageTimeoutMs)).link);
      party = await Party.create('P0', new Map<PartyId, Link>([['P1', links[0]!], ['P2', links[1]!]]));
      party.phase = 'setup';
      const ws = await shareWeights(new Offline(party), this.shape, this.model);
      await party.finished();
      await party.close();
      this.ws = ws;
      this.epoch = epoch;
      this.inflight.clear();
      this.stockedOnce.clear();
      this.peersOk = true;
      this.metrics.inc('deployments');
      this.log.info({ epoch, model: this.info.name, ms: Math.round(performance.now() - t0) }, 'model deployed to P1 and P2');
    } catch (e) {
      party?.abort(e as Error);
      for (const l of links) l.fail(e as Error);
      this.log.error({ err: (e as Error).message }, 'deployment failed; will retry');
    }
  }

  private refill(st: PoolStatus): void {
    if (this.stopped || !this.epoch) return;
    const want = new Map<number, number>();
    for (const [T, n] of Object.entries(st.waiting)) want.set(Number(T), n);
    const stocked = [...new Set([...this.cfg.pool.lengths, ...st.recent.slice(0, this.cfg.pool.maxLengths)])];
    let total = st.readyItems + [...this.inflight.values()].reduce((a, b) => a + b, 0);
    const plan: number[] = [];
    // Waiting sessions first, oldest first (beyond the cap: they are blocked on it).
    const seen = new Map<number, number>();
    for (const T of st.queue ?? [...want].flatMap(([t, n]) => Array<number>(n).fill(t))) {
      const k = (seen.get(T) ?? 0) + 1;
      seen.set(T, k);
      if (k > (st.ready[T] ?? 0) + (this.inflight.get(T) ?? 0)) plan.push(T);
    }
    for (const T of stocked) {
      if (!this.cfg.pool.refill && (this.stockedOnce.get(T) ?? 0) >= this.cfg.pool.perLength) continue;
      const have = (st.ready[T] ?? 0) + (this.inflight.get(T) ?? 0) + plan.filter((x) => x === T).length;
      for (let i = have; i < this.cfg.pool.perLength + (want.get(T) ?? 0) && total < this.cfg.pool.maxItems; i++) {
        plan.push(T);
        total++;
      }
    }
    for (const T of plan) {
      if (this.running.size >= this.cfg.pool.concurrency) break;
      if (T > this.shape.maxPositions) continue;
      const p = this.deal(T);
      this.running.add(p);
      void p.finally(() => {
        this.running.delete(p);
        void this.tick();
      });
    }
  }

  /** Deal one pool item of T tokens to P1 and P2. */
  private async deal(T: number): Promise<void> {
    const epoch = this.epoch!;
    const ws = this.ws!;
    const item = `${epoch}.${this.itemSeq++}`;
    this.inflight.set(T, (this.inflight.get(T) ?? 0) + 1);
    this.stockedOnce.set(T, (this.stockedOnce.get(T) ?? 0) + 1);
    const t0 = performance.now();
    const links: Link[] = [];
    let party: Party | undefined;
    try {
      for (const p of ['P1', 'P2'] as const) links.push((await dialLink('P0', p, this.addr(p), this.tlsId, { kind: 'deal', epoch, item, T }, this.linkOpts, this.cfg.limits.messageTimeoutMs)).link);
      party = await Party.create('P0', new Map<PartyId, Link>([['P1', links[0]!], ['P2', links[1]!]]));
      party.phase = 'offline';
      await secureForward(new OfflineEngine(new Offline(party)), this.shape, T, ws, this.model, this.info.secure);
      await party.finished();
      await party.close();
      this.metrics.inc('dealings');
      this.metrics.observe('deal_ms', performance.now() - t0);
      this.log.debug({ item, T, ms: Math.round(performance.now() - t0) }, 'dealt one session');
    } catch (e) {
      party?.abort(e as Error);
      for (const l of links) l.fail(e as Error);
      this.metrics.inc('dealings_failed');
      this.log.warn({ item, T, err: (e as Error).message }, 'dealing failed');
    } finally {
      if (this.epoch === epoch) {
        const n = (this.inflight.get(T) ?? 1) - 1;
        if (n > 0) this.inflight.set(T, n);
        else this.inflight.delete(T);
      }
    }
  }

  /** Stop dealing; wait (up to graceMs) for running dealings. */
  async shutdown(graceMs: number): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.race([Promise.all([...this.running]), new Promise((r) => setTimeout(r, graceMs))]);
  }
}
