/** Shared test helpers: random ring data, a BigInt plaintext reference, and a program runner. */
import { randomBytes } from 'node:crypto';
import { allocRing, ringBytes, type RingArray, type RingBits } from '../../src/kernels/types.js';
import type { Cluster } from '../../src/mpc/cluster.js';
import { Offline } from '../../src/mpc/dealer.js';
import type { Party } from '../../src/mpc/party.js';
import type { ChainSpec } from '../../src/mpc/chain.js';

export const WIDTHS: RingBits[] = [1, 8, 16, 32, 64];

export function randRing(l: RingBits, n: number): RingArray {
  const a = allocRing(l, n) as RingArray;
  new Uint8Array(a.buffer).set(randomBytes(n * ringBytes(l)));
  if (l === 1) for (let i = 0; i < n; i++) (a as Uint8Array)[i]! &= 1;
  return a;
}

export function big(a: RingArray): bigint[] {
  return Array.from(a as ArrayLike<number | bigint>, (v) => BigInt(v));
}

const mod = (l: RingBits, v: bigint): bigint => BigInt.asUintN(l, v);

export function refMatmul(l: RingBits, a: RingArray, b: RingArray, m: number, k: number, n: number): bigint[] {
  const A = big(a), B = big(b);
  const out: bigint[] = [];
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0n;
      for (let t = 0; t < k; t++) s += A[i * k + t]! * B[t * n + j]!;
      out.push(mod(l, s));
    }
  return out;
}

export function refMul(l: RingBits, a: RingArray | bigint[], b: RingArray | bigint[]): bigint[] {
  const A = Array.isArray(a) ? a : big(a), B = Array.isArray(b) ? b : big(b);
  return A.map((v, i) => mod(l, v * B[i]!));
}

export function refAddRows(l: RingBits, a: bigint[], row: RingArray, n: number): bigint[] {
  const r = big(row);
  return a.map((v, i) => mod(l, v + r[i % n]!));
}

export interface Program<T> {
  /** Offline program run by P0, P1 and P2 (must end with off.flush()). */
  offline: (off: Offline, p: Party) => Promise<void>;
  /** Online program of P1 and P2. */
  online: (p: Party) => Promise<void>;
  /** Client program (inputs and outputs). */
  client: (c: Party) => Promise<T>;
}

/** Run an offline phase on P0–P2, then the online phase on P1, P2 and C; returns the client's result. */
export async function runProgram<T>(cl: Cluster, prog: Program<T>): Promise<T> {
  const ps = [cl.P0, cl.P1, cl.P2];
  await Promise.all(ps.map((p) => prog.offline(new Offline(p), p)));
  const [res] = await Promise.all([prog.client(cl.C), prog.online(cl.P1), prog.online(cl.P2)]);
  return res;
}

/** Plaintext reference of the chain program (src/mpc/chain.ts). */
export function chainRef(spec: ChainSpec, x: RingArray, ws: RingArray[]): bigint[] {
  const { l, m, k } = spec;
  let X: bigint[] = big(x);
  const asArr = (v: bigint[]) => (l === 64 ? BigUint64Array.from(v) : Uint32Array.from(v.map(Number))) as RingArray;
  for (let i = 0; i < spec.layers; i++) {
    const Y = refMatmul(l, asArr(X), ws[i]!, m, k, k);
    X = refMul(l, Y, Y);
  }
  const T: bigint[] = [];
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) {
    let s = 0n;
    for (let t = 0; t < k; t++) s += X[i * k + t]! * X[j * k + t]!;
    T.push(BigInt.asUintN(l, s));
  }
  return T;
}

