/**
 * BERT configuration read from a Hugging Face config.json. Every size comes
 * from the file (layers, hidden, heads, FFN, vocab, positions, labels), so any
 * BERT shape loads; fields we cannot honour are FormatErrors, not surprises.
 */
import { readFileSync } from 'node:fs';
import { FormatError } from '../errors.js';

/** Activations whose float form we implement and whose table the quantizer builds. */
export type HiddenAct = 'gelu' | 'gelu_new' | 'relu';
export const SUPPORTED_ACTS: readonly HiddenAct[] = ['gelu', 'gelu_new', 'relu'];

export interface BertConfig {
  numLayers: number;
  hidden: number;
  heads: number;
  intermediate: number;
  vocabSize: number;
  maxPositions: number;
  typeVocabSize: number;
  numLabels: number;
  layerNormEps: number;
  hiddenAct: HiddenAct;
  id2label: string[];
}

function int(raw: Record<string, unknown>, key: string, source: string, dflt?: number): number {
  const v = raw[key] ?? dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new FormatError(`${source}: '${key}' must be a positive integer (got ${JSON.stringify(v)})`);
  return v;
}

/** Validate a parsed config.json object. */
export function parseBertConfig(raw: unknown, source = 'config.json'): BertConfig {
  if (typeof raw !== 'object' || raw === null) throw new FormatError(`${source}: not a JSON object`);
  const r = raw as Record<string, unknown>;
  if (r['model_type'] !== undefined && r['model_type'] !== 'bert') {
    throw new FormatError(`${source}: model_type '${String(r['model_type'])}' is not supported (only 'bert')`);
  }
  const act = r['hidden_act'] ?? 'gelu';
  if (typeof act !== 'string' || !(SUPPORTED_ACTS as readonly string[]).includes(act)) {
    throw new FormatError(`${source}: hidden_act '${String(act)}' is not supported (use one of ${SUPPORTED_ACTS.join(', ')})`);
  }
  const pet = r['position_embedding_type'];
  if (pet !== undefined && pet !== 'absolute') throw new FormatError(`${source}: position_embedding_type '${String(pet)}' is not supported (only 'absolute')`);
  const hidden = int(r, 'hidden_size', source);
  const heads = int(r, 'num_attention_heads', source);
  if (hidden % heads !== 0) throw new FormatError(`${source}: hidden_size ${hidden} is not a multiple of num_attention_heads ${heads}`);
  let id2label: string[] = [];
  const raw2 = r['id2label'];
  if (raw2 && typeof raw2 === 'object') {
    for (const [k, v] of Object.entries(raw2 as Record<string, unknown>)) id2label[Number(k)] = String(v);
  }
  const numLabels = typeof r['num_labels'] === 'number' ? int(r, 'num_labels', source) : id2label.length > 0 ? id2label.length : 2;
  if (id2label.length !== numLabels) id2label = Array.from({ length: numLabels }, (_, i) => id2label[i] ?? `LABEL_${i}`);
  const eps = r['layer_norm_eps'] ?? 1e-12;
  if (typeof eps !== 'number' || !(eps >= 0)) throw new FormatError(`${source}: layer_norm_eps must be a non-negative number`);
  return {
    numLayers: int(r, 'num_hidden_layers', source),
    hidden,
    heads,
    intermediate: int(r, 'intermediate_size', source),
    vocabSize: int(r, 'vocab_size', source),
    maxPositions: int(r, 'max_position_embeddings', source, 512),
    typeVocabSize: int(r, 'type_vocab_size', source, 2),
    numLabels,
    layerNormEps: eps,
    hiddenAct: act as HiddenAct,
    id2label,
  };
}

export function readBertConfig(path: string): BertConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new FormatError(`cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new FormatError(`${path}: not valid JSON`, { cause: e });
  }
  return parseBertConfig(raw, path);
}
