/**
 * Packed bits: the wire form of Z_2 openings (eight elements per byte) and
 * the storage of per-element bit tables (one table of 2^bits bits per
 * element, read at one bit each).
 *
 * Bit order is LSB first: element k of a packed vector is bit k & 7 of byte
 * k >> 3; entry j of element i's table is bit j & 7 of byte i·S + (j >> 3),
 * S = bitTableStride(bits) bytes. Tables narrower than 16 bits are padded to
 * 2 bytes so that a table is always a per-element byte table of ≥ 1 index
 * bit (the gather kernels' contract); the padding is never read.
 */
import { ShapeError } from '../errors.js';

/** Pack the low bit of every byte of `a` (0/1 values) into ⌈n/8⌉ bytes. */
export function packBits(a: Uint8Array): Uint8Array {
  const n = a.length;
  const out = new Uint8Array((n + 7) >> 3);
  const full = n >> 3;
  const aligned = a.byteOffset % 4 === 0 ? new Uint32Array(a.buffer, a.byteOffset, full * 2) : undefined;
  for (let i = 0; i < full; i++) {
    let lo: number, hi: number;
    if (aligned) {
      lo = aligned[2 * i]!;
      hi = aligned[2 * i + 1]!;
    } else {
      const o = 8 * i;
      lo = a[o]! | (a[o + 1]! << 8) | (a[o + 2]! << 16) | (a[o + 3]! << 24);
      hi = a[o + 4]! | (a[o + 5]! << 8) | (a[o + 6]! << 16) | (a[o + 7]! << 24);
    }
    // One multiply gathers the low bits of four bytes (positions 0, 8, 16, 24)
    // at bits 28…31 without carries between the partial products.
    out[i] = (Math.imul(lo & 0x01010101, 0x10204080) >>> 28) | ((Math.imul(hi & 0x01010101, 0x10204080) >>> 28) << 4);
  }
  for (let k = full * 8; k < n; k++) out[k >> 3]! |= (a[k]! & 1) << (k & 7);
  return out;
}

/** Byte b spread into eight 0/1 bytes, as two little-endian words (for unpackBits). */
const SPREAD = (() => {
  const t = new Uint32Array(512);
  for (let b = 0; b < 256; b++) {
    for (let k = 0; k < 4; k++) {
      t[2 * b] |= ((b >> k) & 1) << (8 * k);
      t[2 * b + 1] |= ((b >> (k + 4)) & 1) << (8 * k);
    }
  }
  return t;
})();

/** The n elements (0/1 bytes) of a packed vector. */
export function unpackBits(p: Uint8Array, n: number): Uint8Array {
  if (p.length < (n + 7) >> 3) throw new ShapeError(`unpackBits: ${p.length} bytes hold fewer than ${n} bits`);
  const full = n >> 3;
  const buf = new ArrayBuffer(full * 8 + 8);
  const w = new Uint32Array(buf, 0, full * 2);
  for (let i = 0; i < full; i++) {
    const b = p[i]!;
    w[2 * i] = SPREAD[2 * b]!;
    w[2 * i + 1] = SPREAD[2 * b + 1]!;
  }
  const out = new Uint8Array(buf, 0, n);
  for (let k = full * 8; k < n; k++) out[k] = (p[k >> 3]! >> (k & 7)) & 1;
  return out;
}

/** Bytes of one element's table of a `bits`-bit index (≥ 2, see the header). */
export function bitTableStride(bits: number): number {
  if (!Number.isInteger(bits) || bits < 1 || bits > 16) throw new ShapeError(`bit table: index width ${String(bits)} must be in 1…16`);
  return Math.max(2, 2 ** bits / 8);
}

/** Index width of the byte table that holds a `bits`-bit bit table (≥ 1). */
export function bitTableByteBits(bits: number): number {
  return Math.log2(bitTableStride(bits));
}

/**
 * Set bits [from, to) of `t`, counted from byte `base`, to `v` (0 or 1).
 * Callers pass an element's byte offset as `base` and bit positions inside
 * the element: absolute bit positions pass 2^31 in tables over 256 MB, where
 * `>> 3` would wrap.
 */
export function setBitRange(t: Uint8Array, from: number, to: number, v: number, base = 0): void {
  if (to <= from) return;
  if (to > 2 ** 31) throw new ShapeError(`setBitRange: bit ${to} is past 2^31; pass the element's byte offset as base`);
  const fill = v ? 0xff : 0;
  let a = from;
  // Head: up to the next byte boundary.
  while (a < to && (a & 7) !== 0) {
    if (v) t[base + (a >> 3)]! |= 1 << (a & 7);
    else t[base + (a >> 3)]! &= ~(1 << (a & 7));
    a++;
  }
  const wholeEnd = to & ~7;
  if (a < wholeEnd) {
    t.fill(fill, base + (a >> 3), base + (wholeEnd >> 3));
    a = wholeEnd;
  }
  for (; a < to; a++) {
    if (v) t[base + (a >> 3)]! |= 1 << (a & 7);
    else t[base + (a >> 3)]! &= ~(1 << (a & 7));
  }
}

/** Bit i of a packed vector. */
export function bitAt(p: Uint8Array, i: number): number {
  return (p[i >> 3]! >> (i & 7)) & 1;
}
