/**
 * The compiled integer program: types, size accounting, and the file format.
 *
 * File: magic "LUTMPCQ1" (8 bytes), u32 LE header length, UTF-8 JSON header,
 * zero padding to 8 bytes, then the tensor section. The header holds the
 * format version, the BERT config, the op parameters with every array
 * replaced by a reference `{ "$t": index }` into `tensors: [{ dtype, length,
 * offset }]` (offsets relative to the tensor section, dtype i8 or i32 LE),
 * and `sha256`, the hex digest of the tensor section (absent in files
 * written before 2026-12-06, which still load). Loading checks magic,
 * version, every offset against the file size, the digest, and the shapes
 * against the config, so a damaged file is a FormatError up front.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { FormatError, LutmpcError } from '../errors.js';
import { parseBertConfig, type BertConfig } from './config.js';
import { S_MAX, type MatW, type Requant } from './intops.js';

export const PROGRAM_VERSION = 1;
const MAGIC = 'LUTMPCQ1';

/** LayerNorm as three requants (see docs/integer-program.md). */
export interface QLayerNorm {
  /** c = H·v − Σv → d (odd integers 2t+1, single table, 8-bit index). */
  centre: Requant;
  /** q = Σ d² → 1/√(q/H + ε) in fixed point (single table, 12-bit index). */
  inv: Requant;
  /** y = d·inv → per-column tables: [int8 output] or [int8 output, residual output]. */
  out: Requant;
}

export interface QLinear {
  mm: MatW;
  rq: Requant;
}

export interface QLayer {
  q: QLinear;
  k: QLinear;
  v: QLinear;
  /** Per head: scores Q·Kᵀ → exp table (8-bit index). */
  score: Requant[];
  /** Per head: Z = Σ E → reciprocal (12-bit index). */
  zinv: Requant[];
  /** Per head: (E·V)·inv → int8 context. */
  ctx: Requant[];
  /** Output projection; its table writes the residual scale of ln1. */
  o: QLinear;
  ln1: QLayerNorm;
  /** FFN1 with the activation fused into its table. */
  ffn1: QLinear;
  /** FFN2; its table writes the residual scale of ln2. */
  ffn2: QLinear;
  ln2: QLayerNorm;
}

export interface IntProgram {
  version: number;
  config: BertConfig;
  sMax: number;
  emb: {
    /** int8 word table [vocab × H], per-column scales. */
    word: Int8Array;
    /** int32 [maxPositions × H]: position + token-type-0 term in the word scale. */
    posTerm: Int32Array;
    /** per-column requant into the residual scale of the embedding LayerNorm. */
    rq: Requant;
  };
  embLn: QLayerNorm;
  layers: QLayer[];
  /** Pooler on the [CLS] row, tanh fused. */
  pooler: QLinear;
  /** Classifier: per-tensor weight scale, so argmax of int32 logits = argmax of logits. */
  classifier: MatW;
  /** float logits = int32 logits × logitScale (known to the model owner/client only). */
  logitScale: number;
  /** Weight bits per named matmul (l0.q … pooler). */
  bits: Record<string, 8 | 4 | 1>;
  /** Free-form compile information (calibration size, margins, accuracy). */
  meta: Record<string, unknown>;
}

/** Names of the matmuls whose bit width the layer-wise search may change. */
export function matmulNames(cfg: BertConfig): string[] {
  const out: string[] = [];
  for (let l = 0; l < cfg.numLayers; l++) for (const m of ['q', 'k', 'v', 'o', 'ffn1', 'ffn2']) out.push(`l${l}.${m}`);
  out.push('pooler');
  return out;
}

export interface ProgramSize {
  /** Weights at their bit width (packed) plus int32 biases, matmuls only. */
  matmulBytes: number;
  /** Embedding int8 table + int32 position terms. */
  embeddingBytes: number;
  /** All requant tables at their minimal signed entry width. */
  tableBytes: number;
  total: number;
}

