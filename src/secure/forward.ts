/**
 * The secure forward of a compiled IntProgram (docs/integer-program.md), op by
 * op, written once for both phases (engine.ts). P1 and P2 know only the
 * public shape (layers, H, heads, FFN, vocabulary, labels, T); P0 passes its
 * DealerModel (dealer-model.ts) and never sees a value derived from the input.
 *
 * Rounds (online, P1/P2): a requant costs B borrow rounds + 1 lookup round.
 * Its public shift is P(n) = 32 − n, but only the bits of its role's public
 * shift cap need the borrow (shiftPlans; intops SHIFT_CAPS): at the default
 * chunk 8 (chains, borrow-chain.ts, but for the context)
 *   rL = 3  linear (embedding, q/k/v, proj, FFN, pooler), score, LN out:
 *           cap 16, 2 links of 8
 *   rC = 3  LN centre: cap 20, 2 links (12 + 8 opening its index, the
 *           default DEFAULT_BORROW_OUT; 10 + 10 with the bit)
 *   rX = 3  context (E·V)·(1/Z): cap 24, 3 chunks, carry select (default
 *           borrow; 2 rounds, borrow-select.ts); `borrow: 'chain'`: 4
 *   r12 = 2 the 12-bit reciprocals (LN inverse sqrt, softmax 1/Z): cap 15, 1 link
 * products and matmuls 1; the rest is local.
 *   embed   input 1 (the client's two masked one-hots, embed.ts) · X·W+P 1 · requant rL
 *   ln      centre requant rC (outputs d and 2^k·d², so Σd² is local) ·
 *           inverse-sqrt requant r12 · d·inv 1 · output requant rL = 9
 *           (its residual output hr is not opened: the next proj / FFN2
 *           requant opens o + hr, g + hr as one value)
 *   qkv     three matmulW in 1 round · three requants in lockstep rL = 4
 *   attn    Q_h·K_hᵀ (all heads) 1 · diag(1/Z)·E·V 1 (E·V never opened,
 *           matmul-rowscale.ts) · context requants rX             = 5 (chain 6)
 *   softmax exp requants rL (outputs E and 2^k·E) · Σ E → 1/Z requants r12 = 5
 *   proj    matmulW 1 · requant rL                                 = 4
 *   ffn     matmulW 1 · requant rL · matmulW 1 · requant rL        = 8
 *   per encoder layer 44 (chain: 45)
 *   pooler  matmulW 1 · requant rL;  cls  matmulW 1, then the output to C.
 * Total (P1 and P2): 5 + 9 + 44·layers + 4 + 1 = 19 + 44·layers (547 for
 *   BERT-base; chain 19 + 45·layers, 559); cost.ts has bytes.
 */
import { ProtocolError, ShapeError } from '../errors.js';
import { embedFactors } from './embed.js';
import type { Offline } from '../mpc/dealer.js';
import { shareWeight, type WeightShare } from '../mpc/protocols/matmul-weight.js';
import { publicShift, type DealerLn, type DealerModel } from './dealer-model.js';
import type { DealerTable } from '../mpc/lut/lut.js';
import { embedStep, inputStep, linearStep, matmulRowScaleStep, matmulStep, mulPrescaledStep, requantStep, type Engine, type ShiftPlan } from './engine.js';
import { requantCost, type Borrow } from '../mpc/lut/requant.js';
import { BORROW_OUTS, chainPlan, cheapestSchedule, type BorrowOut } from '../mpc/lut/borrow-chain.js';
import { SHIFT_CAPS, type ShiftRole } from '../model/intops.js';
import { broadcastRows, centre, concatCols, firstRows, rowBlock, sliceCols, stackRows, subDiagonal, transpose, type SV } from './values.js';

/** What every party knows about the model: its shape (T, also public, is passed per sentence). */
export interface PublicShape {
  layers: number;
  hidden: number;
  heads: number;
  intermediate: number;
  vocab: number;
  labels: number;
  maxPositions: number;
}

export interface LayerWeights {
  q: WeightShare;
  k: WeightShare;
  v: WeightShare;
  o: WeightShare;
  ffn1: WeightShare;
  ffn2: WeightShare;
}

