/**
 * Thin ring helpers over the process-wide `Kernels` backend, typed on the
 * runtime width `l` rather than on generic array types, so protocol code stays
 * short. Every helper allocates its result unless `out` is given; inputs are
 * never modified unless passed as `out`.
 *
 * GEMM exists only for Z_2^32 and Z_2^64 in the kernel interface; products in
 * Z_2^1, Z_2^8 and Z_2^16 run in Z_2^32 and are reduced (2^l divides 2^32, so
 * the low l bits are exact).
 */
import { getKernels } from '../kernels/loader.js';
import { allocRing, ringBytes, RING_BITS, type Kernels, type RingArray, type RingBits } from '../kernels/types.js';
import { ShapeError } from '../errors.js';

export { allocRing, ringBytes };
export type { RingArray, RingBits };

/** The process-wide backend (native when built, else TypeScript). */
export function kernels(): Kernels {
  return getKernels();
}

/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyArr = any;

export function checkL(l: number, what = 'ring width'): asserts l is RingBits {
  if (!RING_BITS.includes(l as RingBits)) throw new ShapeError(`${what} l=${String(l)} is not supported (use one of ${RING_BITS.join(', ')})`);
}

export function add(l: RingBits, a: RingArray, b: RingArray, out?: RingArray): RingArray {
  return kernels().binary('add', l, a as AnyArr, b as AnyArr, out as AnyArr);
}
export function sub(l: RingBits, a: RingArray, b: RingArray, out?: RingArray): RingArray {
  return kernels().binary('sub', l, a as AnyArr, b as AnyArr, out as AnyArr);
}
/** Element-wise product. */
export function mul(l: RingBits, a: RingArray, b: RingArray, out?: RingArray): RingArray {
  return kernels().binary('mul', l, a as AnyArr, b as AnyArr, out as AnyArr);
}
export function neg(l: RingBits, a: RingArray, out?: RingArray): RingArray {
  return kernels().unary('neg', l, a as AnyArr, out as AnyArr);
}
export function mulScalar(l: RingBits, a: RingArray, s: bigint, out?: RingArray): RingArray {
  return kernels().mulScalar(l, a as AnyArr, s, out as AnyArr);
}

/** Keep bit 0 of each byte (storage convention of Z_2: one bit per byte). In place. */
export function reduceBits(a: Uint8Array): Uint8Array {
  const k = kernels();
  k.shift('shl', 8, a, 7, a);
  return k.shift('shr', 8, a, 7, a);
}

/** Convert a Z_2^32 array to the storage of Z_2^l (l ≤ 32): keeps the low l bits. */
function narrow32(l: RingBits, c: Uint32Array): RingArray {
  if (l === 32) return c;
  if (l === 16) return new Uint16Array(c);
  const b = new Uint8Array(c);
  return l === 1 ? reduceBits(b) : b;
}

function widen32(a: RingArray): Uint32Array {
  return a instanceof Uint32Array ? a : new Uint32Array(a as Uint8Array | Uint16Array);
}

/** C (m×n) = A (m×k) · B (k×n) mod 2^l, any ring width. */
export async function matmul(l: RingBits, a: RingArray, b: RingArray, m: number, k: number, n: number): Promise<RingArray> {
  if (a.length !== m * k || b.length !== k * n) {
    throw new ShapeError(`matmul: operands hold ${a.length} and ${b.length} elements, expected ${m}×${k} and ${k}×${n}`);
  }
  const K = kernels();
  if (l === 64) return K.gemm(64, a as BigUint64Array, b as BigUint64Array, m, k, n);
  const c = await K.gemm(32, widen32(a), widen32(b), m, k, n);
  return narrow32(l, c);
}

/** Byte view of a ring array (no copy). */
/**
 * Bytes that n elements of Z_2^l take in a round message: Z_2 travels
 * packed, eight elements per byte (bits.ts, round.ts); wider rings as stored.
 */
export function wireBytes(l: RingBits, n: number): number {
  return l === 1 ? (n + 7) >> 3 : n * ringBytes(l);
}