function tableEntryBytes(t: Int32Array): number {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < t.length; i++) {
    if (t[i]! < lo) lo = t[i]!;
    if (t[i]! > hi) hi = t[i]!;
  }
  return lo >= -128 && hi <= 127 ? 1 : lo >= -32768 && hi <= 32767 ? 2 : 4;
}

function forEachRequant(p: IntProgram, f: (r: Requant) => void): void {
  const ln = (x: QLayerNorm): void => [x.centre, x.inv, x.out].forEach(f);
  f(p.emb.rq);
  ln(p.embLn);
  for (const L of p.layers) {
    [L.q.rq, L.k.rq, L.v.rq, L.o.rq, L.ffn1.rq, L.ffn2.rq, ...L.score, ...L.zinv, ...L.ctx].forEach(f);
    ln(L.ln1);
    ln(L.ln2);
  }
  f(p.pooler.rq);
}

export function programSize(p: IntProgram): ProgramSize {
  const mm = (m: MatW): number => Math.ceil((m.k * m.n * m.bits) / 8) + 4 * m.n;
  let matmulBytes = mm(p.pooler.mm) + mm(p.classifier);
  for (const L of p.layers) for (const x of [L.q, L.k, L.v, L.o, L.ffn1, L.ffn2]) matmulBytes += mm(x.mm);
  const embeddingBytes = p.emb.word.length + 4 * p.emb.posTerm.length;
  let tableBytes = 0;
  forEachRequant(p, (r) => {
    for (const t of r.tables) tableBytes += t.length * tableEntryBytes(t);
  });
  return { matmulBytes, embeddingBytes, tableBytes, total: matmulBytes + embeddingBytes + tableBytes };
}

// ---------------------------------------------------------------- serialisation

interface TensorRef {
  dtype: 'i8' | 'i32';
  length: number;
  offset: number;
}

export function serializeProgram(p: IntProgram): Buffer {
  const tensors: TensorRef[] = [];
  const blobs: Buffer[] = [];
  let off = 0;
  const enc = (v: unknown): unknown => {
    if (v instanceof Int8Array || v instanceof Int32Array) {
      const dtype = v instanceof Int8Array ? 'i8' : 'i32';
      const b = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
      const pad = (8 - (b.length % 8)) % 8;
      tensors.push({ dtype, length: v.length, offset: off });
      blobs.push(b, Buffer.alloc(pad));
      off += b.length + pad;
      return { $t: tensors.length - 1 };
    }
    if (Array.isArray(v)) return v.map(enc);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, enc(x)]));
    return v;
  };
  const body = enc({ ...p, config: rawConfig(p.config) });
  // The data section's digest: a flipped byte in a weight or table would otherwise load and run.
  const sha256 = blobs.reduce((h, b) => h.update(b), createHash('sha256')).digest('hex');
  let head = Buffer.from(JSON.stringify({ format: 'lutmpc-int-program', version: p.version, sha256, program: body, tensors }), 'utf8');
  head = Buffer.concat([head, Buffer.alloc((8 - ((12 + head.length) % 8)) % 8, 0x20)]);
  const pre = Buffer.alloc(12);
  pre.write(MAGIC, 0, 'latin1');
  pre.writeUInt32LE(head.length, 8);
  return Buffer.concat([pre, head, ...blobs]);
}

/** The config in Hugging Face spelling, so the header reads like config.json. */
function rawConfig(c: BertConfig): Record<string, unknown> {
  return {
    model_type: 'bert',
    num_hidden_layers: c.numLayers,
    hidden_size: c.hidden,
    num_attention_heads: c.heads,
    intermediate_size: c.intermediate,
    vocab_size: c.vocabSize,
    max_position_embeddings: c.maxPositions,
    type_vocab_size: c.typeVocabSize,
    num_labels: c.numLabels,
    layer_norm_eps: c.layerNormEps,
    hidden_act: c.hiddenAct,
    id2label: Object.fromEntries(c.id2label.map((v, i) => [String(i), v])),
  };
}