/** This party's shares of every weight (P0: the scaled weights themselves). */
export interface WeightShares {
  emb: WeightShare;
  layers: LayerWeights[];
  pooler: WeightShare;
  classifier: WeightShare;
}

/** Setup, once per model: share every weight (P0 passes its DealerModel). One flush, label 'weights'. */
export async function shareWeights(off: Offline, sh: PublicShape, model?: DealerModel): Promise<WeightShares> {
  if ((off.party.id === 'P0') !== (model !== undefined)) throw new ProtocolError(`${off.party.id}: only P0 holds the model`);
  const H = sh.hidden;
  const I = sh.intermediate;
  const emb = shareWeight(off, 32, sh.vocab, H, model?.emb.w);
  const layers = Array.from({ length: sh.layers }, (_, l) => {
    const D = model?.layers[l];
    return {
      q: shareWeight(off, 32, H, H, D?.q.w),
      k: shareWeight(off, 32, H, H, D?.k.w),
      v: shareWeight(off, 32, H, H, D?.v.w),
      o: shareWeight(off, 32, H, H, D?.o.w),
      ffn1: shareWeight(off, 32, H, I, D?.ffn1.w),
      ffn2: shareWeight(off, 32, I, H, D?.ffn2.w),
    };
  });
  const pooler = shareWeight(off, 32, H, H, model?.pooler.w);
  const classifier = shareWeight(off, 32, H, sh.labels, model?.classifier.w);
  await off.flush('weights');
  const resolved: LayerWeights[] = [];
  for (const L of layers) {
    const [q, k, v, o, ffn1, ffn2] = await Promise.all([L.q, L.k, L.v, L.o, L.ffn1, L.ffn2]);
    resolved.push({ q, k, v, o, ffn1, ffn2 });
  }
  return { emb: await emb, layers: resolved, pooler: await pooler, classifier: await classifier };
}

/**
 * The forward's borrow protocol unless SecureOptions.borrow says otherwise.
 * Why the select: with the shift caps only the context requant has 3 links
 * (the others have 2, where the select does not apply), so the select saves
 * one round per layer for 3 extra opened bits per context element. Measured
 * at BERT-base (2026-12-04, 2 cores, loopback): 547 against 559 rounds,
 * 259.3 against 258.5 MB, online time within run-to-run noise (3.11 and
 * 3.21 s).
 */
export const DEFAULT_BORROW: Borrow = 'select';

/** Public protocol options (all parties must agree). */
export interface SecureOptions {
  /**
   * Widest borrow chunk of the requants with 8-bit indices (public shift 24,
   * of which the shift caps leave 16 bits to resolve, 24 for the context
   * requant): each shift takes ⌈bits / chunk⌉ links (rounds), split as
   * shiftPlans finds cheapest. 8 (default): 2 links, 3 for the context; 12:
   * 2 links everywhere. The LayerNorm centre's 20 bits take 2 links at any
   * chunk below 10.
   */
  chunk?: number;
  /**
   * Borrow protocol of those requants (requant.ts): 'select' (default,
   * DEFAULT_BORROW: 2 rounds at 3…5 chunks, 2K table reads; fewer chunks chain)
   * or 'chain' (one round per chunk, K table reads).
   */
  borrow?: Borrow;
  /**
   * What the requants' last borrow round opens (requant.ts borrowOut), for
   * every role or per role (roles left out of a record open the bit):
   * 'bit' one bit per element, the least online traffic; 'index' the output
   * index itself wherever that deals fewer bytes (shiftPlans): one byte
   * instead of one bit opened per element, output tables of half the size.
   * The 12-bit per-row roles stay 'bit' even when asked (one link of 15
   * bits: an index table would cost more than it saves). Default
   * DEFAULT_BORROW_OUT: the index for the LayerNorm centre only.
   */
  borrowOut?: BorrowOutPlan;
}

/** SecureOptions.borrowOut: one kind for every requant role, or a kind per role ('bit' where left out). */
export type BorrowOutPlan = BorrowOut | Readonly<Partial<Record<ShiftRole, BorrowOut>>>;

