/** Load a Hugging Face BERT folder: config, tokenizer, float weights. */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FormatError } from '../errors.js';
import { readBertConfig, type BertConfig } from './config.js';
import { FloatBert } from './float-bert.js';
import { loadTokenizer, type BertTokenizer } from './tokenizer.js';
import { readBertWeights } from './weights.js';

export interface HfBert {
  dir: string;
  config: BertConfig;
  tokenizer: BertTokenizer;
  model: FloatBert;
}

export function loadHfBert(dir: string): HfBert {
  if (!existsSync(dir)) throw new FormatError(`model folder ${dir} does not exist`);
  if (!statSync(dir).isDirectory()) throw new FormatError(`${dir} is a file; --model takes the model's folder (config.json, vocab.txt or tokenizer.json, model.safetensors)`);
  const config = readBertConfig(join(dir, 'config.json'));
  const tokenizer = loadTokenizer(dir);
  if (tokenizer.vocabSize > config.vocabSize) throw new FormatError(`${dir}: tokenizer has ${tokenizer.vocabSize} tokens but vocab_size is ${config.vocabSize}`);
  const weights = readBertWeights(dir, config);
  return { dir, config, tokenizer, model: new FloatBert(config, weights) };
}