export function saveProgram(p: IntProgram, path: string): void {
  const bytes = serializeProgram(p);
  try {
    writeFileSync(path, bytes);
  } catch (e) {
    throw new LutmpcError(`cannot write the program to ${path}: ${(e as Error).message}`, { cause: e });
  }
}

export function parseProgram(buf: Buffer, source = 'program'): IntProgram {
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) throw new FormatError(`${source}: not a lutmpc integer program (bad magic)`);
  const hlen = buf.readUInt32LE(8);
  if (12 + hlen > buf.length) throw new FormatError(`${source}: header length ${hlen} exceeds the file size ${buf.length} (truncated file?)`);
  let head: { format?: unknown; version?: unknown; sha256?: unknown; program?: unknown; tensors?: unknown };
  try {
    head = JSON.parse(buf.toString('utf8', 12, 12 + hlen)) as typeof head;
  } catch (e) {
    throw new FormatError(`${source}: header is not valid JSON`, { cause: e });
  }
  if (head.format !== 'lutmpc-int-program') throw new FormatError(`${source}: header format is ${String(head.format)}`);
  if (head.version !== PROGRAM_VERSION) throw new FormatError(`${source}: program version ${String(head.version)} is not supported (this build reads ${PROGRAM_VERSION})`);
  if (!Array.isArray(head.tensors)) throw new FormatError(`${source}: header lacks the tensor table`);
  const base = 12 + hlen;
  const tensors = head.tensors as TensorRef[];
  const dec = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(dec);
    if (v && typeof v === 'object') {
      const ref = (v as { $t?: unknown }).$t;
      if (typeof ref === 'number') {
        const t = tensors[ref];
        if (!t || (t.dtype !== 'i8' && t.dtype !== 'i32') || !Number.isInteger(t.length) || !Number.isInteger(t.offset) || t.length < 0 || t.offset < 0) {
          throw new FormatError(`${source}: bad tensor reference ${ref}`);
        }
        const bytes = t.length * (t.dtype === 'i8' ? 1 : 4);
        if (base + t.offset + bytes > buf.length) throw new FormatError(`${source}: tensor ${ref} ends past the end of the file (truncated file?)`);
        const copy = new Uint8Array(bytes);
        copy.set(buf.subarray(base + t.offset, base + t.offset + bytes));
        return t.dtype === 'i8' ? new Int8Array(copy.buffer) : new Int32Array(copy.buffer);
      }
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, dec(x)]));
    }
    return v;
  };
  if (typeof head.program !== 'object' || head.program === null || Array.isArray(head.program)) throw new FormatError(`${source}: header lacks the program object`);
  const p = dec(head.program) as IntProgram & { config: unknown };
  // After the bounds checks above (a truncated file is named as such). Files written before the digest existed have none; every file written now has one, and it must match.
  if (head.sha256 !== undefined) {
    if (typeof head.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(head.sha256)) throw new FormatError(`${source}: header sha256 is not a SHA-256 digest`);
    if (createHash('sha256').update(buf.subarray(base)).digest('hex') !== head.sha256) throw new FormatError(`${source}: the data section does not match its SHA-256 digest (corrupted or edited file)`);
  }
  try {
    p.config = parseBertConfig(p.config, `${source} (config)`);
    validateProgram(p as IntProgram, source);
  } catch (e) {
    // A field missing where the checks expect an object: still the file's fault, named as such.
    if (e instanceof LutmpcError) throw e;
    throw new FormatError(`${source}: malformed program (${(e as Error).message})`, { cause: e });
  }
  return p as IntProgram;
}