/**
 * The forward's last openings unless SecureOptions.borrowOut says otherwise:
 * the index for the LayerNorm centre, the bit elsewhere. Opening the index
 * costs the same 1.75 online bytes per element in every role (8 bits each
 * way instead of 1) and saves each of the requant's output tables half its
 * entries, so it pays most where most tables share the one index: the
 * centre's three (d, d·ρ, 2^k·d²) save 2432 of 6528 offline bytes per
 * element, 1390 offline bytes per online byte; the two-output roles (score,
 * LN out) save 1081 and the one-output ones about 500. At BERT-base the
 * centre alone takes 58.7 → 53.2 GB offline for 259.3 → 263.3 MB online
 * (measured), which keeps the online bytes 30× under the CrypTen baseline
 * (issue 8: 30.4×; the scores too would give 29.9×); every role ('index')
 * gives 35.1 GB and 290.5 MB (27.6×).
 */
export const DEFAULT_BORROW_OUT: Readonly<Partial<Record<ShiftRole, BorrowOut>>> = Object.freeze({ lnCentre: 'index' });

/** The last opening a plan asks of one role. */
export function borrowOutOf(plan: BorrowOutPlan, role: ShiftRole): BorrowOut {
  return typeof plan === 'string' ? plan : (plan[role] ?? 'bit');
}

/** The plan itself, or a ShapeError naming the unknown kind or role (options come from configs and user code). */
export function checkBorrowOut(plan: BorrowOutPlan): BorrowOutPlan {
  const kind = (k: unknown, where: string): void => {
    if (!(BORROW_OUTS as readonly unknown[]).includes(k)) throw new ShapeError(`borrowOut${where}: '${String(k)}' is not ${BORROW_OUTS.join(' or ')}`);
  };
  if (typeof plan === 'object' && plan !== null && !Array.isArray(plan)) {
    for (const [r, k] of Object.entries(plan)) {
      if (!(r in SHIFT_CAPS)) throw new ShapeError(`borrowOut: '${r}' is not a requant role (${Object.keys(SHIFT_CAPS).join(', ')})`);
      kind(k, ` of ${r}`);
    }
  } else kind(plan, '');
  return plan;
}

/** A plan as text: 'bit', 'index', or the roles that differ from the bit ('lnCentre=index'; 'bit' when none). */
export function borrowOutLabel(plan: BorrowOutPlan): string {
  if (typeof plan === 'string') return plan;
  const roles = (Object.keys(SHIFT_CAPS) as ShiftRole[]).filter((r) => borrowOutOf(plan, r) !== 'bit');
  return roles.length === 0 ? 'bit' : roles.map((r) => `${r}=${borrowOutOf(plan, r)}`).join(',');
}

/** Index width of each requant role's table (the 12-bit ones are per row: reciprocals of Σd² and Σ E). */
export const ROLE_BITS: Record<ShiftRole, 8 | 12> = { linear: 8, score: 8, lnCentre: 8, lnOut: 8, ctx: 8, lnInv: 12, zinv: 12 };

/** Smallest chunk of the LayerNorm centre's borrow (its cap leaves 20 bits: 2 links of 10). */
export const CENTRE_CHUNK = 10;

/**
 * The shift plans of the forward's requants, per role (cost.ts uses the
 * same). Every requant shifts by the public P(n) = 32 − n, but its value is
 * y·2^(P − s) with the secret s at most its role's public cap (intops
 * SHIFT_CAPS), so its low P − cap bits are zeros and only the cap's bits
 * need the borrow (`zeroLow`).
 * - Links (rounds): 8-bit indices take ⌈cap / chunk⌉ links at `opts.chunk`
 *   (the centre at ≥ CENTRE_CHUNK); the 12-bit ones are per row, so one
 *   link of the whole cap (15 bits: 4 KB of bit table per row) is cheap.
 * - Within those links, the split of the cap that deals the fewest bytes
 *   per element (the equal split on ties); for a role whose `borrowOut`
 *   is 'index', the last opening too (the index where it deals fewer
 *   bytes for one output). At the default chunk, 'bit': [8, 8] (96 B of
 *   link tables + 2 KB per 32-bit output), the centre [10, 10], the
 *   context [8, 8, 8]; 'index': linear, score and LN out [10, 6] (256 B +
 *   1 KB per output), the centre [12, 8] (1 KB + 1 KB per output; the
 *   default, DEFAULT_BORROW_OUT), the context [8, 8, 8] selected with a
 *   per-element C of bytes.
 * The search runs once per distinct options (the forward and its cost ask
 * for every inference).
 */
