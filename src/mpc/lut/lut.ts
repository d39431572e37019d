/**
 * Table lookup on masked values: [[y]] = T([[x]]) with T known to P0 only.
 *
 * Single input (`lut`, `lutAdditive`): x masked in any ring, index = low n
 * bits (1 ≤ n ≤ 16), output in any ring Z_2^l. Multi-input (`lutMulti`):
 * T(x1, …, xk) indexed by the concatenation x1 ‖ … ‖ xk (x1 most significant,
 * total ≤ 16 bits) — the softmax primitive; same costs with n = Σ n_t.
 *
 * Offline (P0 deals; `lutOffline` / `lutMultiOffline`):
 *   1. P0 deals a fresh output mask ρ = ρ1 + ρ2 from the seeds (no bytes;
 *      masked output only).
 *   2. P0 builds every element's rotated table T'_i[j] = T_c(i)((j − r_i) mod 2^n)
 *      (digit-wise for multi-input) and deals additive shares of the N·2^n
 *      entries: P1's from the P0–P1 stream
 *      (never sent, never expanded: P1 keeps the keystream reference,
 *      `Dealing.shareTable`), P2's correction sent (the only offline bytes).
 * Online (P1, P2):
 *   3. Pi reads its share at the public index m_i mod 2^n (P2: kernel
 *      gather from the stored tables; P1: `prgGather`, one AES block per
 *      element) and adds its share of ρ_i (`readMasked`): additive shares
 *      of T(x_i) + ρ_i, zero bytes. (ρ is not folded into the tables: that
 *      was a pass and an array of the tables' size at P0 for what each
 *      party adds to N values online.)
 *   4. Masked output: the shares go into the caller's round, which opens
 *      m_y = T(x) + ρ (one round, batched with the round's other slots);
 *      `lutAdditive` stops after step 3 (no round).
 *
 * Cost (N elements, n index bits, output Z_2^l, b = ringBytes(l)):
 *   offline P0→P2 N·2^n·b bytes (P2 1 round); online P1↔P2 N·b each way,
 *   1 round (masked) or nothing (additive).
 */
import { ProtocolError, ShapeError } from '../../errors.js';
import type { RingArray, RingBits } from '../../kernels/types.js';
import { correction, exchange, NO_COST, type ProtocolCost } from '../cost.js';
import type { Dealing, Offline } from '../dealer.js';
import type { Party } from '../party.js';
import { item, tableItem, type TableShare } from '../protocols/common.js';
import * as R from '../ring.js';
import type { Round } from '../round.js';
import { shapeSize, type Additive, type Masked, type MaskOf, type Shape } from '../sharing.js';
import { concatIndex, lookup } from './local.js';
import { checkIndexBits, checkRing, checkTables, rotateTables, rotateTablesMulti, tableBytes } from './tables.js';

/** What all parties know about a lookup: index width(s) and output ring. */
export interface LutSpec {
  /** Index width n (single input). */
  bits: number;
  /** Output ring Z_2^l. */
  l: RingBits;
}

export interface LutMultiSpec {
  /** Index width of each input, first most significant. */
  bits: readonly number[];
  l: RingBits;
}

/** The table(s), known to P0 only: `channels` tables of 2^n entries, element i uses channel i mod channels. */
export interface DealerTable {
  data: RingArray;
  channels: number;
  /**
   * Which channel element i uses: i mod channels (false, default: channel =
   * column of a row-major matrix) or ⌊i·channels / N⌋ (true: contiguous
   * blocks, e.g. attention heads stacked one after another).
   */
  blocks?: boolean;
}

export function lutCost(s: { n: number; bits: number; l: RingBits; masked?: boolean }): ProtocolCost {
  const masked = s.masked ?? true;
  return {
    name: masked ? 'lut' : 'lutAdditive',
    offline: correction(tableBytes(s.n, s.bits, s.l)),
    online: masked ? exchange(R.wireBytes(s.l, s.n)) : NO_COST,
  };
}

/** Multi-input lookup cost (n = total index bits). */
export function lutMultiCost(s: { n: number; bits: readonly number[]; l: RingBits; masked?: boolean }): ProtocolCost {
  return { ...lutCost({ n: s.n, bits: s.bits.reduce((a, b) => a + b, 0), l: s.l, masked: s.masked }), name: s.masked === false ? 'lutMultiAdditive' : 'lutMulti' };
}

