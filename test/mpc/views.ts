/**
 * Conditional view tests: what a compute party receives must be simulatable
 * from its own randomness and the secrets it may know (design card §1).
 *
 * Looking at received bytes alone misses the likeliest bug, a mask that is
 * missing or that the receiver can compute: the receiver's own share of an
 * opened value comes from its own keystream (read at a fresh public index),
 * so the other party's share it receives looks uniform even when the sum is
 * the bare activation. So the harness records, besides every message, every
 * value the party OPENS (Party `onOpen`: own share + received share, what it
 * learns), and holds the party's randomness (every pairwise seed it holds)
 * FIXED across runs while every other party's stays fresh. In a correct
 * protocol each opened value and message is a fresh mask (from randomness
 * the party does not hold) plus a function of what it knows, so the XOR of
 * the same value in two runs (same secret, or two different secrets) is
 * uniform. A missing mask, a mask the receiver can compute from its own
 * seeds, or one unmasked bit makes that XOR zero (or constant) in the leaked
 * bits.
 *
 * Tests per message kind (sender, tag without its sequence numbers; online
 * and offline kinds apart, so P0's large correction frames do not dilute a
 * round's few bytes): the frequency of every bit at every byte offset mod 8
 * (64 binomial tests: one unmasked bit of a 32- or 64-bit element shows in
 * its own bin), of every bit position over all bytes (packed bits), and the
 * byte histogram (chi-square, 255 dof). Bits that are zero in every value
 * itself (a Z_2 element stored in a byte) are storage, not tested. A test fails at
 * p < 1e-9, which a correct protocol reaches about once in a billion tests;
 * a leaked bit over a few hundred samples has p far below 1e-20.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { PartyId, PartyOptions } from '../../src/mpc/party.js';
import { chi2Sf } from './stats.js';

export type Observed = 'P1' | 'P2';
export type PartyOpts = Partial<Record<PartyId, PartyOptions>>;
/** One run of the protocol under test on fresh parties with these options, for secret 'a' or 'b'. */
export type ViewRun = (secret: 'a' | 'b', party: PartyOpts) => Promise<void>;

const P_FAIL = 1e-9;