export function loadProgram(path: string): IntProgram {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new FormatError(`cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  return parseProgram(buf, path);
}

/** Check every array against the shapes the config implies. */
export function validateProgram(p: IntProgram, source = 'program'): void {
  const c = p.config;
  const H = c.hidden;
  const fail = (what: string): never => {
    throw new FormatError(`${source}: ${what}`);
  };
  if (p.version !== PROGRAM_VERSION) fail(`program version ${JSON.stringify(p.version)} differs from the header's ${PROGRAM_VERSION}`);
  if (p.sMax !== S_MAX) fail(`sMax ${p.sMax} differs from this build's ${S_MAX}`);
  if (typeof p.logitScale !== 'number' || !Number.isFinite(p.logitScale) || p.logitScale <= 0) fail(`logitScale ${JSON.stringify(p.logitScale)} is not a positive number`);
  const rq = (r: Requant, name: string, cols: number): void => {
    if (!r || !(r.shifts instanceof Int32Array) || !Array.isArray(r.tables) || r.tables.length < 1) fail(`${name}: malformed requant`);
    if (!Number.isInteger(r.bits) || r.bits < 1 || r.bits > 12) fail(`${name}: index width ${r.bits} outside 1..12`);
    if (r.channels !== 1 && r.channels !== cols) fail(`${name}: ${r.channels} channels for ${cols} columns`);
    if (r.shifts.length !== 1 && r.shifts.length !== cols) fail(`${name}: ${r.shifts.length} shifts for ${cols} columns`);
    for (const s of r.shifts) if (s < 0 || s > Math.min(S_MAX, 32 - r.bits)) fail(`${name}: shift ${s} outside 0..${Math.min(S_MAX, 32 - r.bits)}`);
    for (const t of r.tables) if (!(t instanceof Int32Array) || t.length !== r.channels << r.bits) fail(`${name}: table of ${t?.length} entries, expected ${r.channels << r.bits}`);
  };
  const mm = (m: MatW, name: string, k: number, n: number): void => {
    if (!m || m.k !== k || m.n !== n || !(m.w instanceof Int8Array) || m.w.length !== k * n || !(m.bias instanceof Int32Array) || m.bias.length !== n) {
      fail(`${name}: weight shape does not match ${k}×${n}`);
    }
    const [lo, hi] = m.bits === 8 ? [-128, 127] : m.bits === 4 ? [-8, 7] : m.bits === 1 ? [-1, 1] : fail(`${name}: bits ${m.bits}`);
    for (const v of m.w) if (v < lo || v > hi || (m.bits === 1 && v === 0)) fail(`${name}: weight ${v} outside its ${m.bits}-bit range`);
  };
  const lin = (x: QLinear, name: string, k: number, n: number): void => {
    mm(x.mm, name, k, n);
    rq(x.rq, name, n);
  };
  const ln = (x: QLayerNorm, name: string): void => {
    rq(x.centre, name + '.centre', H);
    rq(x.inv, name + '.inv', 1);
    rq(x.out, name + '.out', H);
  };
  if (!(p.emb?.word instanceof Int8Array) || p.emb.word.length !== c.vocabSize * H) fail('embedding table shape does not match the config');
  if (!(p.emb.posTerm instanceof Int32Array) || p.emb.posTerm.length !== c.maxPositions * H) fail('position term shape does not match the config');
  rq(p.emb.rq, 'emb', H);
  ln(p.embLn, 'emb.ln');
  if (!Array.isArray(p.layers) || p.layers.length !== c.numLayers) fail(`${p.layers?.length} layers, config says ${c.numLayers}`);
  p.layers.forEach((L, l) => {
    const n = `l${l}`;
    lin(L.q, n + '.q', H, H);
    lin(L.k, n + '.k', H, H);
    lin(L.v, n + '.v', H, H);
    lin(L.o, n + '.o', H, H);
    lin(L.ffn1, n + '.ffn1', H, c.intermediate);
    lin(L.ffn2, n + '.ffn2', c.intermediate, H);
    for (const [key, arr] of [['score', L.score], ['zinv', L.zinv], ['ctx', L.ctx]] as const) {
      if (!Array.isArray(arr) || arr.length !== c.heads) fail(`${n}.${key}: expected ${c.heads} heads`);
      arr.forEach((r, h) => rq(r, `${n}.${key}.h${h}`, 1));
    }
    ln(L.ln1, n + '.ln1');
    ln(L.ln2, n + '.ln2');
  });
  lin(p.pooler, 'pooler', H, H);
  mm(p.classifier, 'classifier', H, c.numLabels);
}
