/**
 * BERT tokenization through @huggingface/tokenizers. A folder with
 * tokenizer.json uses it as is; a folder with only vocab.txt (plus optional
 * tokenizer_config.json) gets the equivalent BERT WordPiece pipeline built
 * from the vocabulary: BertNormalizer (clean text, CJK spacing, lowercase and
 * strip accents when uncased) → BertPreTokenizer → WordPiece ("##", 100 chars
 * per word). Special tokens are added here, not by the library, so that
 * truncation to the model's max positions keeps `[CLS] … [SEP]` intact.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { FormatError } from '../errors.js';

export interface EncodeResult {
  /** `[CLS] wordpieces [SEP]`, at most maxLength ids. */
  ids: number[];
  /** True when word pieces were dropped to fit maxLength. */
  truncated: boolean;
}

export interface BertTokenizer {
  readonly vocabSize: number;
  readonly clsId: number;
  readonly sepId: number;
  readonly unkId: number;
  /** Word pieces without special tokens. */
  tokenize(text: string): string[];
  /** Encode with `[CLS]`/`[SEP]`, truncating the word pieces to maxLength − 2. */
  encode(text: string, maxLength: number): EncodeResult;
}

const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];

function readJson(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new FormatError(`${path}: cannot read JSON: ${(e as Error).message}`, { cause: e });
  }
}

/** Build the tokenizer.json object equivalent to HF's BertTokenizerFast for a vocab. */
export function bertTokenizerJson(vocab: string[], lowercase: boolean, stripAccents: boolean | null = null): Record<string, unknown> {
  const map: Record<string, number> = {};
  vocab.forEach((t, i) => {
    if (!(t in map)) map[t] = i;
  });
  const added = SPECIALS.filter((t) => t in map).map((t) => ({
    id: map[t],
    content: t,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: stripAccents, lowercase },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: null,
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: map },
  };
}

class HfBertTokenizer implements BertTokenizer {
  readonly clsId: number;
  readonly sepId: number;
  readonly unkId: number;
  constructor(
    private readonly tok: Tokenizer,
    readonly vocabSize: number,
    source: string,
  ) {
    const need = (t: string): number => {
      const id = tok.token_to_id(t);
      if (id === undefined) throw new FormatError(`${source}: vocabulary lacks the special token ${t}`);
      return id;
    };
    this.clsId = need('[CLS]');
    this.sepId = need('[SEP]');
    this.unkId = need('[UNK]');
  }
  tokenize(text: string): string[] {
    return this.tok.tokenize(text, { add_special_tokens: false });
  }
  encode(text: string, maxLength: number): EncodeResult {
    if (!Number.isInteger(maxLength) || maxLength < 2) throw new RangeError(`maxLength must be an integer ≥ 2 (got ${maxLength})`);
    const pieces = this.tok.encode(text, { add_special_tokens: false }).ids;
    const keep = Math.min(pieces.length, maxLength - 2);
    return { ids: [this.clsId, ...pieces.slice(0, keep), this.sepId], truncated: keep < pieces.length };
  }
}

/** Load the tokenizer of a Hugging Face BERT folder. */
export function loadTokenizer(dir: string): BertTokenizer {
  const cfgPath = join(dir, 'tokenizer_config.json');
  const cfg = existsSync(cfgPath) ? readJson(cfgPath) : {};
  const tjPath = join(dir, 'tokenizer.json');
  if (existsSync(tjPath)) {
    const tj = readJson(tjPath);
    let tok: Tokenizer;
    try {
      tok = new Tokenizer(tj, cfg);
    } catch (e) {
      throw new FormatError(`${tjPath}: unsupported tokenizer: ${(e as Error).message}`, { cause: e });
    }
    return new HfBertTokenizer(tok, tok.get_vocab(true).size, tjPath);
  }
  const vocabPath = join(dir, 'vocab.txt');
  if (!existsSync(vocabPath)) throw new FormatError(`${dir}: neither tokenizer.json nor vocab.txt found`);
  let text: string;
  try {
    text = readFileSync(vocabPath, 'utf8');
  } catch (e) {
    throw new FormatError(`cannot read ${vocabPath}: ${(e as Error).message}`, { cause: e });
  }
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const vocab = lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (vocab.length === 0) throw new FormatError(`${vocabPath}: empty vocabulary`);
  const lower = cfg['do_lower_case'] !== false;
  const sa = cfg['strip_accents'];
  const tok = new Tokenizer(bertTokenizerJson(vocab, lower, typeof sa === 'boolean' ? sa : null), cfg);
  return new HfBertTokenizer(tok, vocab.length, vocabPath);
}
