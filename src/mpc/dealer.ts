/**
 * The offline phase: P0 (dealer) produces each compute party's correlated
 * material for every protocol call, before the input exists.
 *
 * All three parties run the same offline program (same protocol calls in the
 * same order). Each call is one `Dealing` with a deterministic tag
 * "proto#seq". Inside it:
 *
 * - `mask(name, l, n)`: a fresh mask r = r1 + r2. r1 comes from the P0–P1
 *   seed, r2 from the P0–P2 seed (sub-streams keyed by tag and name), so it
 *   costs no communication. P0 gets r, Pi gets ri.
 * - `share(name, l, n, value)`: additive shares of a value only P0 knows
 *   (P0 passes it). P1's share is drawn from the P0–P1 stream and never
 *   travels; P2's share is the correction value − share1, sent by P0.
 * - `shareTable(name, l, n, value)`: `share` for per-element lookup tables
 *   (2^bits entries per element, one read each online). P1 keeps only a
 *   keystream reference (`PrgRef`) and reads its entries with the
 *   `prgGather` kernel (one AES block per element), so a table costs P1 no
 *   memory and no offline expansion; P2's correction travels as for `share`.
 * - `keep(name, l, data)`: store a locally computed array in the entry.
 *
 * Corrections travel P0 → P2 as frames per dealing, in dealing sequence
 * order (names sorted within one; setup dealings last): P0 sends a dealing
 * as soon as it and every earlier one are done, so P2 receives while P0 is
 * still dealing, and P2 waits for all of a batch's frames at the `flush`
 * (offline bytes; one round for P2). At the flush P1 and P2 append their
 * completed entries, in order, to their material store; online calls take
 * them back by tag.
 *
 * Material can be any set of named ring arrays, so later protocols (lookup
 * tables, shifts) deal their own kinds (e.g. rotated tables via `share`).
 */
import { ProtocolError } from '../errors.js';
import { allocRing, ringBytes, type RingArray, type RingBits } from '../kernels/types.js';
import type { Material, MaterialEntry } from './material.js';
import type { Party } from './party.js';
import { add, bytesOf, kernels, ringView, sub } from './ring.js';
import { derivedKey, freshSeed, PrgStream } from './prg.js';
import { FLUSH_FRAME_BYTES } from './cost.js';

/** One dealt array's correction (P0 → P2) in a flush. */
export interface Correction {
  seq: number;
  name: string;
  l: RingBits;
  /** P0: the correction to send; P2: the placeholder to fill (empty when `adopt` is set). */
  data: RingArray;
  /** Its size in bytes (P2's adopted tables have no placeholder to measure). */
  bytes: number;
  /**
   * P2, per-element tables only: take the received array as the entry
   * (a view of the frame when it lies within one, aligned: no copy).
   */
  adopt?: (data: RingArray) => void;
}

export class Dealing {
  readonly items: Material = new Map();
  readonly corrections: Correction[] = [];
  private readonly names = new Set<string>();

  constructor(
    readonly party: Party,
    readonly tag: string,
    readonly seq: number,
  ) {}

  get role(): 'P0' | 'P1' | 'P2' {
    const id = this.party.id;
    if (id === 'C') throw new ProtocolError('the client takes no part in the offline phase');
    return id;
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new ProtocolError(`dealing '${this.tag}' uses the name '${name}' twice`);
    this.names.add(name);
  }

  /** Draw from the stream this party shares with `peer` for (tag, name). */
  private draw(peer: 'P0' | 'P1' | 'P2', name: string, l: RingBits, n: number): Promise<RingArray> {
    return this.party.stream(peer, `${this.tag}/${name}`).ring(l, n);
  }

  /** A fresh mask: P0 gets r = r1 + r2, Pi gets ri (stored in the entry as `name`). */
  async mask(name: string, l: RingBits, n: number): Promise<RingArray> {
    this.claim(name);
    const role = this.role;
    if (role === 'P0') {
      const [r1, r2] = await Promise.all([this.draw('P1', name, l, n), this.draw('P2', name, l, n)]);
      return add(l, r1, r2, r1);
    }
    const r = await this.draw('P0', name, l, n);
    this.items.set(name, { l, data: r });
    return r;
  }

