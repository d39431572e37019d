/**
 * The dealer's (P0's) form of a compiled IntProgram for the secure engine.
 *
 * Why: the program's shifts s are secret, but the engine's requant shift must
 * be public. Every requant with an n-bit index therefore shifts by the public
 * P(n) = 32 − n (24 for n = 8, 20 for n = 12; P ≤ S_MAX holds for n ≥ 8) and
 * the value it reads is multiplied beforehand by the secret 2^(P − s), so
 * bits P … 31 of the scaled value are bits s … s+n−1 of the original (all
 * arithmetic is mod 2^32, where ·2^k commutes with sums and products). The
 * factor is folded where it costs nothing:
 *   - matmulW outputs (per-column s): column c of W and the bias (and the
 *     embedding's per-position term) times 2^(P − s_c);
 *   - Q·Kᵀ (per head): into Q's per-column output tables of that head;
 *   - Σ E (per head): into a second output table of the exp requant (E is
 *     produced twice from one index: E for E·V, 2^k·E for the row sum);
 *   - (E·V)·inv (per head): into the reciprocal table;
 *   - LayerNorm centre (one shift): into the tables that produce v (the
 *     residual requant of O/FFN2 or the embedding, and the residual output of
 *     the previous LayerNorm);
 *   - LayerNorm Σd²: the centre requant outputs d and also 2^k·d² (a second
 *     table on the same index), so Σd² is a local row sum — no product round;
 *   - LayerNorm d·inv (per-column shift allowed): into d's per-column table.
 * Only P0 ever builds this object; P1/P2 see its effect as uniform shares.
 */
import { FormatError } from '../errors.js';
import { SHIFT_CAPS, type MatW, type Requant, type ShiftRole } from '../model/intops.js';
import type { IntProgram, QLayerNorm } from '../model/program.js';
import type { DealerTable } from '../mpc/lut/lut.js';

/** Public requant shift for an n-bit index. */
export function publicShift(bits: number): number {
  return 32 - bits;
}

/** A matmul with dealer-scaled weights and the tables of the requant that follows. */
export interface DealerLinear {
  k: number;
  n: number;
  /** W·diag(2^e) in Z_2^32, k×n row-major. */
  w: Uint32Array;
  /** bias·2^e in Z_2^32. */
  bias: Uint32Array;
  tables: DealerTable[];
}

export interface DealerLn {
  /** [d·2^e_c (per column), 2^k·d² (one table)]. */
  centre: DealerTable[];
  inv: DealerTable[];
  /** [int8 output, residual output·2^k] or [int8 output]. */
  out: DealerTable[];
}

export interface DealerLayer {
  q: DealerLinear;
  k: DealerLinear;
  v: DealerLinear;
  /** Per head: [E, 2^k·E]. */
  score: DealerTable[][];
  zinv: DealerTable[][];
  ctx: DealerTable[][];
  o: DealerLinear;
  ln1: DealerLn;
  ffn1: DealerLinear;
  ffn2: DealerLinear;
  ln2: DealerLn;
}

export interface DealerModel {
  emb: { w: Uint32Array; term: Uint32Array; tables: DealerTable[] };
  embLn: DealerLn;
  layers: DealerLayer[];
  pooler: DealerLinear;
  classifier: { k: number; n: number; w: Uint32Array; bias: Uint32Array };
}

/**
 * Exponent of the factor 2^(P(n) − s) for shift index i of a requant. The
 * shift must be within its role's public cap: the engine treats the low
 * P(n) − cap bits of the scaled value as zeros (forward.ts shiftPlans), so a
 * program compiled without the caps would give wrong results, not just
 * imprecise ones.
 */
function expOf(rq: Requant, i: number, what: string, role: ShiftRole): number {
  const s = rq.shifts[rq.shifts.length === 1 ? 0 : i]!;
  const e = publicShift(rq.bits) - s;
  if (e < 0 || e > 31) throw new FormatError(`${what}: shift ${s} exceeds the public shift ${publicShift(rq.bits)} of a ${rq.bits}-bit index`);
  if (s > SHIFT_CAPS[role]) throw new FormatError(`${what}: shift ${s} exceeds the public cap ${SHIFT_CAPS[role]} of ${role} requants (intops SHIFT_CAPS); recompile the model with this version`);
  return e;
}

/** Per-column exponents (length cols) of a requant's shifts. */
function colExps(rq: Requant, cols: number, what: string, role: ShiftRole): number[] {
  return Array.from({ length: cols }, (_, c) => expOf(rq, c, what, role));
}

/**
 * Table k of `rq` as a DealerTable with entries multiplied by 2^exps[c]
 * (per column; one shared table when every column has the same table and
 * factor), in Z_2^32.
 */
function scaledTable(rq: Requant, k: number, cols: number, exps: readonly number[] | number, map?: (v: number) => number): DealerTable {
  const S = 1 << rq.bits;
  const src = rq.tables[k]!;
  const uniform = typeof exps === 'number' || exps.every((e) => e === exps[0]);
  const channels = rq.channels === 1 && uniform ? 1 : cols;
  const out = new Uint32Array(channels * S);
  for (let c = 0; c < channels; c++) {
    const e = typeof exps === 'number' ? exps : exps[c]!;
    const mul = 2 ** e;
    const base = rq.channels === 1 ? 0 : c * S;
    for (let j = 0; j < S; j++) {
      const v = map ? map(src[base + j]!) : src[base + j]!;
      out[c * S + j] = Math.imul(v, mul) >>> 0;
    }
  }
  return { data: out, channels };
}

