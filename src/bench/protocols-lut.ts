/**
 * Benchmark rows of the lookup-table protocols for `lutmpc bench protocols
 * --json`, in the row format of bench/protocols.ts (same runner, same
 * counters; the lead merges them into the command):
 *
 *   lut8      128×3072 elements, 8-bit index, Z_2^8 → Z_2^8
 *   lut12     128×3072 elements, 12-bit index, Z_2^16 → Z_2^8 (dealt in 4
 *             parts: each P0→P2 message stays below the 1 GiB frame limit;
 *             the four re-masks share one online round)
 *   lut2      two-input table 4+4 bits on 12×128×128 (softmax shape), → Z_2^16
 *   shift     exact signed shift of 128×3072 int32 by 8 (→ 24-bit result)
 *   shiftIdx  exact shift of 128×3072 int32 by S_MAX = 24 to an 8-bit index
 *             (the requant front end; 3 chunks of 8 bits, and the schedule
 *             4+4+8+8: one more round, half the offline bytes)
 *   requant   128×3072 int32 → int8 (S_MAX shift, per-channel tables; borrow
 *             chain), and requantSelect: the same with the carry select;
 *             requantFfnBit / requantFfnIndex: the forward's FFN1 plan
 *             (16 bits in 2 links) with the last borrow or the index opened
 *   rowMax    12×128×128 int8 (Z_2^16), tree of 7 levels
 *   matmul1b  128×768×3072 with 1-bit weights, next to matmulW (32-bit
 *             weights) of the same shape; `onlineOver32` is the ratio of
 *             their online times (medians)
 *
 * Plaintext columns time the same computation on plaintext with the same
 * kernels (table gather, shift, row max, GEMM). Every row's ring field is
 * the runner's (32); the shape string names the rings actually used.
 */
import { randomFillSync } from 'node:crypto';
import { getKernels } from '../kernels/loader.js';
import { allocRing, type RingArray, type RingBits } from '../kernels/types.js';
import type { Cluster } from '../mpc/cluster.js';
import { exchange, type ProtocolCost } from '../mpc/cost.js';
import { Offline } from '../mpc/dealer.js';
import * as R from '../mpc/ring.js';
import { rowMax, rowMaxCost, rowMaxOffline } from '../mpc/lut/compare.js';
import { lut, lutCost, lutMulti, lutMultiCost, lutMultiOffline, lutOffline } from '../mpc/lut/lut.js';
import { matmul1b, matmul1bCost, matmul1bOffline, packBits, shareBitWeight, type BitWeightShare } from '../mpc/lut/onebit.js';
import { requant, requantCost, requantOffline, type RequantSpec } from '../mpc/lut/requant.js';
import { shift, shiftCost, shiftOffline, type ShiftOptions } from '../mpc/lut/shift.js';
import { ownRounds } from '../mpc/lut/stages.js';
import type { PartyId } from '../mpc/party.js';
import { clientInput, input, inputOffline } from '../mpc/protocols/input.js';
import { inRound } from '../mpc/round.js';
import type { Masked, MaskOf } from '../mpc/sharing.js';
import { benchProtocols, matmulWeightCase, type ProtocolBenchCase, type ProtocolBenchOptions, type ProtocolBenchRow } from './protocols.js';