  /**
   * A fresh mask the client will learn (client input, input.ts): ri is drawn
   * from a key derived from the P0–Pi seed for (tag, name) alone, so Pi can
   * hand that key to the client (item `name.key`) without exposing any other
   * stream. P0 gets r = r1 + r2, Pi gets ri (item `name`).
   */
  async clientMask(name: string, l: RingBits, n: number): Promise<RingArray> {
    this.claim(name);
    this.claim(`${name}.key`);
    const label = `${this.tag}/${name}`;
    if (this.role === 'P0') {
      const [r1, r2] = await Promise.all((['P1', 'P2'] as const).map((p) => new PrgStream(derivedKey(this.party.seed(p), label)).ring(l, n)));
      return add(l, r1!, r2!, r1);
    }
    const key = derivedKey(this.party.seed('P0'), label);
    const r = await new PrgStream(key).ring(l, n);
    this.items.set(name, { l, data: r });
    this.items.set(`${name}.key`, { l: 8, data: key });
    return r;
  }

  /** Both mask shares at P0 ({r1, r2, r}); a compute party gets only its own as `own`. */
  async maskParts(name: string, l: RingBits, n: number): Promise<{ r: RingArray; r1?: RingArray; r2?: RingArray; own?: RingArray }> {
    this.claim(name);
    if (this.role === 'P0') {
      const [r1, r2] = await Promise.all([this.draw('P1', name, l, n), this.draw('P2', name, l, n)]);
      return { r: add(l, r1, r2), r1, r2 };
    }
    const own = await this.draw('P0', name, l, n);
    this.items.set(name, { l, data: own });
    return { r: own, own };
  }

  /**
   * Additive shares of `value` (required at P0, ignored elsewhere). Returns
   * the value at P0, the share at P1, and at P2 an array that is filled when
   * the corrections arrive (at `flush`).
   */
  async share(name: string, l: RingBits, n: number, value?: RingArray, xor = false): Promise<RingArray> {
    this.claim(name);
    const role = this.role;
    if (role === 'P0') {
      if (value === undefined || value.length !== n) throw new ProtocolError(`dealing '${this.tag}': P0 must pass ${n} values for '${name}'`);
      const s1 = await this.draw('P1', name, l, n);
      const data = xor ? kernels().binary('xor', l, value as never, s1 as never, s1 as never) : sub(l, value, s1, s1);
      this.corrections.push({ seq: this.seq, name, l, data, bytes: data.byteLength });
      return value;
    }
    if (role === 'P1') {
      const s1 = await this.draw('P0', name, l, n);
      this.items.set(name, { l, data: s1 });
      return s1;
    }
    const hole = allocRing(l, n) as RingArray;
    this.corrections.push({ seq: this.seq, name, l, data: hole, bytes: hole.byteLength });
    this.items.set(name, { l, data: hole });
    return hole;
  }

  /**
   * P0's side of `shareTable` / `shareBitTable`: the correction value − s1
   * (or value ⊕ s1) computed over `value` itself, which P0 hands over and
   * must not use afterwards. Same keystream and bytes as `share`.
   */
  private async correctInPlace(name: string, l: RingBits, n: number, value: RingArray | undefined, xor: boolean): Promise<void> {
    this.claim(name);
    if (value === undefined || value.length !== n) throw new ProtocolError(`dealing '${this.tag}': P0 must pass ${n} values for '${name}'`);
    const data = await this.party.stream('P1', `${this.tag}/${name}`).mixInto(l, value, xor);
    this.corrections.push({ seq: this.seq, name, l, data, bytes: data.byteLength });
  }

  /**
   * P2's side of `shareTable` / `shareBitTable`: nothing allocated now; at
   * the flush the entry becomes the received bytes themselves (placeCorrections).
   */
  private receiveTable(name: string, l: RingBits, n: number): void {
    this.claim(name);
    const empty = allocRing(l, 0) as RingArray;
    this.items.set(name, { l, data: empty }); // holds the entry's place in the map's order
    this.corrections.push({ seq: this.seq, name, l, data: empty, bytes: n * ringBytes(l), adopt: (data) => this.items.set(name, { l, data }) });
  }

