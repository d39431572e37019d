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
 * labels, r8 = B + 1 rounds per 8-bit requant (B borrow rounds: one per
 * chunk of the 24-bit shift with the default chain, 2 with `borrow:
 * 'select'` at 3…5 chunks; then the lookup), r12 = 3 per 12-bit one, and
 * R_l = T except R = 1 in the last layer:
 *   rounds = (2 + r8) + LN + Σ_l [ (1 + r8) qkv + (2 + r8) attn + (r8 + r12) softmax
 *            + (1 + r8) proj + 2·LN + 2(1 + r8) ffn ] + (1 + r8) pooler + 1 cls,
 *   LN = 2·r8 + r12 + 1
 *          = 24 + 57·N at chunk 8 (chain, r8 = 4; 708 for BERT-base), 20 + 47·N
 *            with the select (r8 = 3; 584), independent of T.
 * Bytes are summed term by term below (linear in the element counts). A
 * LayerNorm's residual output hr is never opened on its own: the proj and
 * FFN2 requants open o + hr and g + hr as one value; its centred d is never
 * opened (the centre requant also gives d·ρ for 1/σ's mask ρ).
 */
import { requantCost } from '../mpc/lut/requant.js';
import type { ProtocolCost } from '../mpc/cost.js';
import type { PublicShape, SecureOptions } from './forward.js';
import { shiftPlans } from './forward.js';
import { publicShift } from './dealer-model.js';
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
  const { CH8, CH12 } = shiftPlans(opts);
  const { hidden: H, heads: nh, intermediate: I, vocab: V, labels: Lb, layers: N } = sh;
  const zero = (): LabelCost => ({ online: { bytes: 0, rounds: 0 }, offline: { bytes: 0, rounds: 0 } });
  const L = Object.fromEntries(LABELS.map((l) => [l, zero()])) as Record<Label, LabelCost>;
  const rq = (n: number, bits: number, outputs: number, sumCols?: number, unopened?: readonly number[]): { on: number; off: number; rounds: number } => {
    const c = requantCost({ n, w: 32, s: publicShift(bits), bits, outputs, l: 32, ...(bits === 12 ? CH12 : CH8), rowSumsOfLast: sumCols, unopened });
    return { on: sum(c.online), off: sum(c.offline), rounds: c.online.rounds.P2 ?? 0 };
  };
  const r8 = rq(1, 8, 1).rounds;
  const r12 = rq(1, 12, 1).rounds;
  const add = (label: Label, on: number, off: number): void => {
    L[label].online.bytes += on;
    L[label].offline.bytes += off;
  };
  const rounds = (label: Label, online: number, flushes: number): void => {
    L[label].online.rounds += online;
    L[label].offline.rounds += flushes;
  };
  /** sumCols: the last output opens as row sums of this many columns (Σ 2^k·d², Σ E); unopened: outputs opened later or never. */
  const requant = (label: Label, n: number, bits: number, outputs: number, sumCols?: number, unopened?: readonly number[]): void => {
    const c = rq(n, bits, outputs, sumCols, unopened);
    add(label, c.on, c.off);
  };
  /** matmulW / matmul / mul / embed: m·n outputs: 4·m·n each way online, 4·m·n offline. */
  const product = (label: Label, outputs: number): void => add(label, 8 * outputs, 4 * outputs);
  const ln = (r: number, residual: boolean): void => {
    requant('ln', r * H, 8, 3, H, [0, 1]); // d and d·ρ unopened, Σ 2^k·d² as row sums
    requant('ln', r, 12, 1);
    add('ln', 8 * r * H, 0); // d·(1/σ) opened (mul-prescaled.ts: no triple)
    requant('ln', r * H, 8, residual ? 2 : 1, undefined, residual ? [1] : []); // hr opens inside proj / FFN2's requant
    rounds('ln', 2 * r8 + r12 + 1, 1);
  };

  // Two inputs (embed.ts: one-hots of a and b, id = a·B + b): P1, P2 → C a mask key each, C → P1, P2 the masked one-hots.
  const { A, B } = embedFactors(V);
  add('embed', 2 * 4 * T * (A + B) + 2 * 2 * 16, 0);
  add('embed', 8 * T * H, 4 * (A + B + 1) * T * H); // the lookup's opening; its dealt F, G and c
  requant('embed', T * H, 8, 1);
  rounds('embed', 1 + 1 + r8, 1);
  ln(T, N > 0);
  for (let l = 0; l < N; l++) {
    const R = l === N - 1 ? 1 : T;
    product('qkv', R * H + 2 * T * H);
    requant('qkv', R * H, 8, 1);
    requant('qkv', 2 * T * H, 8, 1);
    rounds('qkv', 1 + r8, 1);
    product('attn', nh * R * T); // Q_h·K_hᵀ
    add('attn', 8 * R * H, 4 * (2 * R * H + R * T * H + nh * R * T)); // diag(1/Z)·E·V (matmul-rowscale.ts)
    requant('attn', R * H, 8, 1);
    rounds('attn', 1 + 1 + r8, 2);
    requant('softmax', nh * R * T, 8, 2, T);
    requant('softmax', nh * R, 12, 1);
    rounds('softmax', r8 + r12, 1);
    product('proj', R * H);
    requant('proj', R * H, 8, 1);
    rounds('proj', 1 + r8, 1);
    ln(R, true);
    product('ffn', R * I);
    requant('ffn', R * I, 8, 1);
    product('ffn', R * H);
    requant('ffn', R * H, 8, 1);
    rounds('ffn', 2 * (1 + r8), 2);
    ln(R, l < N - 1);
  }
  product('pooler', H);
  requant('pooler', H, 8, 1);
  rounds('pooler', 1 + r8, 1);
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
