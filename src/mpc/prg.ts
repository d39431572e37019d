/**
 * Seeded pseudo-random streams: AES-128 in counter mode from the kernel
 * backend (`prgFill`, AES-NI in native code).
 *
 * A stream is (key, 64-bit nonce, position). Its counter block is
 * nonce ‖ position (big-endian), so streams with distinct nonces never share
 * a keystream block. Every draw starts on a block boundary and the position
 * is reserved synchronously when the draw is called, so the sequence of draws
 * is fixed by call order even when several draws are awaited concurrently.
 *
 * Sub-streams keyed by a deterministic tag (`PrgStream.forTag`) let the dealer
 * and a party expand the same material for one protocol call independently of
 * the order in which other calls run.
 */
import { createHash, randomBytes } from 'node:crypto';
import { allocRingUninit, ringBytes, type RingArray, type RingBits } from '../kernels/types.js';
import type { PrgRef } from './material.js';
import { bytesOf, kernels, reduceBits } from './ring.js';

export const SEED_BYTES = 16;

/** A fresh 128-bit seed from the OS CSPRNG. */
export function freshSeed(): Uint8Array {
  return new Uint8Array(randomBytes(SEED_BYTES));
}

/** 64-bit nonce of a tag: the first 8 bytes of SHA-256(domain ‖ 0 ‖ tag). */
export function tagNonce(tag: string, domain = 'lutmpc/prg'): Uint8Array {
  return new Uint8Array(createHash('sha256').update(domain).update('\0').update(tag).digest().subarray(0, 8));
}

/**
 * A key derived from a pairwise seed for one named use: the first 16 bytes of
 * SHA-256(domain ‖ 0 ‖ seed ‖ label). Handing it to a third party (the
 * client, for the input mask) opens that one stream and nothing else: the
 * seed cannot be recovered from it.
 */
export function derivedKey(seed: Uint8Array, label: string, domain = 'lutmpc/derived-key'): Uint8Array {
  return new Uint8Array(createHash('sha256').update(domain).update('\0').update(seed).update(label).digest().subarray(0, SEED_BYTES));
}

export class PrgStream {
  private pos = 0n; // in 16-byte blocks

  constructor(
    private readonly key: Uint8Array,
    private readonly nonce: Uint8Array = new Uint8Array(8),
  ) {
    if (key.length !== SEED_BYTES) throw new RangeError(`PrgStream: key must be ${SEED_BYTES} bytes, got ${key.length}`);
    if (nonce.length !== 8) throw new RangeError(`PrgStream: nonce must be 8 bytes, got ${nonce.length}`);
  }

  /** The sub-stream of this key for a deterministic tag, at position 0. */
  static forTag(key: Uint8Array, tag: string): PrgStream {
    return new PrgStream(key, tagNonce(tag));
  }

  /** Current position in 16-byte blocks. */
  get position(): bigint {
    return this.pos;
  }

  /** The counter block nonce ‖ pos (pos in 16-byte blocks, big-endian). */
  private counterBlock(pos: bigint): Uint8Array {
    const iv = new Uint8Array(16);
    iv.set(this.nonce, 0);
    new DataView(iv.buffer).setBigUint64(8, pos, false);
    return iv;
  }

  /** Reserve `nbytes` of keystream now; return the counter block where they start. */
  private reserve(nbytes: number): Uint8Array {
    const iv = this.counterBlock(this.pos);
    this.pos += BigInt(Math.ceil(nbytes / 16));
    return iv;
  }

  /**
   * Reserve the next n elements of Z_2^l without expanding them: the
   * reference `ring(l, n)` would have filled (read back with `prgGather`).
   */
  reserveRef(l: RingBits, n: number): PrgRef {
    if (l === 1) throw new RangeError('PrgStream.reserveRef: Z_2^1 draws are reduced per byte; use ring()');
    return { key: this.key, iv: this.reserve(n * ringBytes(l)), n };
  }

  /**
   * value ← value − ks (or value ⊕ ks with `xor`), in place, where ks is the
   * next value.length elements of Z_2^l (l ≥ 8): the same keystream and
   * result as `ring(l, n)` followed by a subtraction, without a second
   * array of the value's size. The dealer's corrections of large tables
   * are made this way: a fresh array of that size costs a page fault and a
   * zeroed page per 4 KB, which was the dealer's largest offline cost.
   * One native pass (Kernels.prgMix) expands the keystream block by block
   * in cache and mixes it in, off the event loop: no keystream buffer and
   * no second pass over the value.
   */
  async mixInto(l: RingBits, value: RingArray, xor = false): Promise<RingArray> {
    if (l === 1) throw new RangeError('PrgStream.mixInto: Z_2^1 draws are reduced per byte; use ring()');
    const bytes = bytesOf(value);
    if (bytes.byteLength !== value.length * ringBytes(l)) throw new RangeError(`PrgStream.mixInto: a ${value.length}-element array is not stored in Z_2^${l}`);
    const iv = this.reserve(bytes.byteLength);
    if (value.length > 0) await kernels().prgMix(this.key, iv, xor ? 'xor' : 'sub', l, value as never);
    return value;
  }

  /** Fill `out` with the next keystream bytes. */
  fill(out: Uint8Array): Promise<Uint8Array> {
    const iv = this.reserve(out.byteLength);
    if (out.byteLength === 0) return Promise.resolve(out);
    return kernels().prgFill(this.key, iv, out);
  }

  /** `n` uniform elements of Z_2^l (l = 1: one bit per byte). */
  async ring(l: RingBits, n: number): Promise<RingArray> {
    const out = allocRingUninit(l, n) as RingArray; // the keystream overwrites every byte
    await this.fill(new Uint8Array(out.buffer, out.byteOffset, n * ringBytes(l)));
    if (l === 1) reduceBits(out as Uint8Array);
    return out;
  }
}
