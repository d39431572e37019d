/**
 * Deterministic random BERT generator: writes a real Hugging Face folder
 * (config.json, vocab.txt, tokenizer_config.json, model.safetensors) so tests
 * and demos exercise the same loading path as a downloaded checkpoint.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HiddenAct } from './config.js';
import { writeSafetensors } from './safetensors.js';

export interface RandomBertOptions {
  layers?: number;
  hidden?: number;
  heads?: number;
  intermediate?: number;
  maxPositions?: number;
  numLabels?: number;
  hiddenAct?: HiddenAct;
  seed?: number;
  /** Target folder (created); default a fresh temp folder. */
  dir?: string;
}

/** Words of the generated vocabulary after the special tokens (then single letters and ## letters). */
export const RANDOM_BERT_WORDS = [
  'the', 'a', 'is', 'not', 'very', 'movie', 'film', 'good', 'bad', 'great', 'awful', 'fun', 'boring', 'plot', 'actors',
  'and', 'but', 'it', 'was', 'this', '.', ',', '!', "'", 's', '##s', '##ing', '##ed', '##ly',
];

/** splitmix32-style PRNG → uniform [0,1), and a Box–Muller normal. */
function rng(seed: number): { uniform(): number; normal(): number } {
  let s = seed >>> 0;
  const uniform = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 2 ** 32;
  };
  return {
    uniform,
    normal: () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform()),
  };
}

/** Create the folder and return its path. */
export function writeRandomBert(o: RandomBertOptions = {}): string {
  const layers = o.layers ?? 2;
  const H = o.hidden ?? 32;
  const heads = o.heads ?? 2;
  const I = o.intermediate ?? 4 * H;
  const P = o.maxPositions ?? 64;
  const L = o.numLabels ?? 2;
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'lutmpc-bert-'));
  mkdirSync(dir, { recursive: true });
  const letters = 'abcdefghijklmnopqrstuvwxyz'.split('');
  const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...RANDOM_BERT_WORDS, ...letters.filter((c) => c !== 'a' && c !== 's'), ...letters.map((c) => '##' + c).filter((c) => c !== '##s')];
  const V = vocab.length;
  const r = rng(o.seed ?? 1);
  const mat = (n: number, std: number, mean = 0): Float32Array => Float32Array.from({ length: n }, () => mean + std * r.normal());
  const t: { name: string; shape: number[]; data: Float32Array }[] = [];
  const add = (name: string, shape: number[], std: number, mean = 0): void => {
    t.push({ name, shape, data: mat(shape.reduce((a, b) => a * b, 1), std, mean) });
  };
  add('bert.embeddings.word_embeddings.weight', [V, H], 0.5);
  add('bert.embeddings.position_embeddings.weight', [P, H], 0.2);
  add('bert.embeddings.token_type_embeddings.weight', [2, H], 0.1);
  add('bert.embeddings.LayerNorm.weight', [H], 0.1, 1);
  add('bert.embeddings.LayerNorm.bias', [H], 0.1);
  const ws = 1 / Math.sqrt(H);
  for (let l = 0; l < layers; l++) {
    const p = `bert.encoder.layer.${l}.`;
    // Query/key scale keeps attention rows within a few nats, as in trained BERTs
    // (the integer softmax's calibrated offset assumes that; see docs/integer-program.md).
    for (const n of ['query', 'key', 'value']) {
      add(`${p}attention.self.${n}.weight`, [H, H], n === 'value' ? 2 * ws : ws);
      add(`${p}attention.self.${n}.bias`, [H], 0.1);
    }
    add(`${p}attention.output.dense.weight`, [H, H], ws);
    add(`${p}attention.output.dense.bias`, [H], 0.1);
    add(`${p}attention.output.LayerNorm.weight`, [H], 0.1, 1);
    add(`${p}attention.output.LayerNorm.bias`, [H], 0.1);
    add(`${p}intermediate.dense.weight`, [I, H], ws);
    add(`${p}intermediate.dense.bias`, [I], 0.1);
    add(`${p}output.dense.weight`, [H, I], 1 / Math.sqrt(I));
    add(`${p}output.dense.bias`, [H], 0.1);
    add(`${p}output.LayerNorm.weight`, [H], 0.1, 1);
    add(`${p}output.LayerNorm.bias`, [H], 0.1);
  }
  add('bert.pooler.dense.weight', [H, H], ws);
  add('bert.pooler.dense.bias', [H], 0.1);
  add('classifier.weight', [L, H], ws);
  add('classifier.bias', [L], 0.1);
  writeSafetensors(join(dir, 'model.safetensors'), t);
  writeFileSync(join(dir, 'vocab.txt'), vocab.join('\n') + '\n');
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'BertTokenizer', do_lower_case: true, model_max_length: P }, null, 2));
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify(
      {
        architectures: ['BertForSequenceClassification'],
        model_type: 'bert',
        hidden_act: o.hiddenAct ?? 'gelu',
        hidden_size: H,
        intermediate_size: I,
        layer_norm_eps: 1e-12,
        max_position_embeddings: P,
        num_attention_heads: heads,
        num_hidden_layers: layers,
        type_vocab_size: 2,
        vocab_size: V,
        num_labels: L,
        id2label: Object.fromEntries(Array.from({ length: L }, (_, i) => [String(i), `LABEL_${i}`])),
      },
      null,
      2,
    ),
  );
  return dir;
}

/** Deterministic sentences over the generated vocabulary (for calibration/tests). */
export function randomSentences(n: number, seed = 7, maxWords = 12): string[] {
  const r = rng(seed);
  const words = RANDOM_BERT_WORDS.filter((w) => !w.startsWith('##'));
  return Array.from({ length: n }, () => {
    const k = 1 + Math.floor(r.uniform() * maxWords);
    return Array.from({ length: k }, () => words[Math.floor(r.uniform() * words.length)]!).join(' ');
  });
}
