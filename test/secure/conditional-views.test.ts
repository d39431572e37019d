/**
 * The whole secure forward, viewed by each compute party with its own
 * randomness held fixed (test/mpc/views.ts): every message P1 or P2 receives,
 * offline (P0's corrections) and online (the client's masked input, every
 * round's openings: embedding, Q/K/V, scores, softmax, context, LayerNorm,
 * FFN with GELU, pooler, classifier), must change between runs as a uniform
 * value, for the same secret and for two different secrets (other weights,
 * scales, tables and token ids). This covers every protocol the engine uses
 * as the engine calls it, including the requant options, 12-bit roles and
 * the products that are only tested for exactness elsewhere.
 */
import { describe, expect, it } from 'vitest';
import { InProcessSecure } from '../../src/secure/inprocess.js';
import type { SecureOptions } from '../../src/secure/forward.js';
import { expectViewsIndependent, type ViewRun } from '../mpc/views.js';
import { compileRandom, idsOfLength } from './helpers.js';

const T = 12;
const shape = { layers: 1, hidden: 32, heads: 2, intermediate: 64, maxPositions: 16 };
const programs = { a: compileRandom({ ...shape, seed: 61 }).program, b: compileRandom({ ...shape, seed: 62 }).program };
const ids = { a: idsOfLength(T, programs.a.config.vocabSize, 1), b: idsOfLength(T, programs.b.config.vocabSize, 2) };

const forward =
  (secure: SecureOptions): ViewRun =>
  async (s, party) => {
    const run = await InProcessSecure.start(programs[s], 'inproc', { party }, secure);
    try {
      const got = await run.infer(ids[s]);
      expect(got.logits.length).toBe(programs[s].config.numLabels);
    } finally {
      await run.close();
    }
  };

describe('secure forward: each compute party’s view, its own randomness fixed', () => {
  it.each([
    ['default (carry select, the LayerNorm centre opens its index)', {}],
    ['borrow chain, every role opens its last borrow bit', { borrow: 'chain', borrowOut: 'bit' }],
    ['every role opens its output index', { borrowOut: 'index' }],
  ] as [string, SecureOptions][])('%s', async (_name, secure) => {
    const tested = await expectViewsIndependent('secure forward', forward(secure), { repeats: 1 });
    // Online rounds and offline corrections are both in the views.
    for (const who of ['P1', 'P2']) expect(tested[who]!.some((k) => k.includes('r#')), who).toBe(true);
    expect(tested.P2!.some((k) => k.includes('P0→P2')), 'P2 sees P0’s corrections').toBe(true);
  }, 120_000);
});