export function bytesOf(a: RingArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * A ring array of `n` elements read from `bytes` at `offset`: a view when the
 * offset is aligned to the element size, else a copy.
 */
export function ringView(l: RingBits, bytes: Uint8Array, offset: number, n: number): RingArray {
  const eb = ringBytes(l);
  const at = bytes.byteOffset + offset;
  if (offset + n * eb > bytes.byteLength) throw new ShapeError(`ringView: ${n} elements of Z_2^${l} at offset ${offset} exceed ${bytes.byteLength} bytes`);
  if (at % eb === 0) {
    switch (l) {
      case 64: return new BigUint64Array(bytes.buffer, at, n);
      case 32: return new Uint32Array(bytes.buffer, at, n);
      case 16: return new Uint16Array(bytes.buffer, at, n);
      default: return new Uint8Array(bytes.buffer, at, n);
    }
  }
  const out = allocRing(l, n) as RingArray;
  bytesOf(out).set(bytes.subarray(offset, offset + n * eb));
  return out;
}

/** Ring array from plain numbers/bigints (tests, small constants). */
export function ringFrom(l: RingBits, values: ArrayLike<number | bigint>): RingArray {
  const out = allocRing(l, values.length) as RingArray;
  const mask = (1n << BigInt(l)) - 1n;
  for (let i = 0; i < values.length; i++) {
    const v = BigInt(values[i]!) & mask;
    if (out instanceof BigUint64Array) out[i] = v;
    else out[i] = Number(v);
  }
  return out;
}

/** Values of a ring array as bigints (tests, reports). */
export function ringToBigInts(a: RingArray): bigint[] {
  return Array.from(a as ArrayLike<number | bigint>, (v) => BigInt(v));
}

/** Copy of a ring array. */
export function clone(a: RingArray): RingArray {
  return a.slice() as RingArray;
}

/** Each of the values of v repeated `times` times, back to back (v.length·times elements). */
export function repeatEach(l: RingBits, v: RingArray, times: number): RingArray {
  const o = allocRing(l, v.length * times) as RingArray;
  if (o instanceof BigUint64Array) for (let i = 0; i < v.length; i++) o.fill((v as BigUint64Array)[i]!, i * times, (i + 1) * times);
  else for (let i = 0; i < v.length; i++) (o as Uint32Array).fill((v as Uint32Array)[i]!, i * times, (i + 1) * times);
  return o;
}

/** Broadcast-add a row vector (length n) to each of the m rows of a (m×n), in place. */
export function addRows(l: RingBits, a: RingArray, row: RingArray, m: number, n: number): RingArray {
  if (row.length !== n || a.length !== m * n) throw new ShapeError(`addRows: row of ${row.length} elements for a ${m}×${n} matrix`);
  const tiled = allocRing(l, m * n) as RingArray;
  for (let i = 0; i < m; i++) (tiled as Uint32Array).set(row as Uint32Array, i * n);
  return add(l, a, tiled, a);
}

/** Sums of consecutive groups of `cols` elements (row sums of a rows×cols matrix), mod 2^l. */
export async function rowSums(l: RingBits, a: RingArray, rows: number, cols: number): Promise<RingArray> {
  if (a.length !== rows * cols) throw new ShapeError(`rowSums: ${a.length} elements are not ${rows}×${cols}`);
  if (l === 32 || l === 64) {
    const ones = allocRing(l, cols) as RingArray;
    if (ones instanceof BigUint64Array) ones.fill(1n);
    else (ones as Uint32Array).fill(1);
    return matmul(l, a, ones, rows, cols, 1);
  }
  const out = allocRing(l, rows) as unknown as Uint32Array;
  const src = a as unknown as Uint32Array;
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += src[i * cols + j]!;
    out[i] = s; // typed-array store reduces mod 2^l (l ≤ 16 here; l = 1 reduced below)
  }
  return l === 1 ? reduceBits(out as unknown as Uint8Array) : (out as RingArray);
}

/** Transpose of an m×n matrix. */
export function transpose(a: RingArray, m: number, n: number): RingArray {
  const out = (a as Uint32Array).constructor === BigUint64Array ? new BigUint64Array(m * n) : (new (a.constructor as new (n: number) => RingArray)(m * n));
  const src = a as unknown as { [i: number]: number | bigint };
  const dst = out as unknown as { [i: number]: number | bigint };
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) dst[j * m + i] = src[i * n + j]!;
  return out;
}