function rand(l: RingBits, n: number): RingArray {
  const a = allocRing(l, n) as RingArray;
  randomFillSync(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  if (l === 1) for (let i = 0; i < n; i++) (a as Uint8Array)[i]! &= 1;
  return a;
}

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

type Inputs = { masks: Map<PartyId, MaskOf[]>; values: Map<PartyId, Masked[]> };

/** Untimed client inputs of the given rings and shapes. */
async function maskedInputs(cl: Cluster, specs: { l: RingBits; shape: number[] }[]): Promise<Inputs> {
  const masks = new Map<PartyId, MaskOf[]>();
  await Promise.all(
    [cl.P0, cl.P1, cl.P2].map(async (p) => {
      const off = new Offline(p);
      const ms: MaskOf[] = [];
      for (const s of specs) ms.push(await inputOffline(off, s.l, s.shape));
      await off.flush('inputs');
      masks.set(p.id, ms);
    }),
  );
  const values = new Map<PartyId, Masked[]>();
  const client = (async () => {
    for (const s of specs) await clientInput(cl.C, s.l, rand(s.l, s.shape.reduce((a, b) => a * b, 1)));
  })();
  await Promise.all([client, ...[cl.P1, cl.P2].map(async (p) => values.set(p.id, await inRound(p, 'inputs', (r) => specs.map((s) => input(r, s.l, s.shape)))))]);
  return { masks, values };
}

type St = { x: MaskOf[]; v?: Masked[]; extra?: unknown };

function states(inp: Inputs, extra?: Map<PartyId, unknown>): Map<PartyId, unknown> {
  const st = new Map<PartyId, unknown>();
  for (const id of ['P0', 'P1', 'P2'] as PartyId[]) st.set(id, { x: inp.masks.get(id)!, v: inp.values.get(id), extra: extra?.get(id) } satisfies St);
  return st;
}

/**
 * `parts` lookups of n elements each, dealt in one flush apiece (P2 waits
 * once per flush) and re-masked together in one online round.
 */
export function lutPartsCost(parts: number, n: number, bits: number, l: RingBits): ProtocolCost {
  const one = lutCost({ n, bits, l });
  return {
    name: one.name,
    offline: { rounds: { P2: parts }, messages: Array.from({ length: parts }, () => one.offline.messages).flat() },
    online: exchange(parts * R.wireBytes(l, n)),
  };
}

/** Single-input lookup on rows×cols elements, dealt in `parts` row blocks (one flush each). */
export function lutCase(rows: number, cols: number, bits: number, lin: RingBits, lout: RingBits, parts = 1): ProtocolBenchCase {
  const T = rand(lout, 2 ** bits);
  const pr = rows / parts;
  if (!Number.isInteger(pr)) throw new RangeError(`lutCase: ${rows} rows do not split into ${parts} parts`);
  return {
    name: `lut${bits}`,
    shape: `${rows}x${cols} n=${bits} Z_2^${lin}->Z_2^${lout}${parts > 1 ? ` (${parts} dealings)` : ''}`,
    cost: () => lutPartsCost(parts, pr * cols, bits, lout),
    async prepare({ cl }) {
      return states(await maskedInputs(cl, Array.from({ length: parts }, () => ({ l: lin, shape: [pr, cols] }))));
    },
    async offline(off, p, s) {
      const st = s as St;
      for (const x of st.x) {
        await lutOffline(off, x, { bits, l: lout }, p.id === 'P0' ? { data: T, channels: 1 } : undefined);
        if (parts > 1) await off.flush(p.label);
      }
      return undefined;
    },
    async online(p, s) {
      const st = s as St;
      const outs = await inRound(p, p.label, (r) => st.v!.map((v) => lut(r, v, { bits, l: lout })));
      return outs[0]!;
    },
    async plaintextSeconds() {
      const x = rand(lin, rows * cols);
      return timeIt(() => getKernels().gatherShared(T as never, bits, x));
    },
  };
}

/** Two-input lookup (b1 + b2 bits) on `shape`. */
export function lut2Case(shape: number[], b1: number, b2: number, lout: RingBits): ProtocolBenchCase {
  const B = b1 + b2;
  const T = rand(lout, 2 ** B);
  const n = shape.reduce((a, b) => a * b, 1);
  return {
    name: 'lut2',
    shape: `${shape.join('x')} n=${b1}+${b2} Z_2^8->Z_2^${lout}`,
    cost: () => lutMultiCost({ n, bits: [b1, b2], l: lout }),
    async prepare({ cl }) {
      return states(await maskedInputs(cl, [{ l: 8, shape }, { l: 8, shape }]));
    },
    offline: (off, p, s) => lutMultiOffline(off, (s as St).x, { bits: [b1, b2], l: lout }, p.id === 'P0' ? { data: T, channels: 1 } : undefined),
    online: (p, s) => inRound(p, p.label, (r) => [lutMulti(r, (s as St).v!, { bits: [b1, b2], l: lout })]).then(([y]) => y),
    async plaintextSeconds() {
      const x1 = rand(8, n) as Uint8Array, x2 = rand(8, n) as Uint8Array;
      const K = getKernels();
      return timeIt(async () => {
        const i = new Uint32Array(x1);
        K.shift('shl', 32, i, b2, i);
        K.binary('or', 32, i, K.shift('shr', 32, K.shift('shl', 32, new Uint32Array(x2), 32 - b2), 32 - b2), i);
        await K.gatherShared(T as never, B, i);
      });
    },
  };
}

/** Exact shift of rows×cols int32 values. */
export function shiftCase(name: string, rows: number, cols: number, o: ShiftOptions): ProtocolBenchCase {
  return {
    name,
    shape: `${rows}x${cols} int32 >> ${o.s}${o.signed ? ' signed' : ''} -> ${o.outBits ?? 32 - o.s} bits, chunk ${String(o.chunk ?? 8)}`,
    cost: () => shiftCost({ n: rows * cols, w: 32, ...o }),
    async prepare({ cl }) {
      return states(await maskedInputs(cl, [{ l: 32, shape: [rows, cols] }]));
    },
    offline: (off, _p, s) => shiftOffline(off, (s as St).x[0]!, o),
    online: (p, s) => shift(ownRounds(p, p.label), (s as St).v![0]!, o),
    async plaintextSeconds() {
      const x = rand(32, rows * cols) as Uint32Array;
      return timeIt(async () => getKernels().shift(o.signed ? 'sar' : 'shr', 32, x, o.s));
    },
  };
}

/**
 * Requant int32 → int8 with per-channel tables (channel = column); `extra`
 * names another plan (the forward's: zeroLow, chunk schedule, borrowOut).
 */
export function requantCase(rows: number, cols: number, bits = 8, s = 24, borrow?: 'select', extra?: { name: string } & Pick<RequantSpec, 'zeroLow' | 'chunk' | 'borrowOut'>): ProtocolBenchCase {
  const T = rand(8, cols * 2 ** bits);
  const { name, ...plan } = extra ?? { name: borrow ? 'requantSelect' : 'requant' };
  const spec: RequantSpec = { s, bits, outputs: 1, l: 8, borrow, ...plan };
  return {
    name,
    shape: `${rows}x${cols} int32 >> ${s} -> n=${bits}, ${cols} channel tables -> Z_2^8${extra ? `; zeroLow ${spec.zeroLow ?? 0}, chunks ${JSON.stringify(spec.chunk ?? 8)}, last opening ${spec.borrowOut ?? 'bit'}` : ''}`,
    cost: () => requantCost({ n: rows * cols, w: 32, ...spec }),
    async prepare({ cl }) {
      return states(await maskedInputs(cl, [{ l: 32, shape: [rows, cols] }]));
    },
    offline: (off, p, st) => requantOffline(off, (st as St).x[0]!, spec, p.id === 'P0' ? [{ data: T, channels: cols }] : undefined),
    online: (p, st) => requant(ownRounds(p, p.label), (st as St).v![0]!, spec).then(([y]) => y!),
    async plaintextSeconds() {
      const y = rand(32, rows * cols) as Uint32Array;
      const K = getKernels();
      return timeIt(async () => {
        const idx = K.shift('sar', 32, y, s);
        const per = new Uint32Array(rows * cols);
        for (let i = 0; i < per.length; i++) per[i] = ((i % cols) << bits) | (idx[i]! & (2 ** bits - 1));
        // Plain per-channel read: one gather over the concatenated channel tables.
        const size = Math.ceil(Math.log2(cols * 2 ** bits));
        const padded = new Uint8Array(2 ** size);
        padded.set(T as Uint8Array);
        await K.gatherShared(padded, size, per);
      });
    },
  };
}

/** Row max over `shape` (last dimension = row) of int8 values in Z_2^16. */
export function rowMaxCase(shape: number[]): ProtocolBenchCase {
  const cols = shape[shape.length - 1]!;
  const n = shape.reduce((a, b) => a * b, 1);
  return {
    name: 'rowMax',
    shape: `${shape.join('x')} int8 in Z_2^16`,
    cost: () => rowMaxCost({ rows: n / cols, cols, w: 8, l: 16 }),
    async prepare({ cl }) {
      return states(await maskedInputs(cl, [{ l: 16, shape }]));
    },
    offline: (off, _p, s) => rowMaxOffline(off, (s as St).x[0]!, 8),
    online: (p, s) => rowMax(ownRounds(p, p.label), (s as St).v![0]!, 8),
    async plaintextSeconds() {
      const x = new Int8Array(rand(8, n).buffer);
      return timeIt(async () => {
        const out = new Int8Array(n / cols);
        for (let i = 0; i < out.length; i++) {
          let m = -128;
          for (let j = 0; j < cols; j++) m = Math.max(m, x[i * cols + j]!);
          out[i] = m;
        }
      });
    },
  };
}

/** 1-bit weight matmul m×k×n (weights shared at prepare, untimed). */
export function matmul1bCase(m: number, k: number, n: number): ProtocolBenchCase {
  const B = new Uint8Array(k * n).map(() => (Math.random() < 0.5 ? 1 : 0));
  const packed = packBits(B, k, n);
  return {
    name: 'matmul1b',
    shape: `${m}x${k}x${n}`,
    cost: () => matmul1bCost({ l: 32, m, k, n }),
    async prepare({ cl }) {
      const ws = new Map<PartyId, unknown>();
      await Promise.all(
        [cl.P0, cl.P1, cl.P2].map(async (p) => {
          const off = new Offline(p);
          ws.set(p.id, await shareBitWeight(off, 32, k, n, p.id === 'P0' ? packed : undefined));
          await off.flush('weights');
        }),
      );
      return states(await maskedInputs(cl, [{ l: 32, shape: [m, k] }]), ws);
    },
    offline: (off, _p, s) => matmul1bOffline(off, (s as St).x[0]!, (s as St).extra as BitWeightShare),
    online: (p, s) => inRound(p, p.label, (r) => [matmul1b(r, (s as St).v![0]!, (s as St).extra as BitWeightShare)]).then(([y]) => y),
    async plaintextSeconds() {
      const x = rand(32, m * k) as Uint32Array;
      return timeIt(() => getKernels().gemmPm1(32, x, packed, m, k, n));
    },
  };
}

export type LutBenchRow = ProtocolBenchRow & {
  /** matmul1b only: its online median ÷ matmulW's (32-bit weights, same shape, same run). */
  onlineOver32?: number;
  /** matmul1b only: plaintext gemmPm1 ÷ plaintext 32-bit GEMM. */
  plaintextOver32?: number;
};

export interface LutBenchOptions extends Omit<ProtocolBenchOptions, 'cases'> {
  /** Repetitions of the heavy rows (lut12, matmul; default 1). */
  heavyRepeats?: number;
}

/** The lookup-table rows (quick: small shapes for smoke tests). */
export function lutCases(quick = false): { light: ProtocolBenchCase[]; heavy: ProtocolBenchCase[] } {
  if (quick) {
    return {
      light: [lutCase(4, 96, 8, 8, 8), lutCase(4, 96, 12, 16, 8, 2), lut2Case([2, 8, 8], 4, 4, 16), shiftCase('shift', 4, 96, { s: 8, signed: true }), shiftCase('shiftIdx', 4, 96, { s: 24, outBits: 8 }), requantCase(4, 96), requantCase(4, 96, 8, 24, 'select'), requantCase(4, 96, 8, 24, undefined, { name: 'requantFfnIndex', zeroLow: 8, chunk: [10, 6], borrowOut: 'index' }), rowMaxCase([2, 8, 8])],
      heavy: [matmul1bCase(8, 96, 192), matmulWeightCase(8, 96, 192)],
    };
  }
  return {
    light: [
      lutCase(128, 3072, 8, 8, 8),
      shiftCase('shift', 128, 3072, { s: 8, signed: true }),
      shiftCase('shiftIdx', 128, 3072, { s: 24, outBits: 8 }),
      shiftCase('shiftIdx', 128, 3072, { s: 24, outBits: 8, chunk: [4, 4, 8, 8] }),
      requantCase(128, 3072),
      requantCase(128, 3072, 8, 24, 'select'),
      // The forward's FFN1 requant (zeroLow 8: 16 bits to resolve in 2 links), both last openings.
      requantCase(128, 3072, 8, 24, undefined, { name: 'requantFfnBit', zeroLow: 8, chunk: [8, 8], borrowOut: 'bit' }),
      requantCase(128, 3072, 8, 24, undefined, { name: 'requantFfnIndex', zeroLow: 8, chunk: [10, 6], borrowOut: 'index' }),
      lut2Case([12, 128, 128], 4, 4, 16),
      rowMaxCase([12, 128, 128]),
    ],
    heavy: [lutCase(128, 3072, 12, 16, 8, 4), matmul1bCase(128, 768, 3072), matmulWeightCase(128, 768, 3072)],
  };
}

/** Run the lookup-table rows; returns rows in bench/protocols.ts's format (plus the 1-bit ratios). */
export async function benchLutProtocols(opts: LutBenchOptions = {}): Promise<LutBenchRow[]> {
  const { light, heavy } = lutCases(opts.quick);
  const pick = (cs: ProtocolBenchCase[]) => (opts.only ? cs.filter((c) => opts.only!.includes(c.name) || opts.only!.includes(`${c.name}:${c.shape}`)) : cs);
  const rows: LutBenchRow[] = [];
  const l = pick(light), h = pick(heavy);
  const transports = opts.transports ?? ['inproc'];
  if (l.length > 0) rows.push(...(await benchProtocols({ ...opts, transports, cases: l, repeats: opts.repeats ?? 3 })).rows);
  if (h.length > 0) rows.push(...(await benchProtocols({ ...opts, transports, cases: h, repeats: opts.heavyRepeats ?? 1 })).rows);
  for (const r of rows) {
    if (r.protocol !== 'matmul1b') continue;
    const ref = rows.find((x) => x.protocol === 'matmulW' && x.shape === r.shape && x.transport === r.transport);
    if (ref) {
      r.onlineOver32 = r.online.seconds / ref.online.seconds;
      r.plaintextOver32 = r.plaintextSeconds / ref.plaintextSeconds;
    }
  }
  return rows;
}