export function shiftPlans(opts: SecureOptions): Readonly<Record<ShiftRole, ShiftPlan>> {
  const chunk = opts.chunk ?? 8;
  const borrow = opts.borrow ?? DEFAULT_BORROW;
  const outs = checkBorrowOut(opts.borrowOut ?? DEFAULT_BORROW_OUT);
  const key = `${chunk}/${borrow}/${borrowOutLabel(outs)}`;
  const known = PLANS.get(key);
  if (known) return known;
  const plan = (role: ShiftRole): ShiftPlan => {
    const n = ROLE_BITS[role];
    const cap = SHIFT_CAPS[role];
    const shift = { s: publicShift(n), bits: n, zeroLow: publicShift(n) - cap };
    const c = n === 12 ? cap : role === 'lnCentre' ? Math.max(chunk, CENTRE_CHUNK) : chunk;
    const equal = chainPlan(cap, c).chunks;
    const bytes = (p: ShiftPlan): number => requantCost({ n: 1, w: 32, outputs: 1, l: 32, ...p }).offline.messages.reduce((a, m) => a + m.bytes, 0);
    const best = (borrowOut: BorrowOut): ShiftPlan => {
      const chunks = cheapestSchedule(cap, equal.length, (ch) => bytes({ ...shift, chunk: ch, borrow, borrowOut }), equal);
      return { ...shift, chunk: chunks, borrow, borrowOut };
    };
    const bit = best('bit');
    if (borrowOutOf(outs, role) === 'bit') return bit;
    const index = best('index');
    return bytes(index) < bytes(bit) ? index : bit;
  };
  const plans = Object.freeze(Object.fromEntries(Object.keys(SHIFT_CAPS).map((r) => [r, Object.freeze(plan(r as ShiftRole))])) as Record<ShiftRole, ShiftPlan>);
  PLANS.set(key, plans);
  return plans;
}

/** shiftPlans' results by options. */
const PLANS = new Map<string, Readonly<Record<ShiftRole, ShiftPlan>>>();

/**
 * Per-head tables (one channel each) as one table set for the heads stacked
 * row-wise: output k's channel h is head h's table, applied to the h-th
 * contiguous block of elements. P0 only (undefined elsewhere).
 */
function headTables(perHead: readonly (readonly DealerTable[])[] | undefined): DealerTable[] | undefined {
  if (!perHead) return undefined;
  const nh = perHead.length;
  return perHead[0]!.map((first, k) => {
    const S = first.data.length;
    const data = new Uint32Array(nh * S);
    perHead.forEach((t, h) => {
      const tk = t[k]!;
      if (tk.channels !== 1 || tk.data.length !== S) throw new ProtocolError(`head tables: head ${h} output ${k} is not a single ${S}-entry table`);
      data.set(tk.data as Uint32Array, h * S);
    });
    return { data, channels: nh, blocks: true };
  });
}

/**
 * P0: the per-element tables of d·ρ (element (t, j) reads column j's d table
 * times row t's mask ρ_t, mod 2^32), from d's per-column (or shared) tables.
 */
function scaledByRowMask(t: DealerTable, rho: Uint32Array, H: number): DealerTable {
  if (t.blocks) throw new ProtocolError('layerNorm: the centre table is per column, not in blocks');
  const S = t.data.length / t.channels;
  const src = t.data as Uint32Array;
  const N = rho.length * H;
  const data = new Uint32Array(N * S);
  for (let e = 0; e < N; e++) {
    const r = rho[Math.floor(e / H)]!;
    const c = (e % t.channels) * S;
    for (let j = 0; j < S; j++) data[e * S + j] = Math.imul(src[c + j]!, r) >>> 0;
  }
  return { data, channels: N };
}

