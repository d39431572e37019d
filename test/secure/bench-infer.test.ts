/**
 * The library sides of `lutmpc bench bert`, `infer` and `demo` at tiny
 * shapes, in one process: exact logits, counters equal to the declared
 * formula, and the who-saw-what account built from the parties' counters.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchBert } from '../../src/bench/bert.js';
import { secureInfer } from '../../src/secure/infer.js';
import { randomModel } from '../../src/secure/model-source.js';
import { whoSawWhat } from '../../src/cli/commands/demo.js';

describe('bench bert (library)', () => {
  it('runs a tiny random BERT: exact, counters equal the declared cost, figures per label', async () => {
    const r = await benchBert({ layers: 1, hidden: 32, heads: 2, ffn: 64, seq: 6, vocab: 300, parties: 'inproc', stream: false, calibSentences: 1 });
    expect(r.secure.exact).toBe(true);
    expect(r.declaredMatches).toBe(true);
    expect(r.secure.rounds).toBe(19 + 44);
    expect(Object.keys(r.secure.perLabel)).toEqual(['embed', 'ln', 'qkv', 'attn', 'softmax', 'proj', 'ffn', 'pooler', 'cls']);
    expect(r.secure.perLabel['ffn']!.onlineBytes).toBeGreaterThan(0);
    expect(r.plaintext.intSeconds).toBeGreaterThan(0);
    const streamed = await benchBert({ layers: 1, hidden: 32, heads: 2, ffn: 64, seq: 6, vocab: 300, parties: 'inproc', stream: true, calibSentences: 1 });
    expect(streamed.secure.exact).toBe(true);
    expect(streamed.secure.bytesOnline).toBe(r.secure.bytesOnline);
    // A small model streams only on request, and the note says so.
    expect(streamed.notes.some((n) => n.includes('streamed on request'))).toBe(true);
    expect(r.notes.some((n) => n.includes('alternate per flush segment'))).toBe(false);
  });
});

describe('secure infer (library) on the deterministic random BERT', () => {
  it('classifies exactly and accounts for who saw what', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lutmpc-demo-test-'));
    try {
      const model = randomModel(dir);
      const r = await secureInfer({ model, text: 'the movie is very good', parties: 'inproc' });
      expect(r.exact).toBe(true);
      expect(r.logits).toEqual(r.reference.logits);
      const v = Object.fromEntries(whoSawWhat(r).map((x) => [x.party, x]));
      expect(v['P0']!.onlineBytesReceived).toBe(0); // the dealer receives nothing derived from the input
      expect(v['P1']!.offlineBytesReceived).toBe(0); // P1's material comes from its seed with P0
      expect(v['C']!.onlineBytesReceived).toBe(2 * 4 * r.logits.length + 4 * 16); // the logits' shares and the input-mask keys (two inputs, from P1 and P2)
      expect(v['P2']!.onlineBytesReceived).toBeGreaterThan(0);
      // An empty text is refused before any server starts (it used to classify [CLS] [SEP]).
      await expect(secureInfer({ model, text: '  ', parties: 'inproc' })).rejects.toThrow(/the text is empty/);
      // --timeout-ms applies in one process too (it was dropped for inproc).
      await expect(secureInfer({ model, text: 'the movie is very good', parties: 'inproc', timeoutMs: 1 })).rejects.toThrow(/timed out after 1 ms/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
