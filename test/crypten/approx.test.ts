/**
 * Each CrypTen-style approximation against its float function, over a range
 * of inputs, within the error CrypTen's own algorithm reaches at 16
 * fractional bits. The bounds are the measured maxima of this implementation
 * rounded up (measured values in the comments); the algorithm-only error
 * (float64 evaluation of the same iteration, src/crypten/reference.ts) is
 * checked too, so a bound cannot hide a wrong iteration.
 *
 *   function        range          bound (abs)   measured   algorithm alone
 *   exp             [−8, 2]        0.15          0.116      0.057 (limit (1+x/256)^256)
 *   1/x (NR, 10)    [0.5, 60]      2.5e-3        1.6e-3     7e-9
 *   1/√x (NR, 3)    [0.1, 100]     0.025         0.017      0.016
 *   sigmoid         [−8, 8]        8e-3          5.6e-3     1.4e-3
 *   tanh            [−5, 5]        1.5e-2        1.1e-2     2.7e-3
 *   GELU (tanh)     [−6, 6]        5e-3          2.9e-3     8e-4
 *   ReLU            [−6, 6]        2 ulp         exact
 *   row max         [−6, 6]        4 ulp per halving step + 4 (each where(c, x, y) is two
 *                                  truncated products, ±2 ulp each, as in CrypTen)
 *   softmax         rows of [−6,6] 0.02          see test
 *   LayerNorm       rows           0.05          see test
 * Outside these ranges CrypTen's iterations fail the same way (e.g. 1/√x
 * for x > ~150, exp below −256): properties of the algorithms.
 */
import { describe, expect, it } from 'vitest';
import * as F from '../../src/crypten/functions.js';
import * as Rf from '../../src/crypten/reference.js';
import { gelu } from '../../src/model/mathfn.js';
import { layerNorm } from '../../src/model/float-bert.js';
import { evalVec, linspace, maxAbsErr, measure } from './helpers.js';

const ULP = 2 ** -16;

async function check(f: Parameters<typeof evalVec>[0], xs: number[], fn: (x: number) => number, alg: (x: number) => number, bound: number, algBound: number): Promise<void> {
  const y = await evalVec(f, xs);
  const err = maxAbsErr(y, (i) => fn(xs[i]!));
  const algErr = maxAbsErr(xs.map(alg), (i) => fn(xs[i]!));
  expect(err).toBeLessThanOrEqual(bound);
  expect(algErr).toBeLessThanOrEqual(algBound);
}

function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

describe('CrypTen approximations vs float functions', () => {
  it('exp by the limit, 8 iterations', () => check(F.cexp, linspace(-8, 2, 200), Math.exp, (x) => Rf.refExp(x), 0.15, 0.06));
  it('reciprocal, Newton–Raphson 10 iterations, initial 3·exp(1−2x)+0.003', () => check((e, x) => F.creciprocalPos(e, x), linspace(0.5, 60, 200), (x) => 1 / x, (x) => Rf.refReciprocalPos(x), 2.5e-3, 1e-6));
  it('reciprocal of either sign (sign by comparison)', () => check(F.creciprocal, [...linspace(-40, -0.5, 60), ...linspace(0.5, 40, 60)], (x) => 1 / x, (x) => Math.sign(x) * Rf.refReciprocalPos(Math.abs(x)), 2.5e-3, 1e-6));
  it('inverse square root, Newton–Raphson 3 iterations', () => check((e, x) => F.cinvSqrt(e, x), linspace(0.1, 100, 200), (x) => 1 / Math.sqrt(x), (x) => Rf.refInvSqrt(x), 0.025, 0.02));
  it('sigmoid (reciprocal method)', () => check(F.csigmoid, linspace(-8, 8, 200), (x) => 1 / (1 + Math.exp(-x)), Rf.refSigmoid, 8e-3, 2e-3));
  it('tanh = 2·sigmoid(2x) − 1', () => check(F.ctanh, linspace(-5, 5, 200), Math.tanh, Rf.refTanh, 1.5e-2, 4e-3));
  it('GELU (tanh form with CrypTen tanh) vs exact erf GELU', () => check(F.cgelu, linspace(-6, 6, 200), gelu, Rf.refGelu, 5e-3, 1.5e-3));
  it('ReLU through the comparison', () => check(F.crelu, linspace(-6, 6, 101), (x) => Math.max(0, x), (x) => Math.max(0, x), 2 * ULP, 0));
});

describe('row reductions', () => {
  for (const [rows, n] of [[6, 12], [2, 128], [3, 5]] as const) {
    it(`row max by log_reduction + pairwise argmax, ${rows}×${n}`, async () => {
      const r = lcg(rows * 1000 + n);
      const xs = Array.from({ length: rows * n }, () => Math.round((r() * 12 - 6) * 65536) / 65536);
      const y = await evalVec((e, x) => F.crowMax(e, x, rows, n), xs, rows);
      const bound = (4 * Math.floor(Math.log(n)) + 4) * ULP;
      for (let i = 0; i < rows; i++) expect(Math.abs(y[i]! - Math.max(...xs.slice(i * n, (i + 1) * n)))).toBeLessThanOrEqual(bound);
    });
  }
  it('row max with ties (CrypTen random tie-break picks exactly one)', async () => {
    const xs = [1, 3, 3, 2, 3, 0, -1, 3, 5, 5, 5, 5];
    const y = await evalVec((e, x) => F.crowMax(e, x, 2, 6), xs, 2);
    // a wrong tie-break (two picks) would give 6 or 10
    expect(Math.abs(y[0]! - 3)).toBeLessThanOrEqual(8 * ULP);
    expect(Math.abs(y[1]! - 5)).toBeLessThanOrEqual(8 * ULP);
  });
  it('softmax with max subtraction', async () => {
    const [rows, n] = [8, 16];
    const r = lcg(77);
    const xs = Array.from({ length: rows * n }, () => r() * 12 - 6);
    const y = await evalVec((e, x) => F.csoftmax(e, x, rows, n), xs);
    for (let i = 0; i < rows; i++) {
      const row = xs.slice(i * n, (i + 1) * n);
      const m = Math.max(...row);
      const z = row.reduce((a, v) => a + Math.exp(v - m), 0);
      row.forEach((v, j) => expect(Math.abs(y[i * n + j]! - Math.exp(v - m) / z)).toBeLessThanOrEqual(0.02));
    }
  });
  it('LayerNorm with inv_sqrt, γ and β shared', async () => {
    const [rows, n] = [4, 32];
    const r = lcg(99);
    const xs = Array.from({ length: rows * n }, () => r() * 8 - 4);
    const g = Array.from({ length: n }, () => 0.5 + r());
    const b = Array.from({ length: n }, () => r() - 0.5);
    const { out } = await measure((e, [x, gg, bb]) => F.clayerNorm(e, x!, rows, n, gg!, bb!, 1e-12), [xs, g, b], rows * n);
    const want = layerNorm(Float64Array.from(xs), rows, n, { gamma: Float64Array.from(g), beta: Float64Array.from(b) }, 1e-12);
    expect(maxAbsErr(out!, (i) => want[i]!)).toBeLessThanOrEqual(0.05);
  });
});
