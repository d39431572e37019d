/**
 * BertForSequenceClassification weights from model.safetensors, checked
 * against the config: every tensor present with the shape the config implies.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FormatError } from '../errors.js';
import type { BertConfig } from './config.js';
import { readSafetensors, type SafeTensor } from './safetensors.js';

/** y = x · Wᵀ + b with W stored [out × in] row-major (Hugging Face layout). */
export interface Linear {
  in: number;
  out: number;
  w: Float64Array;
  b: Float64Array;
}
export interface LayerNormW {
  gamma: Float64Array;
  beta: Float64Array;
}
export interface BertLayerW {
  q: Linear;
  k: Linear;
  v: Linear;
  o: Linear;
  ln1: LayerNormW;
  ffn1: Linear;
  ffn2: Linear;
  ln2: LayerNormW;
}
export interface BertWeights {
  wordEmb: Float64Array;
  posEmb: Float64Array;
  typeEmb: Float64Array;
  embLn: LayerNormW;
  layers: BertLayerW[];
  pooler: Linear;
  classifier: Linear;
}

/** Assemble and shape-check weights from decoded tensors. */
export function weightsFromTensors(cfg: BertConfig, t: Map<string, SafeTensor>, source: string): BertWeights {
  const prefix = t.has('bert.embeddings.word_embeddings.weight') ? 'bert.' : '';
  const get = (name: string, shape: number[], alt?: string): Float64Array => {
    let x = t.get(name);
    if (!x && alt) x = t.get(alt);
    if (!x) throw new FormatError(`${source}: missing tensor '${name}'`);
    if (x.shape.length !== shape.length || x.shape.some((d, i) => d !== shape[i])) {
      throw new FormatError(`${source}: tensor '${name}' has shape ${JSON.stringify(x.shape)}, the config implies ${JSON.stringify(shape)}`);
    }
    // A NaN or infinity would calibrate into meaningless scales and give logits that look valid.
    const d = x.data;
    for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i]!)) throw new FormatError(`${source}: tensor '${x.name}' holds ${d[i]} at index ${i} (weights must be finite)`);
    return x.data;
  };
  const lin = (name: string, out: number, inn: number): Linear => ({ in: inn, out, w: get(`${name}.weight`, [out, inn]), b: get(`${name}.bias`, [out]) });
  const ln = (name: string): LayerNormW => ({
    gamma: get(`${name}.weight`, [cfg.hidden], `${name}.gamma`),
    beta: get(`${name}.bias`, [cfg.hidden], `${name}.beta`),
  });
  const H = cfg.hidden;
  const p = prefix;
  const layers: BertLayerW[] = [];
  for (let l = 0; l < cfg.numLayers; l++) {
    const b = `${p}encoder.layer.${l}.`;
    layers.push({
      q: lin(b + 'attention.self.query', H, H),
      k: lin(b + 'attention.self.key', H, H),
      v: lin(b + 'attention.self.value', H, H),
      o: lin(b + 'attention.output.dense', H, H),
      ln1: ln(b + 'attention.output.LayerNorm'),
      ffn1: lin(b + 'intermediate.dense', cfg.intermediate, H),
      ffn2: lin(b + 'output.dense', H, cfg.intermediate),
      ln2: ln(b + 'output.LayerNorm'),
    });
  }
  return {
    wordEmb: get(`${p}embeddings.word_embeddings.weight`, [cfg.vocabSize, H]),
    posEmb: get(`${p}embeddings.position_embeddings.weight`, [cfg.maxPositions, H]),
    typeEmb: get(`${p}embeddings.token_type_embeddings.weight`, [cfg.typeVocabSize, H]),
    embLn: ln(`${p}embeddings.LayerNorm`),
    layers,
    pooler: lin(`${p}pooler.dense`, H, H),
    classifier: lin('classifier', cfg.numLabels, H),
  };
}

export function readBertWeights(dir: string, cfg: BertConfig): BertWeights {
  const path = join(dir, 'model.safetensors');
  if (!existsSync(path)) {
    const bin = existsSync(join(dir, 'pytorch_model.bin'));
    throw new FormatError(`${dir}: model.safetensors not found${bin ? ' (pytorch_model.bin is present: convert it once to safetensors)' : ''}`);
  }
  return weightsFromTensors(cfg, readSafetensors(path), path);
}
