/**
 * BERT (BertForSequenceClassification, post-LN, the float model of
 * src/model/float-bert.ts) under CrypTen's algorithms: every weight and
 * activation is fixed point (16 fractional bits) in Z_2^64, additively shared
 * between P1 and P2; linear layers are Beaver matrix products of the shared
 * input and the shared weight (CrypTen encrypts the model: nn.Linear is
 * x.matmul(Wᵀ) + b with both operands private); attention is two batched
 * Beaver products per layer; softmax, LayerNorm, GELU and the pooler tanh are
 * the approximations of functions.ts. The token ids enter as a one-hot matrix
 * shared by the client and multiplied with the shared embedding table (the
 * only way to look up private ids with CrypTen's primitives).
 *
 * Accounting labels (layer types, aligned with src/secure's labels where the
 * same work exists): embed, ln, qkv, attn (the two batched products and the
 * 1/√d scaling), softmax, proj, ffn (the two FFN products), gelu, pooler, cls;
 * the once-per-model weight sharing is 'weights'. Blocks of the last encoder
 * layer carry the suffix ':last' (it only continues the [CLS] row after K
 * and V, as this project's engine does), so a bench can extrapolate full layers.
 */
import { ShapeError } from '../errors.js';
import type { BertWeights, Linear } from '../model/weights.js';
import type { Party } from '../mpc/party.js';
import { cryptenClientInput, cryptenClientOutput, size, type CryptenEngine, type Shared } from './engine.js';
import { clayerNorm, colBroadcast, csoftmax, ctanh, cgelu } from './functions.js';

/** The public shape of the model (all parties know it). */
export interface CryptenBertShape {
  layers: number;
  hidden: number;
  heads: number;
  ffn: number;
  vocab: number;
  labels: number;
  layerNormEps: number;
}

export interface SharedLinear {
  /** in × out (Wᵀ of the Hugging Face layout). */
  w: Shared;
  b: Shared;
  in: number;
  out: number;
}
export interface SharedLn {
  gamma: Shared;
  beta: Shared;
}
export interface SharedLayer {
  q: SharedLinear;
  k: SharedLinear;
  v: SharedLinear;
  o: SharedLinear;
  ln1: SharedLn;
  ffn1: SharedLinear;
  ffn2: SharedLinear;
  ln2: SharedLn;
}
export interface CryptenBertWeights {
  shape: CryptenBertShape;
  wordEmb: Shared;
  /** Position rows 0..maxSeq−1 plus the type-0 row (P0 adds them before sharing), maxSeq × H. */
  posType: Shared;
  maxSeq: number;
  embLn: SharedLn;
  layers: SharedLayer[];
  pooler: SharedLinear;
  classifier: SharedLinear;
}

function transposeF(w: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = w[i * cols + j]!;
  return out;
}

/**
 * Setup, once per model (offline engine, all of P0, P1, P2; P0 passes the
 * float weights): share every weight, one flush labelled 'weights'.
 * `maxSeq` bounds the sentence length (position rows shared).
 */