function checkInput(what: string, x: { l: RingBits }, bits: number): void {
  checkIndexBits(what, bits);
  if (bits > x.l) throw new ShapeError(`${what}: a ${bits}-bit index does not fit the input ring Z_2^${x.l}`);
}

/**
 * This party's share of T(x) + ρ from a masked lookup's material: its table
 * share read at `idx`, plus its share of the output mask ρ (dealLut).
 */
export function readMasked(l: RingBits, t: TableShare, bits: number, idx: RingArray, rho: RingArray): Promise<RingArray> {
  return lookup(t, bits, idx).then((v) => R.add(l, v, rho, v));
}

/** Add ρ_i to all 2^n entries of element i's table (in place). */
export function addPerElement(l: RingBits, tables: RingArray, bits: number, rho: RingArray): void {
  R.add(l, tables, R.repeatEach(l, rho, 2 ** bits), tables);
}

/**
 * Deal one lookup's material inside dealing `d` under names `${prefix}t`
 * (table shares) and `${prefix}r` (output mask, masked only). `build` runs
 * at P0 only and returns the rotated tables, which the dealing consumes
 * (P0's correction is computed over them). The tables do not carry ρ: the
 * online read adds each party's share (`readMasked`). Returns ρ (P0: full, Pi: share);
 * `given`: an output mask dealt earlier (P0: full, Pi: share) instead of a fresh one.
 */
export async function dealLut(
  d: Dealing,
  prefix: string,
  n: number,
  bits: number,
  l: RingBits,
  masked: boolean,
  build: () => RingArray | Promise<RingArray>,
  given?: RingArray,
): Promise<RingArray | undefined> {
  let rho: RingArray | undefined;
  if (given) {
    // A mask dealt earlier (fresh-mask.ts): Pi files its share under this lookup's name too.
    if (!masked || given.length !== n) throw new ProtocolError(`lookup '${prefix}': a given output mask must be masked and have ${n} elements`);
    if (d.role !== 'P0') d.keep(`${prefix}r`, l, given);
    rho = given;
  } else rho = masked ? await d.mask(`${prefix}r`, l, n) : undefined;
  await d.shareTable(`${prefix}t`, l, n * 2 ** bits, d.role === 'P0' ? await build() : undefined);
  return rho;
}

function needTable(off: Offline, table: DealerTable | undefined, what: string): void {
  if (off.party.id === 'P0' && table === undefined) throw new ProtocolError(`${what}: P0 must pass the table`);
  if (off.party.id !== 'P0' && table !== undefined) throw new ProtocolError(`${what}: only P0 knows the table`);
}

/**
 * Offline part of a single-input lookup on `x` (P0 passes the table). Returns
 * the output's mask (masked: true, the default), or undefined (additive output).
 */
export function lutOffline(off: Offline, x: MaskOf, spec: LutSpec, table?: DealerTable, opts: { masked?: boolean } = {}): Promise<MaskOf | undefined> {
  const masked = opts.masked ?? true;
  const what = masked ? 'lut' : 'lutAdditive';
  checkInput(what, x, spec.bits);
  checkRing(what, spec.l);
  needTable(off, table, what);
  const n = shapeSize(x.shape);
  if (table) checkTables(what, table.data, spec.bits, spec.l, table.channels, n);
  return off.deal(what, async (d) => {
    const rho = await dealLut(d, '', n, spec.bits, spec.l, masked, () => rotateTables(table!.data, spec.bits, spec.l, table!.channels, x.r, table!.blocks));
    return rho ? { l: spec.l, shape: x.shape, r: rho } : undefined;
  });
}

/** Online lookup with a masked output, batched into round `r`. */
export function lut(r: Round, x: Masked, spec: LutSpec): Promise<Masked> {
  checkInput('lut', x, spec.bits);
  const n = shapeSize(x.shape);
  const { tag, items } = r.party.take('lut');
  return lutWith(r, x, spec, tableItem(items, tag, 't', spec.l, n * 2 ** spec.bits), item(items, tag, 'r', spec.l, n));
}

/**
 * The online steps of a masked lookup with material already taken (`t`: this
 * party's rotated-table shares, `rho`: its output-mask share): reserves one
 * slot of round `r` now, reads, opens.
 */
