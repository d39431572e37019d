/**
 * Party-side local steps of the lookup-table protocols (no communication):
 * reading rotated tables at the public masked index, building concatenated
 * indices, splitting a masked value into high and low parts, and moving
 * arrays between ring widths. Element-wise work goes through the Kernels.
 */
import { allocRing, ringBytes, type RingArray, type RingBits } from '../../kernels/types.js';
import { ProtocolError } from '../../errors.js';
import type { TableShare } from '../protocols/common.js';
import { kernels, reduceBits } from '../ring.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyArr = any;

/** Smallest storage ring holding `bits` bits (1 → 1, ≤ 8 → 8, ≤ 16 → 16, ≤ 32 → 32, else 64). */
export function ringFor(bits: number): RingBits {
  return bits <= 1 ? 1 : bits <= 8 ? 8 : bits <= 16 ? 16 : bits <= 32 ? 32 : 64;
}

/** a mod 2^bits in place (storage ring l, bits ≤ l). */
export function keepLow(l: RingBits, a: RingArray, bits: number): RingArray {
  if (l === 1) return reduceBits(a as Uint8Array);
  const w = l;
  if (bits >= w) return a;
  const K = kernels();
  if (bits === 0) return (a.fill(0 as never), a);
  K.shift('shl', l, a as AnyArr, w - bits, a as AnyArr);
  return K.shift('shr', l, a as AnyArr, w - bits, a as AnyArr);
}

/**
 * The elements of `a` (storage ring `from`) as storage ring `to`, reduced
 * mod 2^to (zero-extended when widening). New array.
 */
export function convert(a: RingArray, from: RingBits, to: RingBits): RingArray {
  if (from === to || (ringBytes(from) === ringBytes(to) && to !== 1)) return a.slice() as RingArray;
  const out = allocRing(to, a.length) as RingArray;
  if (a instanceof BigUint64Array) {
    const mask = (1n << BigInt(Math.min(to, 32))) - 1n;
    const o = out as Uint32Array;
    for (let i = 0; i < a.length; i++) o[i] = Number(a[i]! & mask);
  } else if (out instanceof BigUint64Array) {
    for (let i = 0; i < a.length; i++) out[i] = BigInt(a[i]!);
  } else {
    (out as Uint32Array).set(a as Uint32Array); // typed-array conversion reduces mod 2^width
  }
  if (to === 1) reduceBits(out as Uint8Array);
  return out;
}

/** (a mod 2^w) >> c as storage ring `to` (mod 2^to). */
export function highPart(l: RingBits, a: RingArray, w: number, c: number, to: RingBits): RingArray {
  const K = kernels();
  let h: RingArray;
  if (w < l) {
    h = K.shift('shl', l, a as AnyArr, l - w) as RingArray;
    K.shift('shr', l, h as AnyArr, l - w + c, h as AnyArr);
  } else {
    h = c === 0 ? (a.slice() as RingArray) : (K.shift('shr', l, a as AnyArr, c) as RingArray);
  }
  return convert(h, l, to);
}

/** Concatenated index (m1 mod 2^n1) ‖ … ‖ (mk mod 2^nk), first input most significant. */
export function concatIndex(ms: readonly { l: RingBits; m: RingArray }[], bits: readonly number[]): Uint32Array {
  const K = kernels();
  let idx: Uint32Array | undefined;
  for (let t = 0; t < ms.length; t++) {
    const n = bits[t]!;
    const v = convert(ms[t]!.m, ms[t]!.l, 32) as Uint32Array;
    if (n < 32) {
      K.shift('shl', 32, v, 32 - n, v);
      K.shift('shr', 32, v, 32 - n, v);
    }
    if (idx === undefined) idx = v;
    else {
      K.shift('shl', 32, idx, n, idx);
      K.binary('or', 32, idx, v, idx);
    }
  }
  return idx ?? new Uint32Array(0);
}

/** Read each element's rotated table at its public index: out[i] = tables[i·2^bits + (idx[i] mod 2^bits)]. */
export function lookup(tables: TableShare, bits: number, idx: RingArray): Promise<RingArray> {
  if ('prg' in tables) {
    const { l, prg } = tables;
    if (prg.n !== idx.length * 2 ** bits) {
      return Promise.reject(new ProtocolError(`lookup: a keystream table share of ${prg.n} entries does not fit ${idx.length} elements × 2^${bits}`));
    }
    return kernels().prgGather(prg.key, prg.iv, l, bits, idx) as Promise<RingArray>;
  }
  return kernels().gatherPerElement(tables as AnyArr, bits, idx) as Promise<RingArray>;
}

/**
 * One borrow-chain link read (Kernels.bitLinkGather) from this party's share
 * of the packed bit tables: stored bytes (P2) or the keystream (P1).
 * Returns the packed share bits.
 */
export function linkRead(tables: TableShare, byteBits: number, m: Uint32Array, off: number, c: number, u: Uint8Array | undefined): Promise<Uint8Array> {
  if ('prg' in tables) {
    const { prg } = tables;
    if (prg.n !== m.length * 2 ** byteBits) {
      return Promise.reject(new ProtocolError(`linkRead: a keystream table share of ${prg.n} bytes does not fit ${m.length} elements × 2^${byteBits}`));
    }
    return kernels().prgBitLinkGather(prg.key, prg.iv, byteBits, m, off, c, u);
  }
  return kernels().bitLinkGather(tables as Uint8Array, byteBits, m, off, c, u);
}
