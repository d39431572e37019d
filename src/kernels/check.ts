/**
 * Argument checks shared by every backend, so that the TypeScript oracle and
 * the native addon reject the same inputs with the same kind of error
 * (TypeError for a wrong array kind, RangeError for a wrong size or width).
 */
import { RING_BITS, type RingArray, type RingBits } from './types.js';

const KIND_OF_BITS: Record<RingBits, string> = {
  1: 'Uint8Array',
  8: 'Uint8Array',
  16: 'Uint16Array',
  32: 'Uint32Array',
  64: 'BigUint64Array',
};

export function kindOf(a: unknown): string {
  if (a === null) return 'null';
  if (typeof a !== 'object') return typeof a;
  return (a as object).constructor?.name ?? 'object';
}

export function checkRingBits(fn: string, l: unknown, allowed: readonly number[] = RING_BITS): asserts l is RingBits {
  if (typeof l !== 'number' || !allowed.includes(l)) {
    throw new RangeError(`${fn}: ring width l=${String(l)} is not supported (use one of ${allowed.join(', ')})`);
  }
}

/** The array must be the storage type of ring l. */
export function checkRingArray(fn: string, name: string, l: RingBits, a: unknown, length?: number): asserts a is RingArray {
  const want = KIND_OF_BITS[l];
  if (kindOf(a) !== want) {
    throw new TypeError(`${fn}: argument '${name}' must be a ${want} for ring Z_2^${l}, got ${kindOf(a)}`);
  }
  if (length !== undefined && (a as RingArray).length !== length) {
    throw new RangeError(`${fn}: argument '${name}' must have length ${length}, got ${(a as RingArray).length}`);
  }
}

/** Any unsigned ring array (used for table indices). */
export function checkIndexArray(fn: string, name: string, a: unknown): asserts a is RingArray {
  if (!(a instanceof Uint8Array || a instanceof Uint16Array || a instanceof Uint32Array || a instanceof BigUint64Array)) {
    throw new TypeError(`${fn}: argument '${name}' must be a Uint8Array, Uint16Array, Uint32Array or BigUint64Array, got ${kindOf(a)}`);
  }
}

export function checkDim(fn: string, name: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new RangeError(`${fn}: dimension '${name}' must be a non-negative integer, got ${String(v)}`);
  }
}

export function checkShift(fn: string, l: RingBits, k: unknown): asserts k is number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k >= l) {
    throw new RangeError(`${fn}: shift count k=${String(k)} is out of range for Z_2^${l} (0 ≤ k < ${l})`);
  }
}

export const MAX_TABLE_BITS = 24;

export function checkTableBits(fn: string, bits: unknown): asserts bits is number {
  if (typeof bits !== 'number' || !Number.isInteger(bits) || bits < 1 || bits > MAX_TABLE_BITS) {
    throw new RangeError(`${fn}: table index width bits=${String(bits)} is out of range (1 ≤ bits ≤ ${MAX_TABLE_BITS})`);
  }
}

export function checkBytes(fn: string, name: string, a: unknown, length?: number): asserts a is Uint8Array {
  if (!(a instanceof Uint8Array)) throw new TypeError(`${fn}: argument '${name}' must be a Uint8Array, got ${kindOf(a)}`);
  if (length !== undefined && a.length !== length) {
    throw new RangeError(`${fn}: argument '${name}' must be ${length} bytes, got ${a.length}`);
  }
}

/** Ring width of a table array for gathers (Uint8Array → 8). */
export function tableRingBits(fn: string, name: string, a: unknown): RingBits {
  if (a instanceof BigUint64Array) return 64;
  if (a instanceof Uint32Array) return 32;
  if (a instanceof Uint16Array) return 16;
  if (a instanceof Uint8Array) return 8;
  throw new TypeError(`${fn}: argument '${name}' must be a Uint8Array, Uint16Array, Uint32Array or BigUint64Array, got ${kindOf(a)}`);
}
