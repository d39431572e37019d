/**
 * Declared communication of the CrypTen-style primitives as formulas of the
 * shape (one standalone call: its own rounds, its dealings in one flush).
 * Every element is a 64-bit word (8 bytes), arithmetic or binary, as in
 * CrypTen. Tests run each primitive alone and compare these to the counters.
 *
 *   cmul(n)        offline P0→P2 8n;              online 1 round, 16n each way (ε‖δ)
 *   csq(n)         offline 8n;                    online 1 round, 8n each way
 *   cmm(b,m,k,n)   offline 8·b·m·n;               online 1 round, 8·b·(m·k + k·n) each way
 *   cand(n)        offline 8n;                    online 1 round, 16n each way
 *   cb2a(n)        offline 16n (r_B and r_A);     online 1 round, 8n each way
 *   ltz(n)         offline 8n + 6·16n + 16n = 120n; online 8 rounds: 16n, 6 × 32n, 8n each way (216n)
 *   exp(n, d)      d squarings: offline 8dn; online d rounds, 8n each
 */
import { correction, corrections, exchange, NO_COST, type PhaseCost, type ProtocolCost } from '../mpc/cost.js';

export const WORD = 8;

/** Several standalone online steps one after the other: rounds add up, messages concatenate. */
export function sequence(steps: readonly PhaseCost[]): PhaseCost {
  const rounds: PhaseCost['rounds'] = {};
  const messages: PhaseCost['messages'] = [];
  for (const s of steps) {
    for (const [p, r] of Object.entries(s.rounds)) rounds[p as keyof typeof rounds] = (rounds[p as keyof typeof rounds] ?? 0) + (r ?? 0);
    messages.push(...s.messages);
  }
  return { rounds, messages };
}

export function cmulCost(n: number): ProtocolCost {
  return { name: 'cmul', offline: correction(WORD * n), online: exchange(2 * WORD * n) };
}

export function csqCost(n: number): ProtocolCost {
  return { name: 'csq', offline: correction(WORD * n), online: exchange(WORD * n) };
}

export function cmmCost(s: { batch: number; m: number; k: number; n: number }): ProtocolCost {
  return { name: 'cmm', offline: correction(WORD * s.batch * s.m * s.n), online: exchange(WORD * s.batch * (s.m * s.k + s.k * s.n)) };
}

export function candCost(n: number): ProtocolCost {
  return { name: 'cand', offline: correction(WORD * n), online: exchange(2 * WORD * n) };
}

export function cb2aCost(n: number): ProtocolCost {
  return { name: 'cb2a', offline: correction(2 * WORD * n), online: exchange(WORD * n) };
}

/** Comparison with zero: a2b (1 + log2 64 AND rounds) then the single-bit B2A. */
export function ltzCost(n: number): ProtocolCost {
  const levels = Math.log2(64);
  const online = sequence([exchange(2 * WORD * n), ...Array.from({ length: levels }, () => exchange(4 * WORD * n)), exchange(WORD * n)]);
  // Dealings: the first AND's triple, two per adder level, the B2A pair (r_B, r_A).
  return { name: 'ltz', offline: corrections([WORD * n, ...Array.from({ length: 2 * levels }, () => WORD * n), 2 * WORD * n]), online };
}

export function expCost(n: number, iters = 8): ProtocolCost {
  return { name: 'exp', offline: corrections(Array.from({ length: iters }, () => WORD * n)), online: sequence(Array.from({ length: iters }, () => exchange(WORD * n))) };
}

/** Local operations (public scaling, division by a public integer, truncation). */
export const LOCAL_COST: ProtocolCost = { name: 'local', offline: NO_COST, online: NO_COST };