  /**
   * `share` for a large table that is only ever read at one entry per
   * element (per-element lookup tables): P1 keeps a keystream reference
   * instead of expanding its share (read with `tableItem` + `lookup`), so
   * the table costs P1 neither memory nor offline time. P0 and P2 as `share`.
   */
  async shareTable(name: string, l: RingBits, n: number, value?: RingArray): Promise<void> {
    if (this.role === 'P0' && l !== 1) {
      await this.correctInPlace(name, l, n, value, false);
      return;
    }
    if (this.role === 'P2') {
      this.receiveTable(name, l, n);
      return;
    }
    if (this.role !== 'P1' || l === 1) {
      await this.share(name, l, n, value);
      return;
    }
    this.claim(name);
    const prg = this.party.stream('P0', `${this.tag}/${name}`).reserveRef(l, n);
    this.items.set(name, { l, data: allocRing(l, 0) as RingArray, prg });
  }

  /**
   * `shareTable` for packed bit tables (bits.ts): XOR shares of the `n`
   * bytes, so every bit of P1's share XOR the same bit of P2's is the
   * dealt bit. P1 keeps a keystream reference (ring 8), P2 gets the
   * correction value ⊕ keystream.
   */
  async shareBitTable(name: string, n: number, value?: Uint8Array): Promise<void> {
    if (this.role === 'P0') {
      await this.correctInPlace(name, 8, n, value, true);
      return;
    }
    if (this.role === 'P2') {
      this.receiveTable(name, 8, n);
      return;
    }
    if (this.role !== 'P1') {
      await this.share(name, 8, n, value, true);
      return;
    }
    this.claim(name);
    const prg = this.party.stream('P0', `${this.tag}/${name}`).reserveRef(8, n);
    this.items.set(name, { l: 8, data: allocRing(8, 0) as RingArray, prg });
  }

  /**
   * Randomness only P0 holds (n elements of Z_2^l from a fresh private
   * seed; P1 and P2 get undefined and draw nothing): masks of values that
   * are opened XOR-masked and never need shares.
   */
  async own(l: RingBits, n: number): Promise<RingArray | undefined> {
    if (this.role !== 'P0') return undefined;
    return new PrgStream(freshSeed()).ring(l, n);
  }

  /** Store a locally computed array in this party's entry. */
  keep(name: string, l: RingBits, data: RingArray): void {
    this.claim(name);
    this.items.set(name, { l, data });
  }
}

export interface DealOptions {
  /** Store the entry for an online call (default true). False: setup material such as weight shares, not queued. */
  queue?: boolean;
}

/** One dealing of a batch (the calls since the last flush). */
interface Pending {
  d: Dealing;
  done: Promise<unknown>;
  queue: boolean;
  /** P0: its corrections are final (the dealing resolved). */
  finished: boolean;
}

/** The dealings since the last flush and, at P0, how far their frames have gone out. */
interface Batch {
  items: Pending[];
  /** Queued dealings in sequence (= call) order. */
  queued: Pending[];
  /** P0: queued dealings sent so far (a prefix of `queued`). */
  sentQueued: number;
  /** P0: the batch's frame tag, taken from the flush counter at its first frame. */
  tag?: string;
  /** P0: frames sent so far. */
  frames: number;
  /** P0: what the early frames cost, charged at the flush (its label is known only then). */
  uncharged: { bytes: number; wire: number }[];
  /** P0: a failure while sending early, rethrown by the flush. */
  error?: unknown;
  /**
   * P0: the batch before this one while any of its frames are still to go
   * (cleared when it closes). P2 takes frames in order, so nothing of this
   * batch leaves before they do.
   */
  prev?: Batch;
  /** P0: the batch after this one, to wake when this one is all sent. */
  next?: Batch;
  /** P0: resolves when all this batch's frames are sent (or its flush failed). */
  whenClosed: Promise<void>;
  close: () => void;
}

function newBatch(prev?: Batch): Batch {
  let close!: () => void;
  const whenClosed = new Promise<void>((r) => (close = r));
  const b: Batch = { items: [], queued: [], sentQueued: 0, frames: 0, uncharged: [], prev, whenClosed, close };
  if (prev) prev.next = b;
  return b;
}

/** A dealing's corrections in the order they travel: sorted by name. */
function byName(cs: readonly Correction[]): Correction[] {
  return [...cs].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
}