/** Messages that carry no secret-dependent value by construction (skipped, with the reason). */
const PUBLIC_TAGS: { test: RegExp; why: string }[] = [
  { test: /^setup:seed$/, why: 'the pairwise seeds themselves (held fixed for the observed party)' },
  { test: /^(sync|ready)#/, why: "the streamed phases' pacing tokens (a constant byte)" },
];

/**
 * Party options that fix every seed `who` holds (its seeds are drawn by the
 * lower-ranked party of each pair) and record what `who` receives.
 */
function observe(who: Observed, seeds: Record<string, Uint8Array>, sink: Map<string, Seen>): PartyOpts {
  const opts: PartyOpts =
    who === 'P1'
      ? { P0: { seeds: { P1: seeds.k01! } }, P1: { seeds: { P2: seeds.k12!, C: seeds.k1C! } } }
      : { P0: { seeds: { P2: seeds.k02! } }, P1: { seeds: { P2: seeds.k12! } }, P2: { seeds: { C: seeds.k2C! } } };
  const put = (key: string, seen: Seen): void => {
    if (sink.has(key)) throw new Error(`view test: ${key} seen twice`);
    sink.set(key, seen);
  };
  opts[who] = {
    ...opts[who],
    onReceive: (from, tag, payload) => {
      if (payload.byteLength === 0 || PUBLIC_TAGS.some((t) => t.test.test(tag))) return;
      put(`${from}→${who} ${tag}`, { bytes: payload.slice(), layout: 'data' });
    },
    // Opened Z_2 values: one element per byte (bit 0), so a packed tail is no padding to skip.
    onOpen: (tag, slot, o) =>
      put(`${who} opens ${tag} [${slot}] ${o.proto}`, o.l === 1 ? { bytes: Uint8Array.from({ length: o.n }, (_, i) => (o.bytes[i >> 3]! >> (i & 7)) & 1), layout: 'bit0' } : { bytes: o.bytes.slice(), layout: 'all' }),
  };
  return opts;
}

/**
 * What one value's bits carry: 'all' (a ring element's bytes), 'bit0' (one
 * Z_2 element per byte), 'data' (a message of unknown layout: bits that are
 * zero in every run's value itself, such as Z_2 elements stored in bytes or
 * packed tails, are taken as padding and not tested).
 */
type Layout = 'all' | 'bit0' | 'data';
interface Seen {
  bytes: Uint8Array;
  layout: Layout;
}

/** The kind of a message: its sender and tag without sequence numbers. */
function kindOf(key: string): string {
  const at = key.indexOf(' ');
  const rest = key.slice(at).replace(/\[\d+\] (.*)$/, '$1 slot');
  return key.slice(0, at) + rest.replace(/#[\d.]+/g, '#').replace(/\d+/g, 'N');
}

class Pool {
  readonly bits = new Float64Array(64);
  readonly bytes = new Float64Array(256);
  /** Bins (offset mod 8, bit) that were ever 1 in a value itself, not its XOR: the others are storage padding (a Z_2 element in a byte, a packed tail). */
  readonly used = new Uint8Array(64);
  /** Bytes seen at each offset mod 8 (each message starts at offset 0). */
  readonly perOffset = new Float64Array(8);
  n = 0;
  saw(raw: Seen): void {
    if (raw.layout === 'data') for (let i = 0; i < raw.bytes.length; i++) this.markByte(i & 7, raw.bytes[i]!);
    else for (let j = 0; j < 64; j++) if (raw.layout === 'all' || (j & 7) === 0) this.used[j] = 1;
  }
  private markByte(o: number, v: number): void {
    for (let b = 0; b < 8; b++) if ((v >> b) & 1) this.used[o * 8 + b] = 1;
  }
  add(x: Uint8Array): void {
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      this.bytes[v]!++;
      this.perOffset[i & 7]!++;
      const o = (i & 7) * 8;
      for (let b = 0; b < 8; b++) this.bits[o + b]! += (v >> b) & 1;
    }
    this.n += x.length;
  }
  /** Smallest p-value over the bit tests and the byte test, with where it is. */
  worst(): { p: number; where: string } {
    let worst = { p: 1, where: '' };
    const perOffset = this.perOffset;
    for (let j = 0; j < 64; j++) {
      const n = perOffset[j >> 3]!;
      if (n === 0 || !this.used[j]) continue;
      const stat = (this.bits[j]! - n / 2) ** 2 / (n / 4);
      const p = chi2Sf(stat, 1);
      if (p < worst.p) worst = { p, where: `bit ${j & 7} of byte offset ${j >> 3} (mod 8): ${this.bits[j]} ones in ${n}` };
    }
    // Every bit position over all offsets (packed bits, short messages).
    for (let b = 0; b < 8; b++) {
      let ones = 0, n = 0, used = false;
      for (let o = 0; o < 8; o++) (ones += this.bits[o * 8 + b]!), (n += perOffset[o]!), (used ||= this.used[o * 8 + b] === 1);
      if (!used || n === 0) continue;
      const p = chi2Sf((ones - n / 2) ** 2 / (n / 4), 1);
      if (p < worst.p) worst = { p, where: `bit ${b} of every byte: ${ones} ones in ${n}` };
    }
    if (this.n >= 256 * 5 && this.used.every((u) => u === 1)) {
      const e = this.n / 256;
      let stat = 0;
      for (let v = 0; v < 256; v++) stat += (this.bytes[v]! - e) ** 2 / e;
      const p = chi2Sf(stat, 255);
      if (p < worst.p) worst = { p, where: `byte histogram over ${this.n} bytes (chi2 ${stat.toFixed(0)})` };
    }
    return worst;
  }
}

function xorInto(pools: Map<string, Pool>, label: string, a: Map<string, Seen>, b: Map<string, Seen>): void {
  expect([...b.keys()].sort(), `${label}: the same messages in both runs`).toEqual([...a.keys()].sort());
  for (const [key, x] of a) {
    const y = b.get(key)!;
    expect(y.bytes.length, `${label}: ${key} has the same length in both runs`).toBe(x.bytes.length);
    const d = new Uint8Array(x.bytes.length);
    for (let i = 0; i < d.length; i++) d[i] = x.bytes[i]! ^ y.bytes[i]!;
    const kind = `${label}: ${kindOf(key)}${x.layout === 'data' ? '' : ` (${x.layout === 'bit0' ? 'bits' : 'ring elements'})`}`;
    let pool = pools.get(kind);
    if (!pool) pools.set(kind, (pool = new Pool()));
    pool.saw(x), pool.saw(y);
    pool.add(d);
  }
}

export interface ViewCheck {
  /** Parties whose view is checked (default both compute parties). */
  observed?: Observed[];
  /** Run triples (a, a, b) per observed party (default 2). */
  repeats?: number;
  /** Fewest bytes a message kind must pool to be tested (default 32). */
  minBytes?: number;
}

/**
 * Runs `run` with the observed party's seeds fixed: (secret a, secret a,
 * secret b) `repeats` times, XORs each message with itself across the runs
 * (a⊕a and a⊕b), and expects every message kind's XOR to be uniform. Returns
 * the kinds tested, per observed party.
 */
export async function expectViewsIndependent(name: string, run: ViewRun, o: ViewCheck = {}): Promise<Record<string, string[]>> {
  const tested: Record<string, string[]> = {};
  for (const who of o.observed ?? (['P1', 'P2'] as Observed[])) {
    const seeds = { k01: randomBytes(16), k02: randomBytes(16), k12: randomBytes(16), k1C: randomBytes(16), k2C: randomBytes(16) };
    const pools = new Map<string, Pool>();
    for (let r = 0; r < (o.repeats ?? 2); r++) {
      const views: Map<string, Seen>[] = [];
      for (const s of ['a', 'a', 'b'] as const) {
        const sink = new Map<string, Seen>();
        await run(s, observe(who, seeds, sink));
        views.push(sink);
      }
      xorInto(pools, 'a⊕a', views[0]!, views[1]!);
      xorInto(pools, 'a⊕b', views[0]!, views[2]!);
    }
    tested[who] = [];
    for (const [kind, pool] of pools) {
      if (pool.n < (o.minBytes ?? 32)) continue;
      const w = pool.worst();
      expect({ party: who, kind, leaks: w.p < P_FAIL }, `${name}: ${who} ${kind}: ${w.where}, p = ${w.p}`).toEqual({ party: who, kind, leaks: false });
      tested[who].push(kind);
    }
    expect(tested[who].length, `${name}: ${who} received something to test`).toBeGreaterThan(0);
  }
  return tested;
}
