/**
 * End-to-end on small random BERTs written as real HF folders: loading,
 * tokenization, float forward, compile, save/load, integer reference.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError, ShapeError } from '../../src/errors.js';
import { tsKernels } from '../../src/kernels/ts.js';
import { getKernels } from '../../src/kernels/loader.js';
import { calibrate } from '../../src/model/calibrate.js';
import { loadHfBert } from '../../src/model/hf-folder.js';
import { IntBert, argmax } from '../../src/model/int-bert.js';
import { parseProgram, programSize, serializeProgram, type QLayerNorm } from '../../src/model/program.js';
import { SHIFT_CAPS, type ShiftRole } from '../../src/model/intops.js';
import { compileProgram } from '../../src/model/quantize.js';
import { randomSentences, writeRandomBert } from '../../src/model/random-bert.js';

const shapes = [
  { layers: 2, hidden: 32, heads: 2, intermediate: 64, maxPositions: 24, numLabels: 2, seed: 11 },
  { layers: 1, hidden: 48, heads: 4, intermediate: 96, maxPositions: 16, numLabels: 3, seed: 12, hiddenAct: 'relu' as const },
];

describe.each(shapes)('random BERT %o', (shape) => {
  const dir = writeRandomBert(shape);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const m = loadHfBert(dir);
  const calib = randomSentences(48, 3, 10).map((s) => m.tokenizer.encode(s, m.config.maxPositions).ids);
  const test = randomSentences(24, 99, 30).map((s) => m.tokenizer.encode(s, m.config.maxPositions));
  const stats = calibrate(m.model, calib);
  const program = compileProgram(m.model, stats);

  it('reads every size from config.json', () => {
    expect(m.config).toMatchObject({ numLayers: shape.layers, hidden: shape.hidden, heads: shape.heads, intermediate: shape.intermediate, maxPositions: shape.maxPositions, numLabels: shape.numLabels });
  });

  it('truncates to max positions keeping [CLS] … [SEP]', () => {
    const long = m.tokenizer.encode('the movie '.repeat(40), m.config.maxPositions);
    expect(long.truncated).toBe(true);
    expect(long.ids.length).toBe(shape.maxPositions);
    expect(long.ids[0]).toBe(m.tokenizer.clsId);
    expect(long.ids.at(-1)).toBe(m.tokenizer.sepId);
    expect(m.tokenizer.encode('', 8)).toEqual({ ids: [m.tokenizer.clsId, m.tokenizer.sepId], truncated: false });
  });

  it('integer logits track the float logits (dequantized) and mostly agree on the argmax', async () => {
    const ib = new IntBert(program, tsKernels);
    let agree = 0;
    let err = 0;
    let spread = 0;
    for (const e of test) {
      const f = m.model.forward(e.ids);
      const q = (await ib.forward(e.ids)).logits;
      if (argmax(f) === argmax(q)) agree++;
      for (let i = 0; i < f.length; i++) {
        err += Math.abs(q[i]! * program.logitScale - f[i]!);
        spread += Math.abs(f[i]! - f.reduce((a, b) => a + b, 0) / f.length);
      }
    }
    expect(agree / test.length).toBeGreaterThanOrEqual(0.8);
    expect(err / spread).toBeLessThan(0.35);
    expect(test.some((e) => e.truncated)).toBe(true); // max-length inputs are exercised
  });

  it('every tapped intermediate, dequantized with the compile-time scales, tracks the float model', async () => {
    const scales = program.meta['scales'] as Record<string, number>;
    const worst: Record<string, number> = {};
    for (const e of test.slice(0, 8)) {
      const fl = new Map<string, Float64Array>();
      m.model.forward(e.ids, (n, x) => fl.set(n, Float64Array.from(x)));
      const ib = new IntBert(program, tsKernels, (n, v) => {
        const f = fl.get(n)!;
        let err = 0;
        let ref = 0;
        for (let i = 0; i < v.length; i++) {
          err += (v[i]! * scales[n]! - f[i]!) ** 2;
          ref += f[i]! ** 2;
        }
        worst[n] = Math.max(worst[n] ?? 0, Math.sqrt(err / ref));
      });
      await ib.forward(e.ids);
    }
    expect(Object.keys(worst)).toContain(`l${shape.layers - 1}.ctx`);
    for (const [n, r] of Object.entries(worst)) expect(r, n).toBeLessThan(0.2);
  });

  it('is deterministic, survives save/load bit-exactly, and matches on every kernel backend', async () => {
    const buf = serializeProgram(program);
    const back = parseProgram(buf);
    expect(programSize(back)).toEqual(programSize(program));
    const a = new IntBert(program, tsKernels);
    const b = new IntBert(back, getKernels());
    for (const e of test.slice(0, 6)) {
      const x = (await a.forward(e.ids)).logits;
      expect(Array.from((await a.forward(e.ids)).logits)).toEqual(Array.from(x));
      expect(Array.from((await b.forward(e.ids)).logits)).toEqual(Array.from(x));
    }
  });

  it('a sentence is its own program run: logits do not depend on the other sentences or their order', async () => {
    const alone = new IntBert(program, tsKernels);
    const batch = new IntBert(program, tsKernels);
    const want = Array.from((await alone.forward(test[3]!.ids)).logits);
    for (const e of [...test].reverse()) await batch.forward(e.ids);
    expect(Array.from((await batch.forward(test[3]!.ids)).logits)).toEqual(want);
    // sentences of many lengths ran in between (no padding: T is each sentence's own)
    expect(new Set(test.map((e) => e.ids.length)).size).toBeGreaterThan(3);
  });

  it('mixed 4-bit and 1-bit weights compile, validate and shrink the matmuls', async () => {
    const mixed = compileProgram(m.model, stats, { bits: { 'l0.ffn1': 1, 'l0.ffn2': 4, 'l0.q': 4, pooler: 1 } });
    const back = parseProgram(serializeProgram(mixed));
    expect(back.bits['l0.ffn1']).toBe(1);
    expect(back.layers[0]!.ffn1.mm.w.every((v) => v === 1 || v === -1)).toBe(true);
    expect(back.layers[0]!.ffn2.mm.w.every((v) => v >= -8 && v <= 7)).toBe(true);
    expect(programSize(mixed).matmulBytes).toBeLessThan(programSize(program).matmulBytes);
    const r = await new IntBert(back, tsKernels).forward(test[0]!.ids);
    expect(r.logits.length).toBe(shape.numLabels);
  });

  it('every shift is within its role\'s public cap; a margin that wants more is clamped to the caps and reported', () => {
    const roles = (p: typeof program): [ShiftRole, Int32Array][] => {
      const ln = (x: QLayerNorm): [ShiftRole, Int32Array][] => [['lnCentre', x.centre.shifts], ['lnInv', x.inv.shifts], ['lnOut', x.out.shifts]];
      const out: [ShiftRole, Int32Array][] = [['linear', p.emb.rq.shifts], ...ln(p.embLn), ['linear', p.pooler.rq.shifts]];
      for (const L of p.layers) {
        for (const q of [L.q, L.k, L.v, L.o, L.ffn1, L.ffn2]) out.push(['linear', q.rq.shifts]);
        out.push(...L.score.map((r): [ShiftRole, Int32Array] => ['score', r.shifts]), ...L.zinv.map((r): [ShiftRole, Int32Array] => ['zinv', r.shifts]), ...L.ctx.map((r): [ShiftRole, Int32Array] => ['ctx', r.shifts]), ...ln(L.ln1), ...ln(L.ln2));
      }
      return out;
    };
    for (const [role, shifts] of roles(program)) for (const s of shifts) expect(s, role).toBeLessThanOrEqual(SHIFT_CAPS[role]);
    expect(program.meta['shiftClamps']).toBeUndefined();
    const wide = compileProgram(m.model, stats, { margin: 2 ** 20, rowMargin: 2 ** 20 });
    const clamps = wide.meta['shiftClamps'] as Record<string, number>;
    expect(clamps['linear']).toBeGreaterThan(0);
    for (const [role, shifts] of roles(wide)) for (const s of shifts) expect(s, role).toBeLessThanOrEqual(SHIFT_CAPS[role]);
  });

  it('rejects bad token ids and lengths with ShapeError before any kernel runs', async () => {
    const ib = new IntBert(program, tsKernels);
    await expect(ib.forward([])).rejects.toThrow(ShapeError);
    await expect(ib.forward(new Array(shape.maxPositions + 1).fill(2))).rejects.toThrow(/outside 1\.\.\d+/);
    await expect(ib.forward([2, 100000, 3])).rejects.toThrow(/vocabulary/);
    expect(() => m.model.forward([2, -1])).toThrow(ShapeError);
  });
});

describe('program file validation', () => {
  const dir = writeRandomBert({ layers: 1, hidden: 16, heads: 2, intermediate: 32, maxPositions: 12, seed: 5 });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const m = loadHfBert(dir);
  const program = compileProgram(m.model, calibrate(m.model, randomSentences(8, 1, 6).map((s) => m.tokenizer.encode(s, 12).ids)));
  const buf = serializeProgram(program);

  it('truncated, re-versioned or mis-shaped programs are FormatErrors', () => {
    expect(() => parseProgram(buf.subarray(0, buf.length - 10), 'cut')).toThrow(/past the end of the file/);
    expect(() => parseProgram(buf.subarray(0, 30), 'cut')).toThrow(FormatError);
    expect(() => parseProgram(Buffer.from('not a program at all'), 'x')).toThrow(/bad magic/);
    const flipped = Buffer.from(buf);
    flipped[flipped.length - 100]! ^= 1; // one bit of the last tensor
    expect(() => parseProgram(flipped, 'flip')).toThrow(/flip: the data section does not match its SHA-256 digest/);
    const hlen = buf.readUInt32LE(8);
    const head = JSON.parse(buf.toString('utf8', 12, 12 + hlen)) as { version: number; program: { config: { hidden_size: number } } };
    const redo = (h: unknown): Buffer => {
      const s = Buffer.from(JSON.stringify(h).padEnd(hlen, ' '));
      expect(s.length).toBe(hlen);
      return Buffer.concat([buf.subarray(0, 12), s, buf.subarray(12 + hlen)]);
    };
    expect(() => parseProgram(redo({ ...head, version: 9 }), 'v')).toThrow(/program version 9 is not supported/);
    // A file from before the digest (no sha256 field) still loads; a digest that is not one is refused.
    const { sha256: digest, ...noDigest } = head as typeof head & { sha256: string };
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(parseProgram(redo(noDigest), 'old').config.hidden).toBe(head.program.config.hidden_size);
    expect(() => parseProgram(redo({ ...head, sha256: 'x'.repeat(64) }), 'd')).toThrow(/header sha256 is not a SHA-256 digest/);
    const wrongShape = structuredClone(head);
    wrongShape.program.config.hidden_size = 32;
    expect(() => parseProgram(redo(wrongShape), 's')).toThrow(FormatError);
    // Fields missing or of the wrong kind: FormatErrors naming the file, never a TypeError.
    const { program: _p, ...noProgram } = head;
    void _p;
    expect(() => parseProgram(redo(noProgram), 'np')).toThrow(/np: header lacks the program object/);
    const edit = (f: (p: Record<string, unknown>) => void): Buffer => {
      const h = structuredClone(head) as unknown as { program: Record<string, unknown> };
      f(h.program);
      return redo(h);
    };
    expect(() => parseProgram(edit((p) => (p['logitScale'] = 'x')), 'ls')).toThrow(/ls: logitScale "x" is not a positive number/);
    expect(() => parseProgram(edit((p) => ((p['layers'] as { q: { rq: { tables: unknown[] } } }[])[0]!.q.rq.tables = [])), 'tb')).toThrow(/tb: l0\.q: malformed requant/);
    expect(() => parseProgram(edit((p) => delete p['emb']), 'em')).toThrow(FormatError);
    expect(() => parseProgram(edit((p) => ((p['layers'] as unknown[])[0] = null)), 'nl')).toThrow(/nl: malformed program/);
  });

  it('bad folders: missing files, wrong tensor shape, unsupported act or model type', () => {
    const cfgPath = join(dir, 'config.json');
    const cfg = readFileSync(cfgPath, 'utf8');
    try {
      writeFileSync(cfgPath, cfg.replace('"hidden_act": "gelu"', '"hidden_act": "swish"'));
      expect(() => loadHfBert(dir)).toThrow(/hidden_act 'swish' is not supported/);
      writeFileSync(cfgPath, cfg.replace('"model_type": "bert"', '"model_type": "roberta"'));
      expect(() => loadHfBert(dir)).toThrow(/model_type 'roberta'/);
      writeFileSync(cfgPath, cfg.replace('"intermediate_size": 32', '"intermediate_size": 40'));
      expect(() => loadHfBert(dir)).toThrow(/intermediate.dense.weight' has shape \[32,16\], the config implies \[40,16\]/);
      writeFileSync(cfgPath, '{ broken');
      expect(() => loadHfBert(dir)).toThrow(FormatError);
    } finally {
      writeFileSync(cfgPath, cfg);
    }
    const st = join(dir, 'model.safetensors');
    const full = readFileSync(st);
    try {
      writeFileSync(st, full.subarray(0, full.length - 100));
      expect(() => loadHfBert(dir)).toThrow(/truncated file/);
      // A non-finite weight (the last float of the file: the data section is written in order) is named.
      const inf = Buffer.from(full);
      inf.writeFloatLE(Number.POSITIVE_INFINITY, inf.length - 4);
      writeFileSync(st, inf);
      expect(() => loadHfBert(dir)).toThrow(/tensor '.+' holds Infinity at index \d+ \(weights must be finite\)/);
      inf.writeFloatLE(Number.NaN, inf.length - 4);
      writeFileSync(st, inf);
      expect(() => loadHfBert(dir)).toThrow(/holds NaN at index/);
      rmSync(st);
      expect(() => loadHfBert(dir)).toThrow(/model.safetensors not found/);
    } finally {
      writeFileSync(st, full);
    }
    expect(() => loadHfBert(join(dir, 'nope'))).toThrow(/does not exist/);
  });
});