/**
 * How a batch's corrections are cut into frames, a rule P0 (holding data)
 * and P2 (holding sizes) evaluate alike: each queued dealing's corrections
 * (in sequence order, names sorted) as its own group, then all setup
 * dealings' together; each group cut into frames of at most
 * FLUSH_FRAME_BYTES (groupCorrections), empty groups sending nothing.
 * Per-dealing groups let P0 send a dealing as soon as it and every earlier
 * one are done, so P2 receives while P0 is still dealing.
 */
function batchGroups(batch: Batch): Correction[][] {
  return [...batch.queued.map((b) => byName(b.d.corrections)), setupGroup(batch)];
}

/** The last group of batchGroups: every setup dealing's corrections, in sequence order. */
function setupGroup(batch: Batch): Correction[] {
  return batch.items
    .filter((b) => !b.queue)
    .sort((a, b) => a.d.seq - b.d.seq)
    .flatMap((b) => byName(b.d.corrections));
}

/** The offline phase of one party. */
export class Offline {
  private batch = newBatch();

  constructor(readonly party: Party) {
    if (party.id === 'C') throw new ProtocolError('the client takes no part in the offline phase');
  }

  /**
   * Run one protocol call's dealing. `proto` names the protocol; the tag is
   * "proto#seq" (queued entries) or "proto@seq" (unqueued setup material).
   */
  deal<T>(proto: string, fn: (d: Dealing) => Promise<T>, opts: DealOptions = {}): Promise<T> {
    const queue = opts.queue ?? true;
    const seq = queue ? this.party.next('offline-material') : this.party.next('offline-setup');
    const d = new Dealing(this.party, queue ? `${proto}#${seq}` : `${proto}@${seq}`, seq);
    const done = fn(d);
    const item: Pending = { d, done, queue, finished: false };
    const batch = this.batch;
    batch.items.push(item);
    if (queue) batch.queued.push(item);
    if (queue && this.party.id === 'P0') {
      done.then(
        () => {
          item.finished = true;
          this.sendReady(batch);
        },
        () => undefined, // the flush reports it
      );
    }
    return done;
  }

  /** P0: send every queued dealing that is done and has no unsent one before it. */
  private sendReady(batch: Batch): void {
    if (batch.error !== undefined || batch.prev !== undefined) return;
    try {
      while (batch.sentQueued < batch.queued.length && batch.queued[batch.sentQueued]!.finished) {
        this.sendGroup(batch, byName(batch.queued[batch.sentQueued]!.d.corrections));
        batch.sentQueued++;
      }
    } catch (e) {
      batch.error = e;
    }
  }

  /** P0: one group's frames, uncharged until the flush. */
  private sendGroup(batch: Batch, cs: readonly Correction[]): void {
    for (const g of groupCorrections(cs, FLUSH_FRAME_BYTES)) {
      batch.tag ??= `off#${this.party.next('offline-flush')}`;
      batch.uncharged.push(this.party.sendUncharged('P2', `${batch.tag}.${batch.frames++}`, g));
    }
  }

