/**
 * One online round between P1 and P2: every re-mask or opening of a layer
 * puts its share into one slot, and the round sends all slots in ONE message
 * each way (tag "r#seq:label:protocols"), so a layer costs one round however many
 * protocols it batches. Slots of Z_2 travel bit-packed (`wireBytes`).
 *
 * Usage (P1 and P2 run the same code):
 *
 *   const [y, z] = await party.round('ffn', (r) => [mul(r, a, b), matmulW(r, x, w)]);
 *   // or: const r = new Round(party, 'ffn'); const p = mul(r, a, b); r.close(); await p;
 *
 * Protocols reserve their slot synchronously when called (before any await),
 * so the slot order is the call order on both parties; the message leaves once
 * the round is closed and every slot has its share.
 */
import { ProtocolError } from '../errors.js';
import type { RingArray, RingBits } from '../kernels/types.js';
import { otherCompute, requireRole, type Party, type PartyId } from './party.js';
import { packBits, unpackBits } from './bits.js';
import { add, bytesOf, kernels, ringView, wireBytes } from './ring.js';

/**
 * Tag of a round message: "r#seq:label:protocols", e.g. "r#4:layer0:matmulW,mul*2",
 * so two parties that batch different protocols fail on the tag. Long lists are cut.
 */
export function roundTag(seq: number, label: string, protos: readonly string[]): string {
  const parts: string[] = [];
  for (let i = 0; i < protos.length; ) {
    let j = i;
    while (j < protos.length && protos[j] === protos[i]) j++;
    parts.push(j - i > 1 ? `${protos[i]}*${j - i}` : protos[i]!);
    i = j;
  }
  const t = `r#${seq}:${label}:${parts.join(',')}`;
  return t.length > 512 ? `${t.slice(0, 500)}…(${protos.length})` : t;
}

export class Slot {
  share: RingArray | undefined;
  resolve!: (v: RingArray) => void;
  reject!: (e: Error) => void;
  readonly result: Promise<RingArray>;