/** Weight and bias with column c times 2^exps[c], in Z_2^32. */
function scaledLinear(m: MatW, exps: readonly number[], tables: DealerTable[]): DealerLinear {
  const w = new Uint32Array(m.k * m.n);
  for (let i = 0; i < m.k; i++) for (let j = 0; j < m.n; j++) w[i * m.n + j] = (m.w[i * m.n + j]! << exps[j]!) >>> 0;
  const bias = new Uint32Array(m.n);
  for (let j = 0; j < m.n; j++) bias[j] = (m.bias[j]! << exps[j]!) >>> 0;
  return { k: m.k, n: m.n, w, bias, tables };
}

function prepareLn(ln: QLayerNorm, H: number, residualExp: number | undefined, what: string): DealerLn {
  const outExps = colExps(ln.out, H, `${what}.out`, 'lnOut');
  const invExp = expOf(ln.inv, 0, `${what}.inv`, 'lnInv');
  const centre = [scaledTable(ln.centre, 0, H, outExps), scaledTable(ln.centre, 0, H, invExp, (d) => Math.imul(d, d))];
  const out = [scaledTable(ln.out, 0, H, 0)];
  if (ln.out.tables.length > 1) {
    if (residualExp === undefined) throw new FormatError(`${what}: a residual output with no consumer`);
    out.push(scaledTable(ln.out, 1, H, residualExp));
  }
  return { centre, inv: [scaledTable(ln.inv, 0, 1, 0)], out };
}

/** Build P0's scaled weights and tables (see the header). */
export function prepareDealerModel(p: IntProgram): DealerModel {
  const c = p.config;
  const H = c.hidden;
  const nh = c.heads;
  const dh = H / nh;
  const I = c.intermediate;
  const embExps = colExps(p.emb.rq, H, 'emb', 'linear');
  const w = new Uint32Array(c.vocabSize * H);
  for (let v = 0; v < c.vocabSize; v++) for (let j = 0; j < H; j++) w[v * H + j] = (p.emb.word[v * H + j]! << embExps[j]!) >>> 0;
  const term = new Uint32Array(c.maxPositions * H);
  for (let t = 0; t < c.maxPositions; t++) for (let j = 0; j < H; j++) term[t * H + j] = (p.emb.posTerm[t * H + j]! << embExps[j]!) >>> 0;
  const centreExp = (ln: QLayerNorm, what: string): number => expOf(ln.centre, 0, what, 'lnCentre');
  const emb = { w, term, tables: [scaledTable(p.emb.rq, 0, H, centreExp(p.embLn, 'emb.ln.centre'))] };
  const embLn = prepareLn(p.embLn, H, p.layers.length > 0 ? centreExp(p.layers[0]!.ln1, 'l0.ln1.centre') : undefined, 'emb.ln');
  const layers = p.layers.map((L, l): DealerLayer => {
    const n = `l${l}`;
    const lin = (q: { mm: MatW; rq: Requant }, cols: number, tabExps: readonly number[] | number, what: string): DealerLinear =>
      scaledLinear(q.mm, colExps(q.rq, cols, what, 'linear'), [scaledTable(q.rq, 0, cols, tabExps)]);
    const scoreExps = Array.from({ length: H }, (_, j) => expOf(L.score[Math.floor(j / dh)]!, 0, `${n}.score`, 'score'));
    const next = p.layers[l + 1];
    return {
      q: lin(L.q, H, scoreExps, `${n}.q`),
      k: lin(L.k, H, 0, `${n}.k`),
      v: lin(L.v, H, 0, `${n}.v`),
      score: L.score.map((rq, h) => [scaledTable(rq, 0, 1, 0), scaledTable(rq, 0, 1, expOf(L.zinv[h]!, 0, `${n}.zinv`, 'zinv'))]),
      zinv: L.zinv.map((rq, h) => [scaledTable(rq, 0, 1, expOf(L.ctx[h]!, 0, `${n}.ctx`, 'ctx'))]),
      ctx: L.ctx.map((rq) => [scaledTable(rq, 0, 1, 0)]),
      o: lin(L.o, H, centreExp(L.ln1, `${n}.ln1.centre`), `${n}.o`),
      ln1: prepareLn(L.ln1, H, centreExp(L.ln2, `${n}.ln2.centre`), `${n}.ln1`),
      ffn1: lin(L.ffn1, I, 0, `${n}.ffn1`),
      ffn2: lin(L.ffn2, H, centreExp(L.ln2, `${n}.ln2.centre`), `${n}.ffn2`),
      ln2: prepareLn(L.ln2, H, next ? centreExp(next.ln1, `l${l + 1}.ln1.centre`) : undefined, `${n}.ln2`),
    };
  });
  const pooler = scaledLinear(p.pooler.mm, colExps(p.pooler.rq, H, 'pooler', 'linear'), [scaledTable(p.pooler.rq, 0, H, 0)]);
  const cm = p.classifier;
  const cw = new Uint32Array(cm.k * cm.n);
  for (let i = 0; i < cw.length; i++) cw[i] = cm.w[i]! >>> 0;
  return { emb, embLn, layers, pooler, classifier: { k: cm.k, n: cm.n, w: cw, bias: new Uint32Array(cm.bias.buffer.slice(cm.bias.byteOffset, cm.bias.byteOffset + cm.bias.byteLength)) } };
}
