/**
 * Dealer-side table math of the lookup-table protocols (transport-free).
 *
 * Every masked element i has its own mask r_i, so every element needs its own
 * rotated copy of its table: T'_i[j] = T_{c(i)}((j − r_i) mod 2^n). The party
 * that holds m_i = x_i + r_i reads T'_i[m_i mod 2^n] = T_{c(i)}(x_i mod 2^n).
 *
 * Tables are given as `channels` tables of 2^n entries back to back; element
 * i uses channel i mod channels (channels = 1: one table for all elements;
 * channels = last dimension: per-column tables as in intops.requant;
 * channels = number of elements: one table per element).
 *
 * Rotations are built without a per-entry loop: element i's rotated table is
 * its channel's last r_i entries followed by the rest, two memcpy in the
 * native `rotateTables` kernel. Borrow tables of the exact shift are two
 * `fill` calls per element.
 */
import { ShapeError } from '../../errors.js';
import { allocRing, allocRingUninit, RING_BITS, ringBytes, type RingArray, type RingBits } from '../../kernels/types.js';
import { kernels } from '../ring.js';

/** Largest index width of any table (single- or multi-input). */
export const MAX_INDEX_BITS = 16;

/** Throw ShapeError unless 1 ≤ bits ≤ 16. */
export function checkIndexBits(what: string, bits: number): void {
  if (!Number.isInteger(bits) || bits < 1 || bits > MAX_INDEX_BITS) {
    throw new ShapeError(`${what}: index width ${String(bits)} bits is out of range (1 ≤ bits ≤ ${MAX_INDEX_BITS})`);
  }
}

/** Throw ShapeError unless `l` is a ring width. */
export function checkRing(what: string, l: number): asserts l is RingBits {
  if (!RING_BITS.includes(l as RingBits)) throw new ShapeError(`${what}: ring width l=${String(l)} is not supported (use one of ${RING_BITS.join(', ')})`);
}

/** The ring width whose storage array type `a` is (Uint8Array → 8). */
function storageBits(a: RingArray): RingBits {
  if (a instanceof BigUint64Array) return 64;
  if (a instanceof Uint32Array) return 32;
  if (a instanceof Uint16Array) return 16;
  return 8;
}

/**
 * Check a table set: `channels` tables of 2^bits entries of Z_2^l, and that
 * `count` elements map onto the channels (count divisible by channels).
 */
export function checkTables(what: string, table: RingArray, bits: number, l: RingBits, channels: number, count: number): void {
  checkIndexBits(what, bits);
  checkRing(what, l);
  if (!Number.isInteger(channels) || channels < 1) throw new ShapeError(`${what}: channels must be a positive integer, got ${String(channels)}`);
  const want = l === 1 ? 8 : l;
  if (storageBits(table) !== want) throw new ShapeError(`${what}: a table of Z_2^${l} needs ${allocRing(l, 0).constructor.name} storage, got ${table.constructor.name}`);
  if (table.length !== channels * 2 ** bits) {
    throw new ShapeError(`${what}: table has ${table.length} entries, but ${channels} channel(s) of a ${bits}-bit index need ${channels} · 2^${bits} = ${channels * 2 ** bits}`);
  }
  if (count % channels !== 0) throw new ShapeError(`${what}: ${count} elements do not divide into ${channels} table channels`);
}

/** Low `bits` (≤ 32) bits of every element, as unsigned numbers. */
export function lowBits(a: RingArray, bits: number): Uint32Array {
  const out = new Uint32Array(a.length);
  if (a instanceof BigUint64Array) {
    const mask = (1n << BigInt(bits)) - 1n;
    for (let i = 0; i < a.length; i++) out[i] = Number(a[i]! & mask);
    return out;
  }
  out.set(a);
  if (bits < 32) {
    const mask = bits === 0 ? 0 : (2 ** bits - 1) >>> 0;
    for (let i = 0; i < out.length; i++) out[i] = (out[i]! & mask) >>> 0;
  }
  return out;
}