/**
 * LayerNorm (three requants) on v, which already carries the centre factor.
 * Returns [h8, hr?]; the residual hr stays unopened: it is only ever added to
 * the next proj or FFN2 requant output, whose opening carries it (plus).
 * d is never opened either: the dealer draws the mask ρ under which 1/σ will
 * open before it deals the centre tables, so they give d and d·ρ as
 * unopened shares, and d·(1/σ) = d·m − d·ρ opens in one round
 * (mul-prescaled.ts) instead of an opening of d and a masked product.
 */
async function layerNorm(E: Engine, v: SV, residual: boolean, plans: Record<ShiftRole, ShiftPlan>, D?: DealerLn): Promise<SV[]> {
  const [rows, H] = v.shape;
  if (D && D.out.length !== (residual ? 2 : 1)) throw new ProtocolError('layerNorm: residual outputs do not match the program');
  const c = await centre(v);
  const rho = await E.mask(rows, 1); // 1/σ's mask, known to P0 before the centre tables
  const centreTables = D && [D.centre[0]!, scaledByRowMask(D.centre[0]!, rho.r, H), D.centre[1]!];
  // 2^k·d² is only summed: its output opens as the row sums Σ 2^k·d² directly.
  const [[d, dRho, q]] = await E.lockstep('ln', [requantStep(c, 3, centreTables, plans.lnCentre, { rowSumsOfLast: true, unopened: [0, 1] })]);
  const [[inv]] = await E.lockstep('ln', [requantStep(q!, 1, D?.inv, plans.lnInv, { outMask: rho })]);
  const [y] = await E.round('ln', [mulPrescaledStep(d!, dRho!, broadcastRows(inv!, H))]);
  const [outs] = await E.lockstep('ln', [requantStep(y!, residual ? 2 : 1, D?.out, plans.lnOut, { unopened: residual ? [1] : [] })]);
  await E.flush('ln');
  return outs!;
}

/**
 * The forward for T positions. Offline (all of P0, P1, P2) it deals; online
 * (P1, P2) it computes and sends the int32 logits to the client (label 'cls').
 *
 * `tokens` (online only, default T): the client's real token count; the
 * positions from it on are padding (the client pads its ids to T), so that
 * P0 deals for a length that says nothing of the input. Padding changes no
 * real row: everything is row-wise but attention, where P1 and P2 (who may
 * know the count) make every padded key's E zero, in both of the softmax
 * requant's outputs (E for E·V and the row sums Z), by opening their mask
 * shares instead of their table reads. So the logits equal the reference's
 * for the unpadded ids, bit for bit.
 */
