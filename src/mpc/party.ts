/**
 * A party of the three-server protocol (P0 dealer, P1, P2) or the client C:
 * its links, pairwise seeds, accounting, counters and (for P1/P2) the store
 * of offline material.
 *
 * Every message goes through `send`/`recv` here, which charge the accounting
 * (current phase and the given or current label) and turn any link failure
 * into an abort of the whole party: all its links are destroyed, so each peer
 * fails in turn with a PeerError instead of waiting.
 *
 * Tags are deterministic: protocol-call material "proto#seq" (offline and
 * online sequences match call by call), P1–P2 rounds "r#seq:label:protocols", client
 * messages "c#seq:kind", offline correction batches "off#seq".
 */
import { ProtocolError, PeerError } from '../errors.js';
import { Accounting, type Phase } from './accounting.js';
import type { RingBits } from '../kernels/types.js';
import { MemoryStore, type Material, type MaterialStore } from './material.js';
import { freshSeed, PrgStream } from './prg.js';
import type { Link } from './transport/link.js';
import { PARTY_RANK, type PartyId } from './transport/tcp.js';

export type { PartyId };

/** Where a message is charged in the accounting (default: the party's current phase and label). */
export interface ChargeTo {
  label?: string;
  phase?: Phase;
}
export type ComputeId = 'P1' | 'P2';

/** Which peers each role talks to. */
export function peersOf(id: PartyId, withClient = true): PartyId[] {
  switch (id) {
    case 'P0':
      return ['P1', 'P2'];
    case 'P1':
      return withClient ? ['P0', 'P2', 'C'] : ['P0', 'P2'];
    case 'P2':
      return withClient ? ['P0', 'P1', 'C'] : ['P0', 'P1'];
    case 'C':
      return ['P1', 'P2'];
  }
}

export interface PartyOptions {
  /** Where P1/P2 keep offline material (default: in memory). */
  store?: MaterialStore;
  /** Called with every payload this party receives (security tests). */
  onReceive?: (from: PartyId, tag: string, payload: Uint8Array) => void;
  /**
   * Called with every value this party opens in an online round (own share
   * plus the peer's: what it learns), per slot: the round's tag, the slot's
   * index, protocol, ring and element count, and the value's bytes (Z_2:
   * packed, ⌈n/8⌉ bytes). Security tests: a masked opening must look fresh
   * whatever the party holds.
   */
  onOpen?: (tag: string, slot: number, opened: OpenedValue) => void;
  /**
   * Seeds this party draws for its higher-ranked peers, used instead of
   * fresh ones (16 bytes each). Only for security tests, which hold one
   * party's randomness fixed while every other party's stays fresh; a
   * deployment never sets it (a repeated seed repeats every mask).
   */
  seeds?: Partial<Record<PartyId, Uint8Array>>;
}

/** One opened round slot, as `PartyOptions.onOpen` sees it. */
export interface OpenedValue {
  proto: string;
  l: RingBits;
  n: number;
  bytes: Uint8Array;
}

export class Party {
  readonly acct: Accounting;
  store: MaterialStore;
  onReceive: PartyOptions['onReceive'];
  onOpen: PartyOptions['onOpen'];
  private readonly fixedSeeds: PartyOptions['seeds'];
  private readonly seeds = new Map<PartyId, Uint8Array>();
  private readonly seq = new Map<string, number>();
  private abortError: Error | undefined;

  constructor(
    readonly id: PartyId,
    readonly links: Map<PartyId, Link>,
    opts: PartyOptions = {},
  ) {
    this.acct = new Accounting(id);
    this.store = opts.store ?? new MemoryStore(id);
    this.onReceive = opts.onReceive;
    this.onOpen = opts.onOpen;
    this.fixedSeeds = opts.seeds;
    for (const [peer, s] of Object.entries(opts.seeds ?? {})) {
      if (s.byteLength !== 16) throw new ProtocolError(`${id}: fixed seed for ${peer} is ${s.byteLength} bytes, expected 16`);
    }
    for (const l of links.values()) {
      if (l.shaping) this.acct.shaped = l.shaping;
      l.onFail((e) => this.abort(e));
    }
  }

  /** Create a party on connected links and exchange pairwise seeds (one setup round). */
  static async create(id: PartyId, links: Map<PartyId, Link>, opts: PartyOptions = {}): Promise<Party> {
    const p = new Party(id, links, opts);
    await p.setup();
    return p;
  }

  get phase(): Phase {
    return this.acct.phase;
  }
  set phase(ph: Phase) {
    this.acct.phase = ph;
  }
  get label(): string {
    return this.acct.label;
  }
  set label(l: string) {
    this.acct.label = l;
  }

  /** The error that aborted this party, if any. */
  get aborted(): Error | undefined {
    return this.abortError;
  }

