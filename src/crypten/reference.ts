/**
 * The same approximation algorithms in plain float64 (no fixed point, no
 * MPC): what CrypTen's algorithms compute in exact arithmetic. Tests compare
 * the MPC results against these (implementation error) and these against the
 * true functions (the algorithms' own error, which CrypTen shares).
 */
import { CRYPTEN_DEFAULTS as D } from './functions.js';

export function refExp(x: number, iters: number = D.expIterations): number {
  let y = 1 + x / 2 ** iters;
  for (let i = 0; i < iters; i++) y *= y;
  return y;
}

export function refReciprocalPos(x: number, iters: number = D.reciprocalNrIters, initial?: number): number {
  let y = initial ?? 3 * refExp(1 - 2 * x) + 0.003;
  for (let i = 0; i < iters; i++) y = 2 * y - y * y * x;
  return y;
}

export function refInvSqrt(x: number, iters: number = D.sqrtNrIters): number {
  let y = 2.2 * refExp(-(x / 2 + 0.2)) + 0.2 - x / 1024;
  for (let i = 0; i < iters; i++) y = (y * (3 - x * y * y)) / 2;
  return y;
}

export function refSigmoid(x: number): number {
  const p = refReciprocalPos(1 + refExp(-Math.abs(x), D.sigmoidExpIterations), D.sigmoidReciprocalNrIters, D.sigmoidReciprocalInitial);
  return x < 0 ? 1 - p : p;
}

export function refTanh(x: number): number {
  return 2 * refSigmoid(2 * x) - 1;
}

export function refGelu(x: number): number {
  return 0.5 * x * (1 + refTanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
}