export async function secureForward(E: Engine, sh: PublicShape, T: number, ws: WeightShares, model?: DealerModel, opts: SecureOptions = {}, tokens = T): Promise<void> {
  const plans = shiftPlans(opts);
  const { linear: LIN } = plans;
  const H = sh.hidden;
  const nh = sh.heads;
  const dh = H / nh;
  const M = model;
  const heads = Array.from({ length: nh }, (_, h) => h);
  if (T < 1 || T > sh.maxPositions) throw new ProtocolError(`secure forward: sequence length ${T} is outside 1..${sh.maxPositions}`);
  if (!Number.isInteger(tokens) || tokens < 1 || tokens > T) throw new ProtocolError(`secure forward: ${tokens} tokens do not fit ${T} positions`);
  if (!E.online && tokens !== T) throw new ProtocolError('secure forward: the dealing must not depend on the token count');

  // The client's ids as two small one-hots (id = a·B + b, embed.ts), both in one round.
  const { A, B } = embedFactors(sh.vocab);
  const [xa, xb] = await E.round('embed', [inputStep(T, A), inputStep(T, B)]);
  const [e] = await E.round('embed', [embedStep(xa!, xb!, ws.emb, M?.emb.term.subarray(0, T * H))]);
  const [[v0]] = await E.lockstep('embed', [requantStep(e!, 1, M?.emb.tables, LIN)]);
  await E.flush('embed');
  let [h8, hr] = (await layerNorm(E, v0!, sh.layers > 0, plans, M?.embLn)) as [SV, SV | undefined];

  for (let l = 0; l < sh.layers; l++) {
    const W = ws.layers[l]!;
    const D = M?.layers[l];
    const last = l === sh.layers - 1;
    // Last layer: only query row 0 ([CLS]) after K and V, as in the reference.
    const R = last ? 1 : T;
    const [q0, k0, v0l] = await E.round('qkv', [linearStep(firstRows(h8, R), W.q, D?.q.bias), linearStep(h8, W.k, D?.k.bias), linearStep(h8, W.v, D?.v.bias)]);
    const [[q], [k], [v]] = await E.lockstep('qkv', [requantStep(q0!, 1, D?.q.tables, LIN), requantStep(k0!, 1, D?.k.tables, LIN), requantStep(v0l!, 1, D?.v.tables, LIN)]);
    await E.flush('qkv');

    const Qh = heads.map((h) => sliceCols(q!, h * dh, dh));
    const KhT = heads.map((h) => transpose(sliceCols(k!, h * dh, dh)));
    const Vh = heads.map((h) => sliceCols(v!, h * dh, dh));
    const S = await E.round('attn', heads.map((h) => matmulStep(Qh[h]!, KhT[h]!)));
    await E.flush('attn');
    // The heads' element-wise stages run stacked row-wise (head h = rows h·R …),
    // one protocol call each with per-head tables: same material and bytes as
    // one call per head, but one large kernel call instead of nh small ones.
    // 2^k·E is only summed: its output opens as the row sums Σ 2^k·E (the Z of every head's rows).
    const [[Es, Zs]] = await E.lockstep('softmax', [requantStep(stackRows(heads.map((h) => subDiagonal(S[h]!))), 2, headTables(D?.score), plans.score, { rowSumsOfLast: true, keepCols: tokens })]);
    const [[inv]] = await E.lockstep('softmax', [requantStep(Zs!, 1, headTables(D?.zinv), plans.zinv)]);
    await E.flush('softmax');
    // Y_h = diag(1/Z_h)·(E_h·V_h) in one opening: E_h·V_h itself is never opened.
    const Yh = await E.round('attn', heads.map((h) => matmulRowScaleStep(rowBlock(Es!, h * R, R), Vh[h]!, rowBlock(inv!, h * R, R))));
    const Ys = stackRows(Yh);
    const [[Cs]] = await E.lockstep('attn', [requantStep(Ys, 1, headTables(D?.ctx), plans.ctx)]);
    const ctx = concatCols(heads.map((h) => rowBlock(Cs!, h * R, R)));
    await E.flush('attn');

    const [o0] = await E.round('proj', [linearStep(ctx, W.o, D?.o.bias)]);
    // o + hr opens as one value: the residual has no opening of its own.
    const [[v1]] = await E.lockstep('proj', [requantStep(o0!, 1, D?.o.tables, LIN, { plus: firstRows(hr!, R) })]);
    await E.flush('proj');
    [h8, hr] = (await layerNorm(E, v1!, true, plans, D?.ln1)) as [SV, SV];

    const [f0] = await E.round('ffn', [linearStep(h8, W.ffn1, D?.ffn1.bias)]);
    const [[f]] = await E.lockstep('ffn', [requantStep(f0!, 1, D?.ffn1.tables, LIN)]);
    await E.flush('ffn'); // two flushes: FFN1's tables alone are ~1 GB at BERT-base shape
    const [g0] = await E.round('ffn', [linearStep(f!, W.ffn2, D?.ffn2.bias)]);
    const [[v2]] = await E.lockstep('ffn', [requantStep(g0!, 1, D?.ffn2.tables, LIN, { plus: hr })]);
    await E.flush('ffn');
    [h8, hr] = (await layerNorm(E, v2!, !last, plans, D?.ln2)) as [SV, SV | undefined];
  }

  const [p0] = await E.round('pooler', [linearStep(firstRows(h8, 1), ws.pooler, M?.pooler.bias)]);
  const [[pooled]] = await E.lockstep('pooler', [requantStep(p0!, 1, M?.pooler.tables, LIN)]);
  await E.flush('pooler');
  const [logits] = await E.round('cls', [linearStep(pooled!, ws.classifier, M?.classifier.bias)]);
  await E.flush('cls');
  E.output(logits!, 'cls');
}
