/**
 * Protocol benchmarks: the numbers behind `lutmpc bench protocols --json`.
 *
 * For each case (default: matmul with a dealer weight at 128×768×768 and
 * 128×768×3072, element-wise product of 128×3072 masked values, one
 * attention head's diag(1/Z)·(E·V) at 128×128×64) and each
 * transport (in-process pipes, TCP on loopback; all parties in this process):
 *   - offline seconds (P0 dealing + corrections + P1/P2 expansion for one call,
 *     weight sharing reported apart as setup), online seconds (P1 and P2 from
 *     the start of the call until both hold the masked result);
 *   - bytes sent/received and rounds per party and phase (measured);
 *   - LAN / WAN network time computed from those counts
 *     (transport/shaping.ts: max over parties of rounds·latency +
 *     max(sent, recv)·8/bandwidth) — computed, not shaped, unless `shaping`
 *     is given, in which case the run itself is shaped and says so;
 *   - the plaintext kernel time of the same shape measured in the same run
 *     (ring GEMM for matmuls, element-wise ring product for mul) and the
 *     ratio online ÷ plaintext (goal for matmuls: ≤ 2).
 *
 * Cases are objects in `PROTOCOL_CASES`; more protocols (lookup tables,
 * shifts) add rows by pushing a `ProtocolBenchCase` (or passing `cases`).
 * Note: P1 and P2 share this process, so their local GEMMs overlap only when
 * the backend runs them off the event loop (native); the TypeScript backend
 * runs them one after the other.
 */
import { randomFillSync } from 'node:crypto';
import { getKernels } from '../kernels/loader.js';
import { allocRing, type GemmBits, type RingArray } from '../kernels/types.js';
import type { Counters } from '../mpc/accounting.js';
import { cluster, type Cluster } from '../mpc/cluster.js';
import { Offline } from '../mpc/dealer.js';
import type { Party, PartyId } from '../mpc/party.js';
import { input, inputOffline, clientInput } from '../mpc/protocols/input.js';
import { perParty, summarize, type ProtocolCost } from '../mpc/cost.js';
import { matmulWeight, matmulWeightCost, matmulWeightOffline, shareWeight, type WeightShare } from '../mpc/protocols/matmul-weight.js';
import { mul, mulCost, mulOffline } from '../mpc/protocols/mul.js';
import { matmulRowScale, matmulRowScaleCost, matmulRowScaleOffline } from '../mpc/protocols/matmul-rowscale.js';
import { inRound } from '../mpc/round.js';
import type { MaskOf, Masked } from '../mpc/sharing.js';
import { estimateNetworkSeconds, LAN, WAN, type NetShape } from '../mpc/transport/shaping.js';

export type BenchTransport = 'inproc' | 'tcp';

/** What a case gets: a connected cluster and the ring. */
export interface CaseContext {
  cl: Cluster;
  l: GemmBits;
}

/** One protocol row. Phases are timed by the runner around `offline` and `online`. */
export interface ProtocolBenchCase {
  name: string;
  shape: string;
  /** Untimed preparation on all parties (weights, inputs); returns per-party state. */
  prepare(ctx: CaseContext): Promise<Map<PartyId, unknown>>;
  /** The call's offline phase on one of P0/P1/P2 (the runner flushes after it). */
  offline(off: Offline, p: Party, state: unknown): Promise<unknown>;
  /** The call's online phase on P1/P2. */
  online(p: Party, state: unknown): Promise<Masked>;
  /** Plaintext time in seconds of the same computation with the same kernels. */
  plaintextSeconds(l: GemmBits): Promise<number>;
  /** The protocol's declared cost for this call; the runner checks the counters against it. */
  cost?(l: GemmBits): ProtocolCost;
}

/** Declared cost against measured counters of one row (both phases, every party). */
export interface CostCheck {
  declared: { offline: { rounds: number; bytes: number }; online: { rounds: number; bytes: number } } | null;
  /** True when every party's bytes sent/received, messages and rounds equal the declaration. */
  matches: boolean | null;
  mismatches: string[];
}

export interface PhaseFigures {
  /** Median over the repetitions. */
  seconds: number;
  /** Fastest repetition. */
  minSeconds: number;
  perParty: Record<string, Pick<Counters, 'bytesSent' | 'bytesRecv' | 'msgsSent' | 'rounds'>>;
  /** Network time computed from the counts. */
  lanSeconds: number;
  wanSeconds: number;
}