  /**
   * Pairwise seeds: for each pair the lower-ranked party draws 16 bytes from
   * crypto.randomBytes (or takes the one `PartyOptions.seeds` fixes) and
   * sends them (P0→P1, P0→P2, P1→P2, P1→C, P2→C).
   */
  async setup(): Promise<void> {
    const at: ChargeTo = { phase: 'setup', label: 'seeds' };
    const waits: { peer: PartyId; tag: string }[] = [];
    for (const peer of this.links.keys()) {
      if (PARTY_RANK[peer] > PARTY_RANK[this.id]) {
        const s = this.fixedSeeds?.[peer]?.slice() ?? freshSeed();
        this.seeds.set(peer, s);
        this.send(peer, 'setup:seed', [s], at);
      } else waits.push({ peer, tag: 'setup:seed' });
    }
    if (waits.length > 0) {
      const got = await this.recvAll(waits, at);
      waits.forEach((w, i) => {
        if (got[i]!.byteLength !== 16) throw this.abort(new ProtocolError(`${this.id}: seed from ${w.peer} is ${got[i]!.byteLength} bytes, expected 16`));
        this.seeds.set(w.peer, got[i]!);
      });
    }
  }

  link(peer: PartyId): Link {
    const l = this.links.get(peer);
    if (!l) throw new PeerError(`${this.id} has no link to ${peer}`, peer);
    return l;
  }

  /** The seed shared with `peer`. */
  seed(peer: PartyId): Uint8Array {
    const s = this.seeds.get(peer);
    if (!s) throw new ProtocolError(`${this.id} shares no seed with ${peer} (setup not run?)`);
    return s;
  }

  /** The PRG sub-stream shared with `peer` for a deterministic tag. */
  stream(peer: PartyId, tag: string): PrgStream {
    return PrgStream.forTag(this.seed(peer), tag);
  }

  /** Next value of a named counter (each counter starts at 0). */
  next(counter: string): number {
    const n = this.seq.get(counter) ?? 0;
    this.seq.set(counter, n + 1);
    return n;
  }

  /** Send one message (ownership of `parts` passes to the link). */
  send(peer: PartyId, tag: string, parts: readonly Uint8Array[], at: ChargeTo = {}): void {
    this.charge(this.sendUncharged(peer, tag, parts), at);
  }

  /**
   * `send` without the accounting, which the caller does later with
   * `charge`: for messages whose label is known only afterwards (the
   * dealer's frames that leave before their flush). Returns the payload and
   * wire bytes.
   */
  sendUncharged(peer: PartyId, tag: string, parts: readonly Uint8Array[]): { bytes: number; wire: number } {
    if (this.abortError) throw this.abortError;
    let bytes = 0;
    for (const p of parts) bytes += p.byteLength;
    return { bytes, wire: this.link(peer).send(tag, parts) };
  }

  /** Charge a message sent with `sendUncharged`. */
  charge(sent: { bytes: number; wire: number }, at: ChargeTo = {}): void {
    this.acct.sent(sent.bytes, sent.wire, at.label, at.phase);
  }

  /** Wait for one message from `peer` (one round). */
  async recv(peer: PartyId, tag: string, at: ChargeTo = {}): Promise<Uint8Array> {
    this.acct.round(at.label, at.phase);
    return this.recvNoRound(peer, tag, at);
  }

  /** Wait for messages from several peers at once (one round). */
  async recvAll(waits: readonly { peer: PartyId; tag: string }[], at: ChargeTo = {}): Promise<Uint8Array[]> {
    this.acct.round(at.label, at.phase);
    return Promise.all(waits.map((w) => this.recvNoRound(w.peer, w.tag, at)));
  }

  /** Receive without counting a round (the caller already counted the wait this message is part of). */
  async recvNoRound(peer: PartyId, tag: string, at: ChargeTo = {}): Promise<Uint8Array> {
    if (this.abortError) throw this.abortError;
    let p: Uint8Array;
    try {
      p = await this.link(peer).recv(tag);
    } catch (e) {
      throw this.abort(e as Error);
    }
    this.acct.received(p.byteLength, p.byteLength + 12 + Buffer.byteLength(tag), at.label, at.phase);
    this.onReceive?.(peer, tag, p);
    return p;
  }

  /** Next online material entry of protocol `proto` (P1/P2). */
  take(proto: string): { tag: string; items: Material } {
    const tag = `${proto}#${this.next('material')}`;
    try {
      return { tag, items: this.store.take(tag) };
    } catch (e) {
      throw this.abort(e as Error);
    }
  }

  /** Abort: destroy every link so all peers fail fast. Returns the error for `throw`. */
  abort(e: Error): Error {
    if (!this.abortError) {
      this.abortError = e;
      for (const l of this.links.values()) l.fail(e);
    }
    return e;
  }

  /** Resolves when every peer ended the session cleanly; rejects when this party aborts. */
  async finished(): Promise<void> {
    await Promise.all([...this.links.values()].map((l) => l.done));
  }

  /** Clean shutdown of all links (BYE, flush, end). */
  async close(): Promise<void> {
    await Promise.all([...this.links.values()].map((l) => l.close()));
  }
}

/** The compute party that is not `id`. */
export function otherCompute(id: PartyId): ComputeId {
  if (id === 'P1') return 'P2';
  if (id === 'P2') return 'P1';
  throw new ProtocolError(`${id} is not a compute party (P1 or P2)`);
}

/** Throw unless the party has one of the roles. */
export function requireRole(p: Party, roles: readonly PartyId[], what: string): void {
  if (!roles.includes(p.id)) throw new ProtocolError(`${what} runs on ${roles.join('/')}, not on ${p.id}`);
}