export async function shareCryptenBert(e: CryptenEngine, shape: CryptenBertShape, maxSeq: number, W?: BertWeights): Promise<CryptenBertWeights> {
  const H = shape.hidden;
  const isP0 = e.party.id === 'P0';
  const lin = async (L: Linear | undefined, inn: number, out: number): Promise<SharedLinear> => ({
    w: await e.shareConstant([inn, out], isP0 ? transposeF(L!.w, out, inn) : undefined),
    b: await e.shareConstant([out], isP0 ? L!.b : undefined),
    in: inn,
    out,
  });
  const ln = async (p: { gamma: Float64Array; beta: Float64Array } | undefined): Promise<SharedLn> => ({
    gamma: await e.shareConstant([H], p?.gamma),
    beta: await e.shareConstant([H], p?.beta),
  });
  if (isP0 && !W) throw new ShapeError('shareCryptenBert: P0 must pass the weights');
  e.label = 'weights';
  let posTypeF: Float64Array | undefined;
  if (isP0) {
    posTypeF = new Float64Array(maxSeq * H);
    for (let t = 0; t < maxSeq; t++) for (let i = 0; i < H; i++) posTypeF[t * H + i] = W!.posEmb[t * H + i]! + W!.typeEmb[i]!;
  }
  const wordEmb = await e.shareConstant([shape.vocab, H], W?.wordEmb.subarray(0, shape.vocab * H));
  const posType = await e.shareConstant([maxSeq, H], posTypeF);
  const embLn = await ln(W?.embLn);
  const layers: SharedLayer[] = [];
  for (let l = 0; l < shape.layers; l++) {
    const L = W?.layers[l];
    layers.push({
      q: await lin(L?.q, H, H),
      k: await lin(L?.k, H, H),
      v: await lin(L?.v, H, H),
      o: await lin(L?.o, H, H),
      ln1: await ln(L?.ln1),
      ffn1: await lin(L?.ffn1, H, shape.ffn),
      ffn2: await lin(L?.ffn2, shape.ffn, H),
      ln2: await ln(L?.ln2),
    });
  }
  const pooler = await lin(W?.pooler, H, H);
  const classifier = await lin(W?.classifier, H, shape.labels);
  await e.flush();
  return { shape, wordEmb, posType, maxSeq, embLn, layers, pooler, classifier };
}

/** x (rows × in) · W + b: one Beaver matrix product, truncation, local bias add (crypten nn.Linear). */
export async function clinear(e: CryptenEngine, x: Shared, rows: number, L: SharedLinear): Promise<Shared> {
  const y = await e.matmul(x, L.w, 1, rows, L.in, L.out);
  return e.add(y, colBroadcast(e, L.b, rows, L.out));
}

/** T×H → heads × T × dh (or heads × dh × T with `transpose`). */
function splitHeads(e: CryptenEngine, x: Shared, T: number, nh: number, dh: number, transpose: boolean): Shared {
  if (!e.online) return { shape: transpose ? [nh, dh, T] : [nh, T, dh], s: x.s };
  const H = nh * dh;
  const out = new BigUint64Array(T * H);
  for (let h = 0; h < nh; h++)
    for (let t = 0; t < T; t++)
      for (let d = 0; d < dh; d++) {
        const v = x.s[t * H + h * dh + d]!;
        if (transpose) out[h * dh * T + d * T + t] = v;
        else out[h * T * dh + t * dh + d] = v;
      }
  return { shape: transpose ? [nh, dh, T] : [nh, T, dh], s: out };
}

function mergeHeads(e: CryptenEngine, x: Shared, T: number, nh: number, dh: number): Shared {
  if (!e.online) return { shape: [T, nh * dh], s: x.s };
  const H = nh * dh;
  const out = new BigUint64Array(T * H);
  for (let h = 0; h < nh; h++) for (let t = 0; t < T; t++) out.set(x.s.subarray(h * T * dh + t * dh, h * T * dh + (t + 1) * dh), t * H + h * dh);
  return { shape: [T, H], s: out };
}

/** Rows 0..T−1 of the shared position/type table. */
function firstRows(e: CryptenEngine, x: Shared, T: number, H: number): Shared {
  return { shape: [T, H], s: e.online ? x.s.subarray(0, T * H) : x.s };
}

/** Options of one forward pass. */
export interface CryptenForwardOptions {
  /** Called after each labelled block with (label, layer index or −1). Used for progress. */
  onBlock?: (label: string, layer: number) => void;
  /** Run only the first n encoder layers (bench extrapolation), default all shared. */
  layers?: number;
  /** Compute only the [CLS] row after K and V in the last layer (default true; same logits). */
  clsOnlyLastLayer?: boolean;
}

/**
 * One sentence of T tokens on P1/P2 (online) or P0/P1/P2 (offline: only
 * shapes matter). The client must run `cryptenBertClient` beside it.
 * Returns this party's share of the logits (online).
 */