  constructor(
    readonly round: Round,
    readonly l: RingBits,
    readonly n: number,
    readonly proto: string,
    /** Z_2 only: the share and the result are bit-packed (⌈n/8⌉ bytes, bits.ts). */
    readonly packed = false,
  ) {
    this.result = new Promise<RingArray>((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    this.result.catch(() => undefined);
  }

  /**
   * Contribute this party's additive share (ownership passes to the round);
   * resolves with own + peer's share, i.e. the opened (masked) value.
   */
  open(share: RingArray): Promise<RingArray> {
    if (this.share !== undefined) throw new ProtocolError('a round slot was filled twice');
    const len = this.packed ? (this.n + 7) >> 3 : this.n;
    if (share.length !== len) throw new ProtocolError(`round slot of ${this.n} elements${this.packed ? ' (packed)' : ''} got ${share.length}${this.packed ? ' bytes' : ''}`);
    this.share = share;
    this.round.filled();
    return this.result;
  }
}

export class Round {
  private readonly slots: Slot[] = [];
  private closed = false;
  private putCount = 0;
  private started = false;
  private waitedOn = new Set<string>();

  constructor(
    readonly party: Party,
    readonly label: string = party.label,
  ) {
    requireRole(party, ['P1', 'P2'], 'an online round');
  }

  /** Reserve a slot of n elements of Z_2^l for protocol `proto` (call before the protocol's first await). */
  reserve(l: RingBits, n: number, proto = 'slot'): Slot {
    if (this.closed) throw new ProtocolError(`round '${this.label}' is already closed; reserve slots before closing it`);
    const s = new Slot(this, l, n, proto);
    this.slots.push(s);
    return s;
  }

  /**
   * Receive a message from another peer (e.g. the client's input) as part of
   * this round: all such messages from one peer arrive concurrently, so they
   * count one round together.
   */
  recvFrom(peer: PartyId, tag: string): Promise<Uint8Array> {
    const at = { phase: 'online' as const, label: this.label };
    if (this.waitedOn.has(peer)) return this.party.recvNoRound(peer, tag, at);
    this.waitedOn.add(peer);
    return this.party.recv(peer, tag, at);
  }

  /**
   * Reserve a slot of n elements of Z_2 whose share and result are packed
   * bit vectors (⌈n/8⌉ bytes, LSB first): for protocols that produce and
   * consume bits in packed form (borrow-chain.ts). Same wire bytes as
   * `reserve(1, n)`.
   */
  reservePacked(n: number, proto = 'slot'): Slot {
    if (this.closed) throw new ProtocolError(`round '${this.label}' is already closed; reserve slots before closing it`);
    const s = new Slot(this, 1, n, proto, true);
    this.slots.push(s);
    return s;
  }

  /** No more slots: the message leaves once every slot is filled. */
  close(): void {
    this.closed = true;
    this.maybeStart();
  }

  /** @internal */
  filled(): void {
    this.putCount++;
    this.maybeStart();
  }

  private maybeStart(): void {
    if (!this.closed || this.started || this.putCount < this.slots.length) return;
    this.started = true;
    if (this.slots.length === 0) return;
    this.exchange().catch((e: Error) => {
      for (const s of this.slots) s.reject(e);
    });
  }

  private async exchange(): Promise<void> {
    const p = this.party;
    const peer = otherCompute(p.id);
    const tag = roundTag(p.next('round'), this.label, this.slots.map((s) => s.proto));
    const at = { phase: 'online' as const, label: this.label };
    const wire = this.slots.map((s) => (s.packed ? (s.share as Uint8Array) : s.l === 1 ? packBits(s.share as Uint8Array) : bytesOf(s.share!)));
    p.send(peer, tag, wire, at);
    const payload = await p.recv(peer, tag, at);
    let want = 0;
    for (const s of this.slots) want += wireBytes(s.l, s.n);
    if (payload.byteLength !== want) {
      throw p.abort(new ProtocolError(`${p.id}: round '${tag}' from ${peer} carries ${payload.byteLength} bytes, expected ${want}`));
    }
    // A plain loop with no element loop of its own: a closure created per
    // round with a hot loop inside was recompiled (OSR) by V8 every round —
    // measured at BERT-base, ~180 TurboFan compiles on one party online.
    let off = 0;
    for (let k = 0; k < this.slots.length; k++) {
      const s = this.slots[k]!;
      const nb = wireBytes(s.l, s.n);
      if (s.l === 1) {
        // wire[k] is owned by the link now: the XOR goes into a fresh array.
        const x = kernels().binary('xor', 8, wire[k]!, payload.subarray(off, off + nb));
        p.onOpen?.(tag, k, { proto: s.proto, l: 1, n: s.n, bytes: x });
        s.resolve(s.packed ? x : unpackBits(x, s.n));
      } else {
        const theirs = ringView(s.l, payload, off, s.n);
        const opened = add(s.l, s.share!, theirs, theirs === s.share ? undefined : theirs);
        p.onOpen?.(tag, k, { proto: s.proto, l: s.l, n: s.n, bytes: bytesOf(opened) });
        s.resolve(opened);
      }
      off += nb;
    }
  }
}

/** Run `fn` with a fresh round, close it and await all results; any failure aborts the party. */
export async function inRound<T extends readonly unknown[]>(party: Party, label: string, fn: (r: Round) => readonly [...T]): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const r = new Round(party, label);
  try {
    let results: readonly unknown[];
    try {
      results = fn(r);
    } finally {
      r.close();
    }
    return (await Promise.all(results)) as { -readonly [K in keyof T]: Awaited<T[K]> };
  } catch (e) {
    // A failed protocol leaves its slot empty: abort so the peer does not wait for the round.
    throw party.abort(e as Error);
  }
}
