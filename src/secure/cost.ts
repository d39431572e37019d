/**
 * Declared cost of the secure forward as a formula of the shapes, per
 * accounting label (embed, ln, qkv, attn, softmax, proj, ffn, pooler, cls,
 * and the once-per-model 'weights'), built from the runtime's per-protocol
 * cost formulas (requantCost, matmul/mul/matmulW costs, input/output).
 *
 *   online.bytes   payload bytes sent by all parties (P1, P2, C) in the label
 *   online.rounds  rounds P2 waits (P1 waits as many)
 *   offline.bytes  P0 → P2 correction bytes (P1's material never travels)
 *   offline.rounds P2's waits = flushes of the label
 *
 * With T tokens, H hidden, nh heads, I FFN, V vocabulary, N layers, Lb
 * labels, R_l = T except R = 1 in the last layer, and r_role the rounds of
 * one requant of that role (forward.ts: B borrow rounds for the bits its
 * shift cap leaves, then the lookup; rL = rC = 3, rX = 3 with the default
 * select (4 with the chain), r12 = 2 at chunk 8):
 *   rounds = (2 + rL) + LN + Σ_l [ (1 + rL) qkv + (2 + rX) attn + (rL + r12) softmax
 *            + (1 + rL) proj + 2·LN + 2(1 + rL) ffn ] + (1 + rL) pooler + 1 cls,
 *   LN = rC + r12 + 1 + rL
 *          = 19 + 44·N at chunk 8 (select; 547 for BERT-base), 19 + 45·N
 *            with the chain (559), independent of T.
 * Bytes are summed term by term below (linear in the element counts). A
 * LayerNorm's residual output hr is never opened on its own: the proj and
 * FFN2 requants open o + hr and g + hr as one value; its centred d is never
 * opened (the centre requant also gives d·ρ for 1/σ's mask ρ).
 */
import { requantCost } from '../mpc/lut/requant.js';
import type { ProtocolCost } from '../mpc/cost.js';
import type { PublicShape, SecureOptions } from './forward.js';
import { shiftPlans } from './forward.js';
import type { ShiftRole } from '../model/intops.js';
import { embedFactors } from './embed.js';

export const LABELS = ['embed', 'ln', 'qkv', 'attn', 'softmax', 'proj', 'ffn', 'pooler', 'cls'] as const;
export type Label = (typeof LABELS)[number];

export interface LabelCost {
  online: { bytes: number; rounds: number };
  offline: { bytes: number; rounds: number };
}

export interface ForwardCost {
  labels: Record<Label, LabelCost>;
  total: LabelCost;
  /** Setup (once per model): weight shares P0 → P2. */
  weights: { bytes: number; rounds: number };
}

const sum = (c: ProtocolCost['online']): number => c.messages.reduce((a, m) => a + m.bytes, 0);