export interface ProtocolBenchRow {
  protocol: string;
  shape: string;
  transport: BenchTransport;
  ring: GemmBits;
  setupSeconds: number;
  offline: PhaseFigures;
  online: PhaseFigures;
  /** Median plaintext time over the repetitions. */
  plaintextSeconds: number;
  plaintextMinSeconds: number;
  /** online.seconds ÷ plaintextSeconds (medians). */
  onlineOverPlaintext: number;
  /** online.minSeconds ÷ plaintextMinSeconds (fastest runs; steadier on a loaded machine). */
  onlineOverPlaintextMin: number;
  /** Measured counts against the protocol's declared cost (null when the case declares none). */
  costCheck: CostCheck;
}

export interface ProtocolBenchReport {
  backend: string;
  detail: string;
  ring: GemmBits;
  /** 'computed' when LAN/WAN figures come from counts; 'shaped' when the run itself was shaped. */
  network: { mode: 'computed' | 'shaped'; lan: NetShape; wan: NetShape; shaping?: NetShape };
  rows: ProtocolBenchRow[];
}

export interface ProtocolBenchOptions {
  transports?: BenchTransport[];
  /** Ring (default 32: int8 activations with int32 accumulators). */
  ring?: GemmBits;
  /** Case filter by name (default: all). */
  only?: string[];
  /** Replace the case list (default PROTOCOL_CASES). */
  cases?: ProtocolBenchCase[];
  /** Shape every link for real (latency + size/bandwidth). */
  shaping?: NetShape;
  /** Smaller shapes (for smoke tests). */
  quick?: boolean;
  /** Timed repetitions per row (default 5); times are medians, counts are per call. */
  repeats?: number;
}

