/**
 * CrypTen's fixed-point encoding: values in Z_2^64 (two's complement) with
 * 16 fractional bits (crypten/config/default.yaml: encoder.precision_bits: 16;
 * crypten/encoder.py FixedPointEncoder: encode = round(x · 2^16), decode =
 * x / 2^16). Conversions go through 32-bit halves so large weight tensors
 * encode without one BigInt per element.
 */
export const FRAC_BITS = 16;
export const SCALE = 2 ** FRAC_BITS;
export const SCALE_BIG = 1n << BigInt(FRAC_BITS);
const TWO32 = 2 ** 32;

/** round(x · 2^f) mod 2^64 for each x (|x · 2^f| < 2^53). */
export function encode(x: ArrayLike<number>, f = FRAC_BITS): BigUint64Array {
  const out = new BigUint64Array(x.length);
  const w = new Uint32Array(out.buffer);
  const s = 2 ** f;
  for (let i = 0; i < x.length; i++) {
    const v = Math.round(x[i]! * s);
    const hi = Math.floor(v / TWO32);
    w[2 * i] = v - hi * TWO32; // low word, 0 ≤ · < 2^32
    w[2 * i + 1] = hi >>> 0; // two's complement high word
  }
  return out;
}

/** Signed value of each element / 2^f as float64. */
export function decode(a: BigUint64Array, f = FRAC_BITS): Float64Array {
  const out = new Float64Array(a.length);
  const w = new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
  const s = 2 ** f;
  for (let i = 0; i < a.length; i++) out[i] = ((w[2 * i + 1]! | 0) * TWO32 + w[2 * i]!) / s;
  return out;
}

/** Encoding of one public constant as a bigint in [0, 2^64). */
export function encodeScalar(x: number, f = FRAC_BITS): bigint {
  return BigInt.asUintN(64, BigInt(Math.round(x * 2 ** f)));
}

/**
 * Signed floor division of each 64-bit share by a public positive integer d,
 * as torch's `share //= d` on int64 (CrypTen ArithmeticSharedTensor.div_ for
 * world size 2). Powers of two use an arithmetic shift.
 */
export function floorDivShares(a: BigUint64Array, d: number, shr: (a: BigUint64Array, k: number) => BigUint64Array): BigUint64Array {
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`floorDivShares: divisor ${d} must be a positive integer`);
  if ((d & (d - 1)) === 0 && d <= 2 ** 30) return shr(a, Math.log2(d));
  const out = new BigUint64Array(a.length);
  const D = BigInt(d);
  for (let i = 0; i < a.length; i++) {
    const v = BigInt.asIntN(64, a[i]!);
    let q = v / D;
    if (v % D !== 0n && v < 0n) q -= 1n;
    out[i] = BigInt.asUintN(64, q);
  }
  return out;
}
