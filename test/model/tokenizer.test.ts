import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bertTokenizerJson, loadTokenizer } from '../../src/model/tokenizer.js';

const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'hello', 'world', '!', ',', 'un', '##believ', '##able', 'cafe', '中', '.'];

describe('BERT WordPiece tokenizer from vocab.txt', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lutmpc-tok-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'vocab.txt'), vocab.join('\n') + '\n');
  const tok = loadTokenizer(dir);

  it('lowercases, strips accents, splits punctuation and CJK, greedy longest-match word pieces', () => {
    expect(tok.tokenize('Hello, WORLD!')).toEqual(['hello', ',', 'world', '!']);
    expect(tok.tokenize('Unbelievable café中.')).toEqual(['un', '##believ', '##able', 'cafe', '中', '.']);
    expect(tok.tokenize('xyz hello')).toEqual(['[UNK]', 'hello']);
    expect(tok.encode('hello world', 16)).toEqual({ ids: [2, 5, 6, 3], truncated: false });
  });

  it('truncates word pieces to maxLength − 2 and keeps [CLS]/[SEP]', () => {
    expect(tok.encode('hello world hello world', 4)).toEqual({ ids: [2, 5, 6, 3], truncated: true });
    expect(tok.encode('   ', 4)).toEqual({ ids: [2, 3], truncated: false });
    expect(() => tok.encode('x', 1)).toThrow(RangeError);
  });

  it('uses tokenizer.json when present; cased tokenizer_config keeps case', () => {
    const d2 = mkdtempSync(join(tmpdir(), 'lutmpc-tok2-'));
    try {
      writeFileSync(join(d2, 'tokenizer.json'), JSON.stringify(bertTokenizerJson([...vocab, 'Hello'], false)));
      expect(loadTokenizer(d2).tokenize('Hello hello')).toEqual(['Hello', 'hello']);
      const d3 = mkdtempSync(join(tmpdir(), 'lutmpc-tok3-'));
      writeFileSync(join(d3, 'vocab.txt'), [...vocab, 'Hello'].join('\n'));
      writeFileSync(join(d3, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: false }));
      expect(loadTokenizer(d3).tokenize('Hello')).toEqual(['Hello']);
      rmSync(d3, { recursive: true });
    } finally {
      rmSync(d2, { recursive: true });
    }
  });

  it('missing vocabulary or special tokens are FormatErrors', () => {
    const d = mkdtempSync(join(tmpdir(), 'lutmpc-tok4-'));
    try {
      expect(() => loadTokenizer(d)).toThrow(/neither tokenizer.json nor vocab.txt/);
      writeFileSync(join(d, 'vocab.txt'), 'a\nb\n');
      expect(() => loadTokenizer(d)).toThrow(/special token \[CLS\]/);
    } finally {
      rmSync(d, { recursive: true });
    }
  });
});
