/**
 * Requantization (intops op 4) on masked accumulators: out_k = T_k,c(t) with
 * t = (y >> s) mod 2^n, for one or several output tables T_k (scale,
 * rounding, clipping and any nonlinearity baked in by the model owner),
 * shared by all elements or per channel (element i uses channel i mod C).
 * The shift is public (the engine uses S_MAX; secret per-channel shifts are
 * pre-scaled into the dealer's weights). `(y >> s) mod 2^n` has the same bits
 * for signed and unsigned y when s + n ≤ w, so no sign handling is needed.
 *
 * Offline:
 *   1. Exact-shift dealing of [[y]] to an n-bit index [[t]] (shift.ts: ⌈s/c⌉
 *      steps of borrow tables, chunk c).
 *   2. One lookup dealing per output table on [[t]] (lut.ts: per-element
 *      rotated tables with the output mask folded in).
 * Online (P1, P2; rounds from the caller's RoundSeq, so a layer's requants
 *   run in lockstep):
 *   3. ⌈s/c⌉ shift rounds → [[t]] masked mod 2^n.
 *   4. Every output table is read locally at t's masked index; one round
 *      opens all outputs (one slot each).
 *
 * Cost (N elements, w-bit input, K outputs in Z_2^l, b = ringBytes(l)):
 *   offline P0→P2 shift bytes + K·N·2^n·b, P2 1 round;
 *   online shift messages + one exchange of K·N·b each way;
 *   rounds ⌈s/c⌉ + 1.
 */
import { ShapeError } from '../../errors.js';
import type { RingBits } from '../../kernels/types.js';
import { correction, type ProtocolCost } from '../cost.js';
import type { Offline } from '../dealer.js';
import * as R from '../ring.js';
import { shapeSize, type Masked, type MaskOf } from '../sharing.js';
import { dealLut, lutWith, type DealerTable } from './lut.js';
import { dealShift, reduce, reduceMask, runShift, shiftCost, shiftPlan, takeShift, type MaskBitsOf, type MaskedBits } from './shift.js';
import { item, tableItem, type TableShare } from '../protocols/common.js';
import { ProtocolError } from '../../errors.js';
import type { RoundSeq } from './stages.js';
import { checkIndexBits, checkTables, rotateTables } from './tables.js';

export interface RequantSpec {
  /** Public shift s. */
  s: number;
  /** Index width n (1…16). */
  bits: number;
  /** Number of output tables. */
  outputs: number;
  /** Output ring. */
  l: RingBits;
  /** Shift chunk width or schedule (default 8; see ShiftOptions.chunk). */
  chunk?: number | readonly number[];
}

function check(x: { l: RingBits; bits?: number }, spec: RequantSpec): number {
  checkIndexBits('requant', spec.bits);
  const w = x.bits ?? x.l;
  if (spec.s + spec.bits > w) throw new ShapeError(`requant: shift ${spec.s} + index ${spec.bits} bits exceed the ${w}-bit accumulator`);
  if (!Number.isInteger(spec.outputs) || spec.outputs < 1) throw new ShapeError(`requant: outputs=${String(spec.outputs)} must be a positive integer`);
  return w;
}

export function requantCost(s: { n: number; w: number } & RequantSpec): ProtocolCost {
  const sh = shiftCost({ n: s.n, w: s.w, s: s.s, outBits: s.bits, chunk: s.chunk });
  const offBytes = sh.offline.messages.reduce((a, m) => a + m.bytes, 0) + s.outputs * s.n * 2 ** s.bits * R.ringBytes(s.l);
  const b = s.outputs * s.n * R.ringBytes(s.l);
  const rounds = (sh.online.rounds.P1 ?? 0) + 1;
  return {
    name: 'requant',
    offline: correction(offBytes),
    online: {
      rounds: { P1: rounds, P2: rounds },
      messages: [...sh.online.messages, { from: 'P1', to: 'P2', bytes: b }, { from: 'P2', to: 'P1', bytes: b }],
    },
  };
}

/** Offline requant of [[y]] (P0 passes one DealerTable per output): one dealing. Returns the outputs' masks. */
export function requantOffline(off: Offline, y: MaskBitsOf, spec: RequantSpec, tables?: readonly DealerTable[]): Promise<MaskOf[]> {
  const w = check(y, spec);
  const n = shapeSize(y.shape);
  if (off.party.id === 'P0') {
    if (!tables || tables.length !== spec.outputs) throw new ShapeError(`requant: P0 must pass ${spec.outputs} table(s), got ${tables?.length ?? 0}`);
    for (const t of tables) checkTables('requant', t.data, spec.bits, spec.l, t.channels, n);
  } else if (tables) throw new ProtocolError('requant: only P0 knows the tables');
  const plan = shiftPlan(w, { s: spec.s, outBits: spec.bits, chunk: spec.chunk });
  return off.deal('requant', async (d) => {
    const idx = plan.steps.length > 0 ? await dealShift(d, 's.', y, w, plan, { s: spec.s }) : reduceMask(y, spec.bits);
    const outs: MaskOf[] = [];
    for (let k = 0; k < spec.outputs; k++) {
      const t = tables?.[k];
      const rho = await dealLut(d, `o${k}.`, n, spec.bits, spec.l, true, () => rotateTables(t!.data, spec.bits, spec.l, t!.channels, idx.r, t!.blocks));
      outs.push({ l: spec.l, shape: y.shape, r: rho! });
    }
    return outs;
  });
}

/** Online requant: ⌈s/c⌉ shift rounds, then one round for all outputs (rounds from `seq`). */
export async function requant(seq: RoundSeq, y: MaskedBits, spec: RequantSpec): Promise<Masked[]> {
  const w = check(y, spec);
  const n = shapeSize(y.shape);
  const plan = shiftPlan(w, { s: spec.s, outBits: spec.bits, chunk: spec.chunk });
  const { tag, items } = seq.party.take('requant');
  const sm = plan.steps.length > 0 ? takeShift(items, tag, 's.', plan, n) : [];
  const om = Array.from({ length: spec.outputs }, (_, k) => ({
    t: tableItem(items, tag, `o${k}.t`, spec.l, n * 2 ** spec.bits),
    rho: item(items, tag, `o${k}.r`, spec.l, n),
  }));
  const t = plan.steps.length > 0 ? await runShift(seq, y, plan, sm) : reduce(y, spec.bits);
  const r = seq.next();
  return Promise.all(om.map((o) => lutWith(r, t, { bits: spec.bits, l: spec.l }, o.t, o.rho, 'requant')));
}

/** Element count helper for callers building per-channel tables. */
export function requantElements(y: { shape: readonly number[] }): number {
  return shapeSize(y.shape);
}