/**
 * Per-element rotated tables: out[i·2^n + j] = T_c(i)[(j − r_i) mod 2^n] with
 * c(i) = i mod channels, or ⌊i / (N / channels)⌋ when `blocks` (contiguous
 * blocks of elements share a table). `r` holds the masks in any ring (only
 * the low n bits matter). Output in the table's ring, `r.length · 2^n` entries.
 */
export async function rotateTables(table: RingArray, bits: number, l: RingBits, channels: number, r: RingArray, blocks = false): Promise<RingArray> {
  checkTables('rotateTables', table, bits, l, channels, r.length);
  return rotatePerElement(table, bits, l, channels, lowBits(r, bits), blocks, 0);
}

/**
 * The kernel behind every per-element rotation (Kernels.rotateTables: two
 * copies per element, split over the native threads, off the event loop).
 * Only the output is allocated, here with allocRing so that it gets the
 * huge-page advice before the kernel's threads first touch it. (Tables were
 * once rotated in JavaScript from a doubled copy T‖T: three times their own
 * size in fresh memory, all of it faulted in on the dealer's one thread.)
 */
export function rotatePerElement(table: RingArray, bits: number, l: RingBits, channels: number, rot: Uint32Array, blocks: boolean, pairShift: 0 | 1): Promise<RingArray> {
  const out = allocRingUninit(l, rot.length * 2 ** bits) as RingArray; // the kernel writes every entry
  return kernels().rotateTables(table as never, bits, rot, channels, blocks, pairShift, out as never) as Promise<RingArray>;
}

/**
 * Per-element rotated tables of a multi-input table T(x1, …, xk) whose index
 * is the concatenation x1 ‖ … ‖ xk (x1 most significant, widths `bits`):
 * out[i·2^B + j] = T_{i mod channels}(j1 − r1_i, …, jk − rk_i), each digit
 * mod 2^{n_t}. Built row by row: for every value of the leading digits one
 * `set` copies the rotated last-digit row.
 */
export async function rotateTablesMulti(table: RingArray, bits: readonly number[], l: RingBits, channels: number, r: readonly RingArray[]): Promise<RingArray> {
  if (bits.length < 1 || bits.length !== r.length) throw new ShapeError(`rotateTablesMulti: ${bits.length} index widths for ${r.length} inputs`);
  const B = bits.reduce((a, b) => a + b, 0);
  for (const b of bits) checkIndexBits('rotateTablesMulti', b);
  checkIndexBits('rotateTablesMulti (total index)', B);
  const N = r[0]!.length;
  for (const ri of r) if (ri.length !== N) throw new ShapeError(`rotateTablesMulti: inputs hold ${r.map((x) => x.length).join(', ')} elements, expected equal counts`);
  checkTables('rotateTablesMulti', table, B, l, channels, N);
  if (bits.length === 1) return rotateTables(table, B, l, channels, r[0]!);
  const k = bits.length;
  const last = bits[k - 1]!;
  const rowLen = 2 ** last;
  const rows = 2 ** (B - last);
  // Row-doubled layout: every row of every channel stored as row ‖ row.
  const S = 2 ** B;
  const d = new (table.constructor as new (n: number) => RingArray)(2 * S * channels) as Uint32Array;
  const t32 = table as Uint32Array;
  for (let q = 0; q < rows * channels; q++) {
    const row = t32.subarray(q * rowLen, (q + 1) * rowLen);
    d.set(row, 2 * rowLen * q);
    d.set(row, 2 * rowLen * q + rowLen);
  }
  const low = r.map((ri, t) => lowBits(ri, bits[t]!));
  const out = allocRing(l, N * S) as Uint32Array;
  const lead = bits.slice(0, k - 1);
  const digits = new Int32Array(k - 1);
  for (let i = 0; i < N; i++) {
    const chRow = (i % channels) * rows;
    const rot = low[k - 1]![i]!;
    // Walk the leading digits j (row index in the rotated table) in order.
    digits.fill(0);
    for (let jr = 0; jr < rows; jr++) {
      // Source row: digits (j_t − r_t) mod 2^{n_t}, concatenated.
      let src = 0;
      for (let t = 0; t < k - 1; t++) src = src * 2 ** lead[t]! + ((digits[t]! - low[t]![i]! + 2 ** lead[t]!) % 2 ** lead[t]!);
      const base = 2 * rowLen * (chRow + src) + rowLen - rot;
      out.set(d.subarray(base, base + rowLen), i * S + jr * rowLen);
      // Increment the mixed-radix counter (last leading digit fastest).
      for (let t = k - 2; t >= 0; t--) {
        if (++digits[t]! < 2 ** lead[t]!) break;
        digits[t] = 0;
      }
    }
  }
  return out as RingArray;
}