export function lutWith(r: Round, x: Masked, spec: LutSpec, t: TableShare, rho: RingArray, proto = 'lut'): Promise<Masked> {
  const slot = r.reserve(spec.l, rho.length, proto);
  return readMasked(spec.l, t, spec.bits, x.m, rho).then((v) => slot.open(v).then((m) => ({ l: spec.l, shape: x.shape, m, r: rho })));
}

/** Online lookup with an additive output: local, no communication. */
export async function lutAdditive(p: Party, x: Masked, spec: LutSpec): Promise<Additive> {
  checkInput('lutAdditive', x, spec.bits);
  const n = shapeSize(x.shape);
  const { tag, items } = p.take('lutAdditive');
  const t = tableItem(items, tag, 't', spec.l, n * 2 ** spec.bits);
  return { l: spec.l, shape: x.shape, s: await lookup(t, spec.bits, x.m) };
}

// ---- multi-input -------------------------------------------------------------------

function checkMulti(what: string, xs: readonly { l: RingBits; shape: Shape }[], bits: readonly number[]): number {
  if (xs.length < 1 || xs.length !== bits.length) throw new ShapeError(`${what}: ${xs.length} inputs for ${bits.length} index widths`);
  xs.forEach((x, t) => checkInput(`${what} (input ${t + 1})`, x, bits[t]!));
  const total = bits.reduce((a, b) => a + b, 0);
  checkIndexBits(`${what} (total index ${bits.join('+')})`, total);
  const n = shapeSize(xs[0]!.shape);
  for (const x of xs) {
    if (x.shape.length !== xs[0]!.shape.length || x.shape.some((d, i) => d !== xs[0]!.shape[i])) {
      throw new ShapeError(`${what}: input shapes differ ([${xs.map((y) => y.shape.join('×')).join('], [')}])`);
    }
  }
  return n;
}

/** Offline part of a multi-input lookup (P0 passes the table over the concatenated index). */
export function lutMultiOffline(off: Offline, xs: readonly MaskOf[], spec: LutMultiSpec, table?: DealerTable, opts: { masked?: boolean } = {}): Promise<MaskOf | undefined> {
  const masked = opts.masked ?? true;
  const what = masked ? 'lutMulti' : 'lutMultiAdditive';
  const n = checkMulti(what, xs, spec.bits);
  checkRing(what, spec.l);
  needTable(off, table, what);
  const B = spec.bits.reduce((a, b) => a + b, 0);
  if (table) checkTables(what, table.data, B, spec.l, table.channels, n);
  return off.deal(what, async (d) => {
    const rho = await dealLut(d, '', n, B, spec.l, masked, () => rotateTablesMulti(table!.data, spec.bits, spec.l, table!.channels, xs.map((x) => x.r)));
    return rho ? { l: spec.l, shape: xs[0]!.shape, r: rho } : undefined;
  });
}

/** Online multi-input lookup with a masked output, batched into round `r`. */
export function lutMulti(r: Round, xs: readonly Masked[], spec: LutMultiSpec): Promise<Masked> {
  const n = checkMulti('lutMulti', xs, spec.bits);
  const B = spec.bits.reduce((a, b) => a + b, 0);
  const slot = r.reserve(spec.l, n, 'lutMulti');
  const { tag, items } = r.party.take('lutMulti');
  const t = tableItem(items, tag, 't', spec.l, n * 2 ** B);
  const rho = item(items, tag, 'r', spec.l, n);
  const idx = concatIndex(xs, spec.bits);
  return readMasked(spec.l, t, B, idx, rho).then((v) => slot.open(v).then((m) => ({ l: spec.l, shape: xs[0]!.shape, m, r: rho })));
}

/** Online multi-input lookup with an additive output (local). */
export async function lutMultiAdditive(p: Party, xs: readonly Masked[], spec: LutMultiSpec): Promise<Additive> {
  const n = checkMulti('lutMultiAdditive', xs, spec.bits);
  const B = spec.bits.reduce((a, b) => a + b, 0);
  const { tag, items } = p.take('lutMultiAdditive');
  const t = tableItem(items, tag, 't', spec.l, n * 2 ** B);
  return { l: spec.l, shape: xs[0]!.shape, s: await lookup(t, B, concatIndex(xs, spec.bits)) };
}