function rand(l: GemmBits, n: number): RingArray {
  const a = allocRing(l, n) as RingArray;
  randomFillSync(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return a;
}

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

/** Masked input X (m×k) from the client, untimed. */
async function maskedInputs(cl: Cluster, l: GemmBits, shapes: [number, number][]): Promise<{ masks: Map<PartyId, MaskOf[]>; values: Map<PartyId, Masked[]> }> {
  const masks = new Map<PartyId, MaskOf[]>();
  await Promise.all(
    [cl.P0, cl.P1, cl.P2].map(async (p) => {
      const off = new Offline(p);
      const ms: MaskOf[] = [];
      for (const s of shapes) ms.push(await inputOffline(off, l, s));
      await off.flush('inputs');
      masks.set(p.id, ms);
    }),
  );
  const values = new Map<PartyId, Masked[]>();
  const client = (async () => {
    for (const s of shapes) await clientInput(cl.C, l, rand(l, s[0] * s[1]));
  })();
  await Promise.all([
    client,
    ...[cl.P1, cl.P2].map(async (p) => values.set(p.id, await inRound(p, 'inputs', (r) => shapes.map((s) => input(r, l, s))))),
  ]);
  return { masks, values };
}

/** [[X]]·W with a dealer weight W (k×n), X m×k. */
export function matmulWeightCase(m: number, k: number, n: number): ProtocolBenchCase {
  type S = { x: MaskOf; xv?: Masked; w: WeightShare };
  return {
    name: 'matmulW',
    shape: `${m}x${k}x${n}`,
    async prepare({ cl, l }) {
      const W = rand(l, k * n);
      const ws = new Map<PartyId, WeightShare>();
      await Promise.all(
        [cl.P0, cl.P1, cl.P2].map(async (p) => {
          const off = new Offline(p);
          ws.set(p.id, await shareWeight(off, l, k, n, p.id === 'P0' ? W : undefined));
          await off.flush('weights');
        }),
      );
      const { masks, values } = await maskedInputs(cl, l, [[m, k]]);
      const st = new Map<PartyId, unknown>();
      for (const id of ['P0', 'P1', 'P2'] as PartyId[]) st.set(id, { x: masks.get(id)![0]!, xv: values.get(id)?.[0], w: ws.get(id)! } satisfies S);
      return st;
    },
    cost: (l) => matmulWeightCost({ l, m, k, n }),
    offline: (off, _p, s) => matmulWeightOffline(off, (s as S).x, (s as S).w),
    online: (p, s) => inRound(p, p.label, (r) => [matmulWeight(r, (s as S).xv!, (s as S).w)]).then(([y]) => y),
    async plaintextSeconds(l) {
      const K = getKernels();
      const a = rand(l, m * k), b = rand(l, k * n);
      return timeIt(() => K.gemm(l, a as never, b as never, m, k, n));
    },
  };
}

/** Element-wise [[x]]⊙[[y]] of n elements (as rows×cols). */
export function mulCase(rows: number, cols: number): ProtocolBenchCase {
  type S = { x: MaskOf; y: MaskOf; xv?: Masked; yv?: Masked };
  return {
    name: 'mul',
    shape: `${rows}x${cols}`,
    async prepare({ cl, l }) {
      const { masks, values } = await maskedInputs(cl, l, [
        [rows, cols],
        [rows, cols],
      ]);
      const st = new Map<PartyId, unknown>();
      for (const id of ['P0', 'P1', 'P2'] as PartyId[]) {
        const [x, y] = masks.get(id)!;
        const v = values.get(id);
        st.set(id, { x: x!, y: y!, xv: v?.[0], yv: v?.[1] } satisfies S);
      }
      return st;
    },
    cost: (l) => mulCost({ l, n: rows * cols }),
    offline: (off, _p, s) => mulOffline(off, (s as S).x, (s as S).y),
    online: (p, s) => inRound(p, p.label, (r) => [mul(r, (s as S).xv!, (s as S).yv!)]).then(([z]) => z),
    async plaintextSeconds(l) {
      const K = getKernels();
      const a = rand(l, rows * cols), b = rand(l, rows * cols);
      return timeIt(async () => K.binary('mul', l, a as never, b as never));
    },
  };
}

/** diag(s)·([[A]]·[[B]]) with A·B never opened (attention's context for one head: m×k·k×n, s m×1). Z_2^32 only. */
export function matmulRowScaleCase(m: number, k: number, n: number): ProtocolBenchCase {
  type S = { a: MaskOf; b: MaskOf; s: MaskOf; av?: Masked; bv?: Masked; sv?: Masked };
  return {
    name: 'matmulRowScale',
    shape: `${m}x${k}x${n}`,
    async prepare({ cl, l }) {
      const { masks, values } = await maskedInputs(cl, l, [
        [m, k],
        [k, n],
        [m, 1],
      ]);
      const st = new Map<PartyId, unknown>();
      for (const id of ['P0', 'P1', 'P2'] as PartyId[]) {
        const [a, b, sc] = masks.get(id)!;
        const v = values.get(id);
        st.set(id, { a: a!, b: b!, s: sc!, av: v?.[0], bv: v?.[1], sv: v?.[2] } satisfies S);
      }
      return st;
    },
    cost: (l) => matmulRowScaleCost({ l, m, k, n }),
    offline: (off, _p, s) => matmulRowScaleOffline(off, (s as S).a, (s as S).b, (s as S).s),
    online: (p, s) => inRound(p, p.label, (r) => [matmulRowScale(r, (s as S).av!, (s as S).bv!, (s as S).sv!)]).then(([y]) => y),
    async plaintextSeconds(l) {
      const K = getKernels();
      const a = rand(l, m * k), b = rand(l, k * n), sc = rand(l, m * n);
      return timeIt(async () => K.binary('mul', l, (await K.gemm(l, a as never, b as never, m, k, n)) as never, sc as never));
    },
  };
}

export const PROTOCOL_CASES: ProtocolBenchCase[] = [matmulWeightCase(128, 768, 768), matmulWeightCase(128, 768, 3072), mulCase(128, 3072), matmulRowScaleCase(128, 128, 64)];

export const QUICK_CASES: ProtocolBenchCase[] = [matmulWeightCase(16, 96, 96), matmulWeightCase(16, 96, 384), mulCase(16, 384), matmulRowScaleCase(16, 16, 8)];

function phaseFigures(cl: Cluster, phase: 'offline' | 'online', label: string, times: number[]): PhaseFigures {
  const perParty: PhaseFigures['perParty'] = {};
  const traffic: Record<string, { rounds: number; bytesSent: number; bytesRecv: number }> = {};
  for (const p of [cl.P0, cl.P1, cl.P2, cl.C]) {
    const c = p.acct.get(phase, label);
    perParty[p.id] = { bytesSent: c.bytesSent, bytesRecv: c.bytesRecv, msgsSent: c.msgsSent, rounds: c.rounds };
    traffic[p.id] = c;
  }
  return { seconds: median(times), minSeconds: Math.min(...times), perParty, lanSeconds: estimateNetworkSeconds(traffic, LAN).seconds, wanSeconds: estimateNetworkSeconds(traffic, WAN).seconds };
}

async function runCase(c: ProtocolBenchCase, transport: BenchTransport, l: GemmBits, repeats: number, shaping?: NetShape): Promise<ProtocolBenchRow> {
  const cl = await cluster(transport, { shaping, timeoutMs: 600_000 });
  try {
    const t0 = performance.now();
    const state = await c.prepare({ cl, l });
    const setupSeconds = (performance.now() - t0) / 1000;
    const compute = [cl.P0, cl.P1, cl.P2];
    const offT: number[] = [], onT: number[] = [], plainT: number[] = [];
    // Repetition 0 is a warm-up (its counts are reported, its times are not).
    for (let i = 0; i <= repeats; i++) {
      const label = `bench#${i}`;
      for (const p of [...compute, cl.C]) p.label = label;
      const off = await timeIt(() =>
        Promise.all(
          compute.map(async (p) => {
            const o = new Offline(p);
            await c.offline(o, p, state.get(p.id));
            await o.flush(label);
          }),
        ),
      );
      const on = await timeIt(() => Promise.all([cl.P1, cl.P2].map((p) => c.online(p, state.get(p.id)))));
      const plain = await c.plaintextSeconds(l);
      if (i > 0) {
        offT.push(off);
        onT.push(on);
        plainT.push(plain);
      }
    }
    const plaintextSeconds = median(plainT);
    const online = phaseFigures(cl, 'online', 'bench#0', onT);
    const costCheck = checkCost(cl, c.cost?.(l), 'bench#0');
    return {
      protocol: c.name,
      shape: c.shape,
      transport,
      ring: l,
      setupSeconds,
      offline: phaseFigures(cl, 'offline', 'bench#0', offT),
      online,
      plaintextSeconds,
      plaintextMinSeconds: Math.min(...plainT),
      onlineOverPlaintext: online.seconds / plaintextSeconds,
      onlineOverPlaintextMin: online.minSeconds / Math.min(...plainT),
      costCheck,
    };
  } finally {
    await cl.close();
  }
}

/** Compare every party's counters of one label with a declared cost. */
export function checkCost(cl: Cluster, cost: ProtocolCost | undefined, label: string): CostCheck {
  if (!cost) return { declared: null, matches: null, mismatches: [] };
  const mismatches: string[] = [];
  for (const phase of ['offline', 'online'] as const) {
    const want = perParty(cost[phase]);
    for (const p of [cl.P0, cl.P1, cl.P2, cl.C]) {
      const got = p.acct.get(phase, label);
      const w = want[p.id];
      for (const k of ['bytesSent', 'bytesRecv', 'msgsSent', 'rounds'] as const) {
        if (got[k] !== w[k]) mismatches.push(`${phase} ${p.id} ${k}: measured ${got[k]}, declared ${w[k]}`);
      }
    }
  }
  const s = summarize(cost);
  return { declared: { offline: s.offline, online: s.online }, matches: mismatches.length === 0, mismatches };
}

export async function benchProtocols(opts: ProtocolBenchOptions = {}): Promise<ProtocolBenchReport> {
  const l = opts.ring ?? 32;
  const K = getKernels();
  let cases = opts.cases ?? (opts.quick ? QUICK_CASES : PROTOCOL_CASES);
  if (opts.only) cases = cases.filter((c) => opts.only!.includes(c.name) || opts.only!.includes(`${c.name}:${c.shape}`));
  const rows: ProtocolBenchRow[] = [];
  for (const transport of opts.transports ?? ['inproc', 'tcp']) {
    for (const c of cases) rows.push(await runCase(c, transport, l, Math.max(1, opts.repeats ?? 5), opts.shaping));
  }
  return {
    backend: K.name,
    detail: K.detail,
    ring: l,
    network: { mode: opts.shaping ? 'shaped' : 'computed', lan: LAN, wan: WAN, shaping: opts.shaping },
    rows,
  };
}

/** One line per row for humans. */
export function formatProtocolBench(r: ProtocolBenchReport): string {
  const lines = [`backend ${r.backend} (${r.detail}), Z_2^${r.ring}, network figures ${r.network.mode}`];
  for (const x of r.rows) {
    const on = x.online, off = x.offline;
    const mb = (b: number) => (b / 1e6).toFixed(2);
    lines.push(
      `${x.protocol} ${x.shape} [${x.transport}]: offline ${off.seconds.toFixed(3)} s (P0→P2 ${mb(off.perParty['P0']!.bytesSent)} MB), ` +
        `online ${on.seconds.toFixed(3)} s, P1 sent ${mb(on.perParty['P1']!.bytesSent)} MB, rounds ${on.perParty['P1']!.rounds}; ` +
        `plaintext ${x.plaintextSeconds.toFixed(4)} s, online/plaintext ${x.onlineOverPlaintext.toFixed(2)} (fastest runs ${x.onlineOverPlaintextMin.toFixed(2)}); ` +
        `LAN ${(on.lanSeconds * 1000).toFixed(2)} ms, WAN ${(on.wanSeconds * 1000).toFixed(1)} ms (computed); ` +
        `declared cost ${x.costCheck.matches === null ? 'not declared' : x.costCheck.matches ? 'matches the counters' : 'MISMATCH: ' + x.costCheck.mismatches.join('; ')}`,
    );
  }
  return lines.join('\n') + '\n';
}