export async function cryptenBertForward(e: CryptenEngine, W: CryptenBertWeights, T: number, o: CryptenForwardOptions = {}): Promise<Shared> {
  const { hidden: H, heads: nh, vocab: V } = W.shape;
  const dh = H / nh;
  if (T < 1 || T > W.maxSeq) throw new ShapeError(`sequence length ${T} is outside 1..${W.maxSeq}`);
  const block = async <X>(label: string, layer: number, f: () => Promise<X>): Promise<X> => {
    e.label = label;
    const r = await f();
    await e.flush();
    o.onBlock?.(label, layer);
    return r;
  };
  const eps = W.shape.layerNormEps;
  let h = await block('embed', -1, async () => {
    const onehot = await e.input([T, V]);
    const emb = await e.matmul(onehot, W.wordEmb, 1, T, V, H);
    return e.add(emb, firstRows(e, W.posType, T, H));
  });
  h = await block('ln', -1, () => clayerNorm(e, h, T, H, W.embLn.gamma, W.embLn.beta, eps));
  const nl = Math.min(o.layers ?? W.layers.length, W.layers.length);
  for (let l = 0; l < nl; l++) {
    const L = W.layers[l]!;
    // Last layer: only the [CLS] row feeds the pooler, so (like this project's
    // engine) only query row 0 goes on after K and V; labels get ':last'.
    const last = l === nl - 1 && o.clsOnlyLastLayer !== false;
    const R = last ? 1 : T;
    const lab = (x: string): string => (last ? `${x}:last` : x);
    const [q, k, v] = await block(lab('qkv'), l, async () => [await clinear(e, firstRows(e, h, R, H), R, L.q), await clinear(e, h, T, L.k), await clinear(e, h, T, L.v)] as const);
    const scores = await block(lab('attn'), l, async () => {
      const s = await e.matmul(splitHeads(e, q, R, nh, dh, false), splitHeads(e, k, T, nh, dh, true), nh, R, dh, T);
      return e.divPublic(s, Math.sqrt(dh));
    });
    const probs = await block(lab('softmax'), l, () => csoftmax(e, scores, nh * R, T));
    const ctx = await block(lab('attn'), l, async () => mergeHeads(e, await e.matmul(probs, splitHeads(e, v, T, nh, dh, false), nh, R, T, dh), R, nh, dh));
    const o1 = await block(lab('proj'), l, async () => e.add(await clinear(e, ctx, R, L.o), firstRows(e, h, R, H)));
    h = await block(lab('ln'), l, () => clayerNorm(e, o1, R, H, L.ln1.gamma, L.ln1.beta, eps));
    const f = await block(lab('ffn'), l, () => clinear(e, h, R, L.ffn1));
    const g = await block(lab('gelu'), l, () => cgelu(e, f));
    const o2 = await block(lab('ffn'), l, async () => e.add(await clinear(e, g, R, L.ffn2), h));
    h = await block(lab('ln'), l, () => clayerNorm(e, o2, R, H, L.ln2.gamma, L.ln2.beta, eps));
  }
  const pooled = await block('pooler', -1, async () => ctanh(e, await clinear(e, firstRows(e, h, 1, H), 1, W.pooler)));
  return block('cls', -1, async () => {
    const logits = await clinear(e, pooled, 1, W.classifier);
    e.output(logits);
    return logits;
  });
}

/** Client: share the one-hot matrix of `ids` (T × vocab), then receive the logits. */
export async function cryptenBertClient(c: Party, shape: CryptenBertShape, ids: readonly number[]): Promise<Float64Array> {
  const V = shape.vocab;
  const onehot = new Float64Array(ids.length * V);
  ids.forEach((id, t) => {
    if (!Number.isInteger(id) || id < 0 || id >= V) throw new ShapeError(`token id ${id} at position ${t} is outside 0..${V - 1}`);
    onehot[t * V + id] = 1;
  });
  await cryptenClientInput(c, onehot, 'embed');
  return cryptenClientOutput(c, shape.labels, 'cls');
}

export { size };