/**
 * Borrow tables of one exact-shift chunk: out[i·2^c + j] = base_i − [j < rl_i]
 * in Z_2^l, where rl_i < 2^c is element i's low mask part and `base` (ring
 * Z_2^l) is what the dealer folds in (−r_hi + next mask).
 */
export function borrowTables(c: number, l: RingBits, rl: Uint32Array, base: RingArray): RingArray {
  checkIndexBits('borrowTables', c);
  if (rl.length !== base.length) throw new ShapeError(`borrowTables: ${rl.length} low parts for ${base.length} bases`);
  const S = 2 ** c;
  const N = rl.length;
  const out = allocRing(l, N * S) as RingArray;
  if (out instanceof BigUint64Array) {
    const b = base as BigUint64Array;
    for (let i = 0; i < N; i++) {
      const v = b[i]!;
      out.fill(v, i * S, (i + 1) * S);
      out.fill(BigInt.asUintN(64, v - 1n), i * S, i * S + rl[i]!);
    }
  } else {
    const o = out as Uint32Array;
    const b = base as Uint32Array;
    // Typed-array fill reduces mod 2^width, so v − 1 wraps correctly.
    for (let i = 0; i < N; i++) {
      const v = b[i]!;
      o.fill(v, i * S, (i + 1) * S);
      o.fill(v - 1, i * S, i * S + rl[i]!);
    }
    if (l === 1) for (let i = 0; i < o.length; i++) o[i]! &= 1;
  }
  return out;
}

/** Bytes of `count` rotated tables of a `bits`-bit index in Z_2^l (the offline correction). */
export function tableBytes(count: number, bits: number, l: RingBits): number {
  return count * 2 ** bits * ringBytes(l);
}

// ---- standard tables (dealer helpers and tests) -------------------------------------

/** A 2^bits-entry table from a function of the unsigned index, in Z_2^l. */
export function tableFrom(bits: number, l: RingBits, f: (j: number) => bigint | number): RingArray {
  checkIndexBits('tableFrom', bits);
  checkRing('tableFrom', l);
  const S = 2 ** bits;
  const t = allocRing(l, S) as RingArray;
  for (let j = 0; j < S; j++) {
    const v = BigInt.asUintN(l, BigInt(f(j)));
    if (t instanceof BigUint64Array) t[j] = v;
    else t[j] = Number(v);
  }
  return t;
}

/** Two's-complement value of an unsigned n-bit index. */
export function signedOf(j: number, bits: number): number {
  return j >= 2 ** (bits - 1) ? j - 2 ** bits : j;
}

/** Identity (unsigned extension) or sign-extension table Z_2^n → Z_2^l. */
export function extensionTable(bits: number, l: RingBits, signed: boolean): RingArray {
  return tableFrom(bits, l, (j) => (signed ? signedOf(j, bits) : j));
}

/** ReLU of a signed n-bit value, in Z_2^l. */
export function reluTable(bits: number, l: RingBits): RingArray {
  return tableFrom(bits, l, (j) => Math.max(0, signedOf(j, bits)));
}

/** [x > 0] (strictly positive) of a signed n-bit value, in Z_2^l. */
export function positiveTable(bits: number, l: RingBits): RingArray {
  return tableFrom(bits, l, (j) => (signedOf(j, bits) > 0 ? 1 : 0));
}

/** sign(x) ∈ {−1, 0, 1} of a signed n-bit value, in Z_2^l. */
export function signTable(bits: number, l: RingBits): RingArray {
  return tableFrom(bits, l, (j) => Math.sign(signedOf(j, bits)));
}
