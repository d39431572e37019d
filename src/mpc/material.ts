/**
 * Stores of correlated material produced offline and consumed online, one
 * entry per protocol call, in order. Each entry is a set of named ring arrays
 * keyed by the call's deterministic tag ("proto#seq"); `take(tag)` must find
 * that tag at the head of the queue, else ProtocolError (the offline and
 * online programs diverged).
 *
 * - MemoryStore keeps entries in memory.
 * - DiskStore writes each entry to its own file in a directory when pushed and
 *   reads (then deletes) it when taken, so an offline phase can run in advance
 *   and in another process than the online phase (same party, same seeds).
 */
import fs from 'node:fs';
import path from 'node:path';
import { FormatError, ProtocolError } from '../errors.js';
import { allocRing, ringBytes, type RingArray, type RingBits } from '../kernels/types.js';
import { bytesOf, ringView } from './ring.js';

/**
 * A party's pseudo-random share of a large table kept as a keystream
 * reference instead of bytes: n elements of the AES-CTR keystream (key, iv).
 * Lookups read the entries they need with the `prgGather` kernel (one AES
 * block each), so the 2^bits entries per element are never expanded.
 */
export interface PrgRef {
  key: Uint8Array;
  iv: Uint8Array;
  n: number;
}

export interface MaterialItem {
  l: RingBits;
  /** The elements (empty when `prg` is set). */
  data: RingArray;
  prg?: PrgRef;
}

export type Material = Map<string, MaterialItem>;

export interface MaterialEntry {
  tag: string;
  items: Material;
}

export interface MaterialStore {
  push(e: MaterialEntry): void;
  /** Remove and return the head entry; its tag must be `tag`. */
  take(tag: string): Material;
  readonly size: number;
}

function mismatch(party: string, want: string, got: string | undefined): ProtocolError {
  return new ProtocolError(
    got === undefined
      ? `${party}: no offline material left for '${want}' (run the offline phase for this program first)`
      : `${party}: offline material out of order: online call '${want}' but the next stored entry is '${got}'`,
  );
}

export class MemoryStore implements MaterialStore {
  private q: MaterialEntry[] = [];
  private head = 0;

  constructor(readonly party = 'party') {}

  push(e: MaterialEntry): void {
    this.q.push(e);
  }

  take(tag: string): Material {
    const e = this.q[this.head];
    if (!e || e.tag !== tag) throw mismatch(this.party, tag, e?.tag);
    this.q[this.head++] = undefined as unknown as MaterialEntry;
    if (this.head > 1024 && this.head * 2 > this.q.length) {
      this.q = this.q.slice(this.head);
      this.head = 0;
    }
    return e.items;
  }

  get size(): number {
    return this.q.length - this.head;
  }
}

interface DiskItem {
  name: string;
  l: RingBits;
  n: number;
  offset: number;
  /** Keystream reference (hex key and iv): no bytes in the data section. */
  prg?: { key: string; iv: string };
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function unhex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(typeof s === 'string' ? s : '', 'hex'));
}

/**
 * File format of one entry: u32 LE header length h, h bytes of JSON
 * {tag, items: [{name, l, n, offset}]}, then the arrays' bytes, each at an
 * 8-byte aligned offset from the start of the data section.
 */
export class DiskStore implements MaterialStore {
  private pushed = 0;
  private taken = 0;

  constructor(
    readonly dir: string,
    readonly party = 'party',
  ) {
    fs.mkdirSync(dir, { recursive: true });
    const existing = fs.readdirSync(dir).filter((f) => f.endsWith('.mat')).sort();
    if (existing.length > 0) {
      this.taken = parseInt(existing[0]!, 10);
      this.pushed = parseInt(existing[existing.length - 1]!, 10) + 1;
    }
  }

  private file(i: number): string {
    return path.join(this.dir, `${String(i).padStart(10, '0')}.mat`);
  }

  push(e: MaterialEntry): void {
    const items: DiskItem[] = [];
    let off = 0;
    for (const [name, it] of e.items) {
      if (it.prg) {
        items.push({ name, l: it.l, n: it.prg.n, offset: off, prg: { key: hex(it.prg.key), iv: hex(it.prg.iv) } });
        continue;
      }
      items.push({ name, l: it.l, n: it.data.length, offset: off });
      off += Math.ceil(it.data.byteLength / 8) * 8;
    }
    const head = Buffer.from(JSON.stringify({ tag: e.tag, items }), 'utf8');
    const pre = Buffer.alloc(4);
    pre.writeUInt32LE(head.length, 0);
    const pad = (8 - ((4 + head.length) % 8)) % 8;
    const fd = fs.openSync(this.file(this.pushed), 'w');
    try {
      fs.writeSync(fd, pre);
      fs.writeSync(fd, head);
      fs.writeSync(fd, Buffer.alloc(pad));
      for (const [, it] of e.items) {
        if (it.prg) continue;
        const b = bytesOf(it.data);
        fs.writeSync(fd, b);
        const p = (8 - (b.byteLength % 8)) % 8;
        if (p) fs.writeSync(fd, Buffer.alloc(p));
      }
    } finally {
      fs.closeSync(fd);
    }
    this.pushed++;
  }

  take(tag: string): Material {
    if (this.taken >= this.pushed) throw mismatch(this.party, tag, undefined);
    const f = this.file(this.taken);
    const raw = fs.readFileSync(f);
    const buf = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
    if (buf.byteLength < 4) throw new FormatError(`material file ${f} is truncated`);
    const h = raw.readUInt32LE(0);
    let meta: { tag: string; items: DiskItem[] };
    try {
      meta = JSON.parse(raw.toString('utf8', 4, 4 + h)) as typeof meta;
    } catch (e) {
      throw new FormatError(`material file ${f} has a corrupt header`, { cause: e });
    }
    if (meta.tag !== tag) throw mismatch(this.party, tag, meta.tag);
    const base = 4 + h + ((8 - ((4 + h) % 8)) % 8);
    const items: Material = new Map();
    for (const it of meta.items) {
      if (it.prg) {
        const key = unhex(it.prg.key), iv = unhex(it.prg.iv);
        if (key.length !== 16 || iv.length !== 16) throw new FormatError(`material file ${f} has a corrupt keystream reference (item '${it.name}')`);
        items.set(it.name, { l: it.l, data: allocRing(it.l, 0), prg: { key, iv, n: it.n } });
        continue;
      }
      if (base + it.offset + it.n * ringBytes(it.l) > buf.byteLength) throw new FormatError(`material file ${f} is truncated (item '${it.name}')`);
      items.set(it.name, { l: it.l, data: ringView(it.l, buf, base + it.offset, it.n) });
    }
    fs.unlinkSync(f);
    this.taken++;
    return items;
  }

  get size(): number {
    return this.pushed - this.taken;
  }
}