export function secureForwardCost(sh: PublicShape, T: number, opts: SecureOptions = {}): ForwardCost {
  const plans = shiftPlans(opts);
  const { hidden: H, heads: nh, intermediate: I, vocab: V, labels: Lb, layers: N } = sh;
  const zero = (): LabelCost => ({ online: { bytes: 0, rounds: 0 }, offline: { bytes: 0, rounds: 0 } });
  const L = Object.fromEntries(LABELS.map((l) => [l, zero()])) as Record<Label, LabelCost>;
  const rq = (role: ShiftRole, n: number, outputs: number, sumCols?: number, unopened?: readonly number[]): { on: number; off: number; rounds: number } => {
    const c = requantCost({ n, w: 32, outputs, l: 32, ...plans[role], rowSumsOfLast: sumCols, unopened });
    return { on: sum(c.online), off: sum(c.offline), rounds: c.online.rounds.P2 ?? 0 };
  };
  /** Rounds of one requant of each role (B borrow rounds + 1). */
  const r = Object.fromEntries(Object.keys(plans).map((k) => [k, rq(k as ShiftRole, 1, 1).rounds])) as Record<ShiftRole, number>;
  const add = (label: Label, on: number, off: number): void => {
    L[label].online.bytes += on;
    L[label].offline.bytes += off;
  };
  const rounds = (label: Label, online: number, flushes: number): void => {
    L[label].online.rounds += online;
    L[label].offline.rounds += flushes;
  };
  /** sumCols: the last output opens as row sums of this many columns (Σ 2^k·d², Σ E); unopened: outputs opened later or never. */
  const requant = (label: Label, role: ShiftRole, n: number, outputs: number, sumCols?: number, unopened?: readonly number[]): void => {
    const c = rq(role, n, outputs, sumCols, unopened);
    add(label, c.on, c.off);
  };
  /** matmulW / matmul / mul / embed: m·n outputs: 4·m·n each way online, 4·m·n offline. */
  const product = (label: Label, outputs: number): void => add(label, 8 * outputs, 4 * outputs);
  const ln = (rows: number, residual: boolean): void => {
    requant('ln', 'lnCentre', rows * H, 3, H, [0, 1]); // d and d·ρ unopened, Σ 2^k·d² as row sums
    requant('ln', 'lnInv', rows, 1);
    add('ln', 8 * rows * H, 0); // d·(1/σ) opened (mul-prescaled.ts: no triple)
    requant('ln', 'lnOut', rows * H, residual ? 2 : 1, undefined, residual ? [1] : []); // hr opens inside proj / FFN2's requant
    rounds('ln', r.lnCentre + r.lnInv + 1 + r.lnOut, 1);
  };

  // Two inputs (embed.ts: one-hots of a and b, id = a·B + b): P1, P2 → C a mask key each, C → P1, P2 the masked one-hots.
  const { A, B } = embedFactors(V);
  add('embed', 2 * 4 * T * (A + B) + 2 * 2 * 16, 0);
  add('embed', 8 * T * H, 4 * (A + B + 1) * T * H); // the lookup's opening; its dealt F, G and c
  requant('embed', 'linear', T * H, 1);
  rounds('embed', 1 + 1 + r.linear, 1);
  ln(T, N > 0);
  for (let l = 0; l < N; l++) {
    const R = l === N - 1 ? 1 : T;
    product('qkv', R * H + 2 * T * H);
    requant('qkv', 'linear', R * H, 1);
    requant('qkv', 'linear', 2 * T * H, 1);
    rounds('qkv', 1 + r.linear, 1);
    product('attn', nh * R * T); // Q_h·K_hᵀ
    add('attn', 8 * R * H, 4 * (2 * R * H + R * T * H + nh * R * T)); // diag(1/Z)·E·V (matmul-rowscale.ts)
    requant('attn', 'ctx', R * H, 1);
    rounds('attn', 1 + 1 + r.ctx, 2);
    requant('softmax', 'score', nh * R * T, 2, T);
    requant('softmax', 'zinv', nh * R, 1);
    rounds('softmax', r.score + r.zinv, 1);
    product('proj', R * H);
    requant('proj', 'linear', R * H, 1);
    rounds('proj', 1 + r.linear, 1);
    ln(R, true);
    product('ffn', R * I);
    requant('ffn', 'linear', R * I, 1);
    product('ffn', R * H);
    requant('ffn', 'linear', R * H, 1);
    rounds('ffn', 2 * (1 + r.linear), 2);
    ln(R, l < N - 1);
  }
  product('pooler', H);
  requant('pooler', 'linear', H, 1);
  rounds('pooler', 1 + r.linear, 1);
  product('cls', Lb);
  add('cls', 2 * 4 * Lb, 0); // P1 → C and P2 → C
  rounds('cls', 1, 1);

  const total = zero();
  for (const l of LABELS) {
    total.online.bytes += L[l].online.bytes;
    total.online.rounds += L[l].online.rounds;
    total.offline.bytes += L[l].offline.bytes;
    total.offline.rounds += L[l].offline.rounds;
  }
  const weights = { bytes: 4 * (V * H + N * (4 * H * H + 2 * H * I) + H * H + H * Lb), rounds: 1 };
  return { labels: L, total, weights };
}
