/**
 * A ring tensor: a shape, a ring width l and the typed array that stores
 * Z_2^l row-major. Shapes are checked once here so that kernels and
 * protocols can trust `data.length === size(shape)`.
 */
import { ShapeError } from '../errors.js';
import { allocRing, arrayRingBits, RING_BITS, type RingArrayOf, type RingBits } from '../kernels/types.js';

export type Shape = readonly number[];

export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new ShapeError(`shape [${shape.join(', ')}] has an invalid dimension ${String(d)}`);
    n *= d;
  }
  return n;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export class RingTensor<L extends RingBits = RingBits> {
  readonly shape: Shape;

  constructor(
    readonly l: L,
    shape: Shape,
    readonly data: RingArrayOf<L>,
  ) {
    if (!RING_BITS.includes(l)) throw new ShapeError(`ring width l=${String(l)} is not supported (use one of ${RING_BITS.join(', ')})`);
    const want = l === 1 ? 8 : l;
    if (arrayRingBits(data) !== want) {
      throw new ShapeError(`a Z_2^${l} tensor needs ${allocRing(l, 0).constructor.name} storage, got ${(data as object).constructor.name}`);
    }
    const n = shapeSize(shape);
    if (data.length !== n) throw new ShapeError(`shape [${shape.join(', ')}] holds ${n} elements but the data has ${data.length}`);
    this.shape = Object.freeze([...shape]);
  }

  static zeros<L extends RingBits>(l: L, shape: Shape): RingTensor<L> {
    return new RingTensor(l, shape, allocRing(l, shapeSize(shape)));
  }

  /** From signed or unsigned integers (numbers or bigints), reduced mod 2^l. */
  static fromInts<L extends RingBits>(l: L, shape: Shape, values: ArrayLike<number | bigint>): RingTensor<L> {
    const t = RingTensor.zeros(l, shape);
    if (values.length !== t.size) throw new ShapeError(`shape [${shape.join(', ')}] holds ${t.size} elements but ${values.length} values were given`);
    const d = t.data as unknown as { [i: number]: number | bigint };
    for (let i = 0; i < values.length; i++) {
      const v = BigInt(values[i]!);
      d[i] = l === 64 ? BigInt.asUintN(64, v) : Number(BigInt.asUintN(l, v));
    }
    return t;
  }

  get size(): number {
    return this.data.length;
  }

  /** Element i as a signed integer (two's complement in l bits). */
  signedAt(i: number): bigint {
    return BigInt.asIntN(this.l, BigInt(this.data[i]!));
  }

  /** All elements as signed bigints. */
  toSigned(): bigint[] {
    const out: bigint[] = new Array(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.signedAt(i);
    return out;
  }

  reshape(shape: Shape): RingTensor<L> {
    return new RingTensor(this.l, shape, this.data);
  }

  clone(): RingTensor<L> {
    return new RingTensor(this.l, this.shape, this.data.slice() as RingArrayOf<L>);
  }
}
