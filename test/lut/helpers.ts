/**
 * Helpers of the lookup-table tests: random ring data, a three-party program
 * runner (offline on P0–P2, then online on P1/P2 with the client), exact
 * cost checks, and a chi-square homogeneity test for view independence.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { allocRing, ringBytes, type RingArray, type RingBits } from '../../src/kernels/types.js';
import { inprocCluster, type Cluster } from '../../src/mpc/cluster.js';
import { perParty, type ProtocolCost } from '../../src/mpc/cost.js';
import { Offline } from '../../src/mpc/dealer.js';
import type { Party, PartyOptions } from '../../src/mpc/party.js';
import { clientInput, input, inputOffline } from '../../src/mpc/protocols/input.js';
import { clientOutput, output } from '../../src/mpc/protocols/output.js';
import { inRound } from '../../src/mpc/round.js';
import type { Masked, MaskOf } from '../../src/mpc/sharing.js';

export function randRing(l: RingBits, n: number): RingArray {
  const a = allocRing(l, n) as RingArray;
  if (n > 0) new Uint8Array(a.buffer, a.byteOffset, a.byteLength).set(randomBytes(n * ringBytes(l)));
  if (l === 1) for (let i = 0; i < n; i++) (a as Uint8Array)[i]! &= 1;
  return a;
}

export function big(a: RingArray | ArrayLike<number | bigint>): bigint[] {
  return Array.from(a as ArrayLike<number | bigint>, (v) => BigInt(v));
}

/** Ring array of width l from bigints (reduced mod 2^l). */
export function ringOf(l: RingBits, v: readonly bigint[]): RingArray {
  const a = allocRing(l, v.length) as RingArray;
  v.forEach((x, i) => {
    const u = BigInt.asUintN(l, x);
    (a as unknown as { [k: number]: number | bigint })[i] = a instanceof BigUint64Array ? u : Number(u);
  });
  return a;
}

export interface InputSpec {
  l: RingBits;
  shape: number[];
  value: RingArray;
}

export interface LutProgram {
  /** Offline of the protocol under test, given the inputs' masks; returns the outputs' masks. */
  offline: (off: Offline, p: Party, ins: MaskOf[]) => Promise<unknown>;
  /** Online of the protocol under test; returns the outputs to send to the client. */
  online: (p: Party, ins: Masked[]) => Promise<Masked[]>;
}

export const LABEL = 'proto';

/**
 * Run: client inputs (label 'in'), the protocol (label 'proto', its own
 * flush), outputs to the client (label 'out'). Returns the outputs the client
 * reconstructs (in the outputs' storage rings) and the cluster (closed).
 */
export async function runLut(inputs: InputSpec[], prog: LutProgram, party?: Partial<Record<'P0' | 'P1' | 'P2' | 'C', PartyOptions>>): Promise<{ outs: RingArray[]; cl: Cluster }> {
  const cl = await inprocCluster({ party });
  const outLs: { l: RingBits; n: number }[] = [];
  const off = async (p: Party) => {
    const o = new Offline(p);
    p.label = 'in';
    const ins: MaskOf[] = [];
    for (const s of inputs) ins.push(await inputOffline(o, s.l, s.shape));
    await o.flush();
    p.label = LABEL;
    await prog.offline(o, p, ins);
    await o.flush();
  };
  const on = async (p: Party) => {
    p.label = 'in';
    const ins = await inRound(p, 'in', (r) => inputs.map((s) => input(r, s.l, s.shape)));
    p.label = LABEL;
    const outs = await prog.online(p, ins);
    p.label = 'out';
    if (p.id === 'P1') for (const o of outs) outLs.push({ l: o.l, n: o.m.length });
    for (const o of outs) output(p, o, 'out');
  };
  const client = async (c: Party) => {
    c.label = 'in';
    for (const s of inputs) await clientInput(c, s.l, s.value);
    c.label = 'out';
    // Wait until P1 reports its output shapes (same process).
    while (outLs.length === 0) await new Promise((r) => setTimeout(r, 1));
    const res: RingArray[] = [];
    for (const o of outLs) res.push(await clientOutput(c, o.l, o.n, 'out'));
    return res;
  };
  await Promise.all([off(cl.P0), off(cl.P1), off(cl.P2)]);
  const [outs] = await Promise.all([client(cl.C), on(cl.P1), on(cl.P2)]);
  await cl.close();
  return { outs, cl };
}

/** The measured counters of label 'proto' equal the declared cost exactly, per party and phase. */
export function expectCost(cl: Cluster, cost: ProtocolCost): void {
  for (const phase of ['offline', 'online'] as const) {
    const want = perParty(cost[phase]);
    for (const p of [cl.P0, cl.P1, cl.P2, cl.C]) {
      const got = p.acct.get(phase, LABEL);
      expect({ party: p.id, phase, bytesSent: got.bytesSent, bytesRecv: got.bytesRecv, msgsSent: got.msgsSent, msgsRecv: got.msgsRecv, rounds: got.rounds }).toEqual({
        party: p.id,
        phase,
        ...want[p.id],
      });
    }
  }
}

// ---- statistics -------------------------------------------------------------------

function logGamma(z: number): number {
  // Lanczos approximation (g = 7, n = 9).
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  z -= 1;
  let x = c[0]!;
  for (let i = 1; i < 9; i++) x += c[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(x);
}

/** Upper regularized incomplete gamma Q(a, x). */
function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  if (x < a + 1) {
    let sum = 1 / a, term = sum;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return 1 - sum * Math.exp(-x + a * Math.log(x) - logGamma(a));
  }
  // Continued fraction (Lentz).
  let b = x + 1 - a, c = 1e300, d = 1 / b, h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
}

/** p-value of a chi-square statistic with k degrees of freedom. */
export function chiSquareP(stat: number, k: number): number {
  return gammaQ(k / 2, stat / 2);
}

/**
 * Two-sample chi-square homogeneity test on byte histograms: are the bytes
 * in `a` and `b` drawn from the same distribution? Returns the p-value.
 */
export function sameByteDistributionP(a: Uint8Array, b: Uint8Array): number {
  const ha = new Float64Array(256), hb = new Float64Array(256);
  for (const v of a) ha[v]!++;
  for (const v of b) hb[v]!++;
  const na = a.length, nb = b.length, n = na + nb;
  let stat = 0, dof = -1;
  for (let v = 0; v < 256; v++) {
    const tot = ha[v]! + hb[v]!;
    if (tot === 0) continue;
    dof++;
    const ea = (tot * na) / n, eb = (tot * nb) / n;
    stat += (ha[v]! - ea) ** 2 / ea + (hb[v]! - eb) ** 2 / eb;
  }
  return dof <= 0 ? 1 : chiSquareP(stat, dof);
}

/** Goodness of fit of bytes to the uniform distribution on 0…255. */
export function uniformBytesP(a: Uint8Array): number {
  const h = new Float64Array(256);
  for (const v of a) h[v]!++;
  const e = a.length / 256;
  let stat = 0;
  for (let v = 0; v < 256; v++) stat += (h[v]! - e) ** 2 / e;
  return chiSquareP(stat, 255);
}

/** Concatenate byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const n = parts.reduce((a, p) => a + p.byteLength, 0);
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out;
}