  /**
   * Complete every dealing since the last flush: P0 sends the corrections
   * still unsent (queued dealings went out as they finished), P2 receives
   * all of them (one round), P1 and P2 append their entries to their stores.
   */
  async flush(label?: string): Promise<void> {
    const batch = this.batch;
    const role = this.party.id;
    this.batch = newBatch(role === 'P0' ? batch : undefined);
    // P0 takes this batch's tag now, before the next batch can send early,
    // so that tags follow the batches' order as P2 takes them (at its flushes).
    if (role === 'P0') batch.tag ??= `off#${this.party.next('offline-flush')}`;
    const at = { phase: 'offline' as const, label: label ?? this.party.label };
    try {
      await Promise.all(batch.items.map((b) => b.done));
      if (role === 'P0') {
        await batch.prev?.whenClosed;
        batch.prev = undefined;
        for (const b of batch.queued) b.finished = true;
        this.sendReady(batch);
        if (batch.error !== undefined) throw batch.error;
        this.sendGroup(batch, setupGroup(batch));
        for (const c of batch.uncharged) this.party.charge(c, at);
      } else if (role === 'P2') {
        const tag = `off#${this.party.next('offline-flush')}`;
        const groups = batchGroups(batch);
        const sizes = groups.flatMap((g) => frameSizes(g, FLUSH_FRAME_BYTES));
        if (sizes.length > 0) {
          const payloads = await this.party.recvAll(sizes.map((_, i) => ({ peer: 'P0' as const, tag: `${tag}.${i}` })), at);
          sizes.forEach((want, i) => {
            const got = payloads[i]!.byteLength;
            if (got !== want) throw this.party.abort(new ProtocolError(`P2: offline corrections '${tag}.${i}' from P0 are ${got} bytes, expected ${want}`));
          });
          placeCorrections(groups.flat(), payloads);
        }
      }
      if (role !== 'P0') {
        for (const b of batch.queued) this.party.store.push({ tag: b.d.tag, items: b.d.items } satisfies MaterialEntry);
      }
    } catch (e) {
      throw this.party.abort(e as Error);
    } finally {
      if (role === 'P0') {
        // The next batch may send now (its dealings that are done go out at once).
        batch.close();
        const next = batch.next;
        batch.next = undefined;
        if (next) {
          next.prev = undefined;
          this.sendReady(next);
        }
      }
    }
  }
}


/** The byte sizes of the frames `groupCorrections` cuts (P2 knows sizes, not data). */
export function frameSizes(cs: readonly Pick<Correction, 'bytes'>[], max: number): number[] {
  let total = 0;
  for (const c of cs) total += c.bytes;
  const sizes: number[] = [];
  for (let off = 0; off < total; off += max) sizes.push(Math.min(max, total - off));
  return sizes;
}

/**
 * P2: the frames' bytes, in order, into the corrections. A table (`adopt`)
 * lying within one frame at an offset aligned for its ring becomes a view
 * of that frame: the received bytes are the table, with no second array
 * and no copy (the frame stays alive as long as a table in it does).
 * Anything else is copied into its placeholder (or a fresh array).
 */
export function placeCorrections(cs: readonly Pick<Correction, 'l' | 'data' | 'bytes' | 'adopt'>[], frames: readonly Uint8Array[]): void {
  let f = 0;
  let off = 0;
  for (const c of cs) {
    if (c.bytes === 0) {
      c.adopt?.(c.data);
      continue;
    }
    if (off === frames[f]!.byteLength) {
      f++;
      off = 0;
    }
    const frame = frames[f]!;
    const eb = ringBytes(c.l);
    if (c.adopt && off + c.bytes <= frame.byteLength && (frame.byteOffset + off) % eb === 0) {
      c.adopt(ringView(c.l, frame, off, c.bytes / eb));
      off += c.bytes;
      continue;
    }
    const dst = c.adopt ? (allocRing(c.l, c.bytes / eb) as RingArray) : c.data;
    const out = bytesOf(dst);
    for (let done = 0; done < c.bytes; ) {
      if (off === frames[f]!.byteLength) {
        f++;
        off = 0;
      }
      const take = Math.min(c.bytes - done, frames[f]!.byteLength - off);
      out.set(frames[f]!.subarray(off, off + take), done);
      done += take;
      off += take;
    }
    c.adopt?.(dst);
  }
}

/**
 * Cut the corrections' bytes, in order, into frames of exactly `max` bytes
 * (the last one shorter); a correction may straddle frames. The cut depends
 * on the sizes only, so P0 (holding data) and P2 (holding placeholders)
 * agree, and a group of B bytes (one dealing) travels as ⌈B / max⌉ frames (cost.ts).
 * The parts are views into the corrections' own memory.
 */
export function groupCorrections(cs: readonly { data: RingArray }[], max: number): Uint8Array[][] {
  const groups: Uint8Array[][] = [];
  let cur: Uint8Array[] = [];
  let room = max;
  for (const c of cs) {
    const bytes = bytesOf(c.data);
    let off = 0;
    while (off < bytes.byteLength) {
      const take = Math.min(bytes.byteLength - off, room);
      cur.push(bytes.subarray(off, off + take));
      off += take;
      room -= take;
      if (room === 0) {
        groups.push(cur);
        cur = [];
        room = max;
      }
    }
  }
  if (cur.length > 0) groups.push(cur);
  return groups;
}
