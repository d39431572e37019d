/**
 * The two sharings over Z_2^l and their local (communication-free) operations.
 *
 * - Masked [[x]] (`Masked`, held by P1 and P2 online): both hold the public
 *   m = x + r; Pi holds its share ri of r = r1 + r2. P0 knows r.
 * - Additive <x> (`Additive`): Pi holds si, x = s1 + s2.
 * - `MaskOf`: the offline view of a masked tensor — r itself at P0, ri at Pi —
 *   which the offline program passes between protocol calls exactly as the
 *   online program passes `Masked` values.
 *
 * Linear operations are local on both sharings and mirrored on `MaskOf` so the
 * dealer tracks the masks of results. Masked → additive is free:
 * P1: m − r1, P2: −r2. Additive → masked costs one round (protocols/remask.ts).
 */
import { ShapeError } from '../errors.js';
import { shapeSize, type Shape } from '../ring/tensor.js';
import type { RingArray, RingBits } from '../kernels/types.js';
import { requireRole, type Party } from './party.js';
import * as R from './ring.js';

export type { Shape };
export { shapeSize };

export interface Masked {
  readonly l: RingBits;
  readonly shape: Shape;
  /** m = x + r (same at P1 and P2). */
  readonly m: RingArray;
  /** This party's share of r. */
  readonly r: RingArray;
}

export interface Additive {
  readonly l: RingBits;
  readonly shape: Shape;
  readonly s: RingArray;
}

/**
 * A masked value before its opening: this party's additive share s of
 * m = x + r (s1 + s2 = m) and its share of r. Opened by a later protocol
 * that adds it to one of its own openings (requant's `plus`).
 */
export interface MaskedShare {
  readonly l: RingBits;
  readonly shape: Shape;
  readonly s: RingArray;
  readonly r: RingArray;
}

export interface MaskOf {
  readonly l: RingBits;
  readonly shape: Shape;
  /** P0: the mask r; P1/P2: its share ri. */
  readonly r: RingArray;
}

function same(what: string, a: { l: RingBits; shape: Shape }, b: { l: RingBits; shape: Shape }): void {
  if (a.l !== b.l) throw new ShapeError(`${what}: ring widths differ (Z_2^${a.l} vs Z_2^${b.l})`);
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new ShapeError(`${what}: shapes differ ([${a.shape.join(', ')}] vs [${b.shape.join(', ')}])`);
  }
}

/** Rows × columns of a matrix shape (leading dimensions flattened into rows). */
export function matDims(shape: Shape): [number, number] {
  if (shape.length < 1) throw new ShapeError('a matrix needs at least one dimension');
  const cols = shape[shape.length - 1]!;
  return [cols === 0 ? 0 : shapeSize(shape) / cols, cols];
}

// ---- masked (online, P1/P2) ----------------------------------------------------

export function addMasked(x: Masked, y: Masked): Masked {
  same('addMasked', x, y);
  return { l: x.l, shape: x.shape, m: R.add(x.l, x.m, y.m), r: R.add(x.l, x.r, y.r) };
}

export function subMasked(x: Masked, y: Masked): Masked {
  same('subMasked', x, y);
  return { l: x.l, shape: x.shape, m: R.sub(x.l, x.m, y.m), r: R.sub(x.l, x.r, y.r) };
}

export function negMasked(x: Masked): Masked {
  return { l: x.l, shape: x.shape, m: R.neg(x.l, x.m), r: R.neg(x.l, x.r) };
}

/** c · x for a public integer c. */
export function scaleMasked(x: Masked, c: bigint): Masked {
  return { l: x.l, shape: x.shape, m: R.mulScalar(x.l, x.m, c), r: R.mulScalar(x.l, x.r, c) };
}

/** x + c for a public tensor c (mask unchanged). */
export function addPublicMasked(x: Masked, c: RingArray): Masked {
  return { l: x.l, shape: x.shape, m: R.add(x.l, x.m, c), r: x.r };
}

// ---- offline mirrors (all parties) --------------------------------------------

export function addMask(x: MaskOf, y: MaskOf): MaskOf {
  same('addMask', x, y);
  return { l: x.l, shape: x.shape, r: R.add(x.l, x.r, y.r) };
}

export function subMask(x: MaskOf, y: MaskOf): MaskOf {
  same('subMask', x, y);
  return { l: x.l, shape: x.shape, r: R.sub(x.l, x.r, y.r) };
}

export function negMask(x: MaskOf): MaskOf {
  return { l: x.l, shape: x.shape, r: R.neg(x.l, x.r) };
}

export function scaleMask(x: MaskOf, c: bigint): MaskOf {
  return { l: x.l, shape: x.shape, r: R.mulScalar(x.l, x.r, c) };
}

/** Adding a public tensor leaves the mask unchanged. */
export function addPublicMask(x: MaskOf): MaskOf {
  return x;
}

// ---- additive ---------------------------------------------------------------------

export function addAdditive(x: Additive, y: Additive): Additive {
  same('addAdditive', x, y);
  return { l: x.l, shape: x.shape, s: R.add(x.l, x.s, y.s) };
}

export function subAdditive(x: Additive, y: Additive): Additive {
  same('subAdditive', x, y);
  return { l: x.l, shape: x.shape, s: R.sub(x.l, x.s, y.s) };
}

export function scaleAdditive(x: Additive, c: bigint): Additive {
  return { l: x.l, shape: x.shape, s: R.mulScalar(x.l, x.s, c) };
}

/** x + c for a public c: P1 adds it, P2 keeps its share. */
export function addPublicAdditive(party: Party, x: Additive, c: RingArray): Additive {
  requireRole(party, ['P1', 'P2'], 'addPublicAdditive');
  return party.id === 'P1' ? { l: x.l, shape: x.shape, s: R.add(x.l, x.s, c) } : x;
}

/** Masked → additive, free: P1 holds m − r1, P2 holds −r2. */
export function toAdditive(party: Party, x: Masked): Additive {
  requireRole(party, ['P1', 'P2'], 'toAdditive');
  return { l: x.l, shape: x.shape, s: party.id === 'P1' ? R.sub(x.l, x.m, x.r) : R.neg(x.l, x.r) };
}

// ---- layout (local) ----------------------------------------------------------------

/** Transpose of a masked matrix (m and the mask share move together). */
export function transposeMasked(x: Masked): Masked {
  const [a, b] = matDims(x.shape);
  return { l: x.l, shape: [b, a], m: R.transpose(x.m, a, b), r: R.transpose(x.r, a, b) };
}

/** Offline mirror of transposeMasked. */
export function transposeMask(x: MaskOf): MaskOf {
  const [a, b] = matDims(x.shape);
  return { l: x.l, shape: [b, a], r: R.transpose(x.r, a, b) };
}
