/**
 * One program text, two phases. The secure forward (forward.ts) is written
 * once against `Engine`; every protocol call is a `Step` with an offline half
 * (dealing, run by P0, P1, P2) and an online half (P1, P2). The offline engine
 * runs the steps one after another (each dealing is tagged "proto#seq" in call
 * order); the online engine runs a `round` group in ONE round and a
 * `lockstep` group with the k-th rounds of its members shared — so the
 * online calls take their material in exactly the order it was dealt.
 */
import type { Offline } from '../mpc/dealer.js';
import type { Party } from '../mpc/party.js';
import { clientInput, input, inputOffline } from '../mpc/protocols/input.js';
import { matmul, matmulOffline } from '../mpc/protocols/matmul.js';
import { matmulWeight, matmulWeightOffline, type WeightShare } from '../mpc/protocols/matmul-weight.js';
import { mulPrescaled, mulPrescaledOffline } from '../mpc/protocols/mul-prescaled.js';
import { matmulRowScale, matmulRowScaleOffline } from '../mpc/protocols/matmul-rowscale.js';
import { freshMask, freshMaskOffline } from '../mpc/protocols/fresh-mask.js';
import { output } from '../mpc/protocols/output.js';
import { inRound, type Round } from '../mpc/round.js';
import { lockstep, type RoundSeq } from '../mpc/lut/stages.js';
import { requant, requantOffline, type RequantSpec } from '../mpc/lut/requant.js';
import type { DealerTable } from '../mpc/lut/lut.js';
import { embed, embedOffline } from './embed.js';
import type { Pacer } from './pacer.js';
import { asMasked, asMaskedShare, asMaskOf, sv, type SV } from './values.js';

/** A one-round protocol call. */
export interface Step {
  off(o: Offline): Promise<SV>;
  on(r: Round): Promise<SV>;
}

/** A multi-round protocol call (rounds from a RoundSeq). */
export interface SeqStep {
  off(o: Offline): Promise<SV[]>;
  on(seq: RoundSeq): Promise<SV[]>;
}

export interface Engine {
  readonly party: Party;
  readonly online: boolean;
  /** All steps in one round (online); dealt in order (offline). */
  round(label: string, steps: readonly Step[]): Promise<SV[]>;
  /** Steps in lockstep: their k-th rounds coincide (online). */
  lockstep(label: string, steps: readonly SeqStep[]): Promise<SV[][]>;
  /** Offline: send the corrections dealt since the last flush (charged to `label`). Online: nothing. */
  flush(label: string): Promise<void>;
  /** Online: send the value to the client. Offline: nothing. */
  output(x: SV, label: string): void;
  /** A fresh mask dealt now for a later opening (fresh-mask.ts): P0 the mask, Pi its share (an SV without m). */
  mask(rows: number, cols: number): Promise<SV>;
}

/** Wall time (ms) spent per label, added to `times`. */
async function timed<T>(times: Record<string, number> | undefined, label: string, f: () => Promise<T>): Promise<T> {
  if (!times) return f();
  const t0 = performance.now();
  try {
    return await f();
  } finally {
    times[label] = (times[label] ?? 0) + performance.now() - t0;
  }
}

export class OfflineEngine implements Engine {
  readonly online = false;
  constructor(
    readonly off: Offline,
    private readonly pacer?: Pacer,
    /** Optional per-label wall time (ms) of the dealings and flushes. */
    private readonly times?: Record<string, number>,
  ) {}
  get party(): Party {
    return this.off.party;
  }
  round(label: string, steps: readonly Step[]): Promise<SV[]> {
    return timed(this.times, label, async () => {
      const out: SV[] = [];
      for (const s of steps) out.push(await s.off(this.off));
      return out;
    });
  }
  lockstep(label: string, steps: readonly SeqStep[]): Promise<SV[][]> {
    return timed(this.times, label, async () => {
      const out: SV[][] = [];
      for (const s of steps) out.push(await s.off(this.off));
      return out;
    });
  }
  async flush(label: string): Promise<void> {
    await timed(this.times, label, () => this.off.flush(label));
    await this.pacer?.offlineFlushed();
  }
  output(): void {}
  async mask(rows: number, cols: number): Promise<SV> {
    return sv(await freshMaskOffline(this.off, 32, [rows, cols]), rows, cols);
  }
}

export class OnlineEngine implements Engine {
  readonly online = true;
  constructor(
    readonly party: Party,
    private readonly pacer?: Pacer,
    /** Optional per-label wall time (ms) of the rounds (local work between them is not charged). */
    private readonly times?: Record<string, number>,
  ) {}
  round(label: string, steps: readonly Step[]): Promise<SV[]> {
    return timed(this.times, label, () => inRound(this.party, label, (r) => steps.map((s) => s.on(r))) as Promise<SV[]>);
  }
  lockstep(label: string, steps: readonly SeqStep[]): Promise<SV[][]> {
    return timed(this.times, label, async () => {
      try {
        return (await lockstep(this.party, label, steps.map((s) => (seq: RoundSeq) => s.on(seq)))) as SV[][];
      } catch (e) {
        throw this.party.abort(e as Error);
      }
    });
  }
  async flush(): Promise<void> {
    await this.pacer?.onlineReached();
  }
  output(x: SV, label: string): void {
    output(this.party, asMasked(x), label);
  }
  mask(rows: number, cols: number): Promise<SV> {
    return Promise.resolve(sv(freshMask(this.party, 32, [rows, cols]), rows, cols));
  }
}

// ---- steps -------------------------------------------------------------------------

/** The client's input of a rows×cols matrix. */
export function inputStep(rows: number, cols: number): Step {
  return {
    off: async (o) => sv(await inputOffline(o, 32, [rows, cols]), rows, cols),
    on: async (r) => sv(await input(r, 32, [rows, cols]), rows, cols),
  };
}

/** Client side of inputStep. */
export function sendInput(client: Party, x: Uint32Array): Promise<void> {
  return clientInput(client, 32, x);
}

/** [[X]]·W + bias with a dealer weight (bias: P0 only). */
export function linearStep(x: SV, w: WeightShare, bias?: Uint32Array): Step {
  const rows = x.shape[0];
  return {
    off: async (o) => sv(await matmulWeightOffline(o, asMaskOf(x), w, bias), rows, w.n),
    on: async (r) => sv(await matmulWeight(r, asMasked(x), w), rows, w.n),
  };
}

/** The embedding lookup onehot(ids)·W + P from the two factored one-hots (embed.ts). */
export function embedStep(xa: SV, xb: SV, w: WeightShare, term?: Uint32Array): Step {
  return { off: (o) => embedOffline(o, xa, xb, w, term), on: (r) => embed(r, xa, xb, w) };
}

/** [[A]]·[[B]]. */
export function matmulStep(a: SV, b: SV): Step {
  const [m] = a.shape;
  const n = b.shape[1];
  return {
    off: async (o) => sv(await matmulOffline(o, asMaskOf(a), asMaskOf(b)), m, n),
    on: async (r) => sv(await matmul(r, asMasked(a), asMasked(b)), m, n),
  };
}

/** Online-only choices of a requantStep (the dealt material is the same; plus changes the masks). */
export interface RequantStepOptions {
  /** The last output opens as its row sums only (requant.ts `rowSumsOfLast`). */
  rowSumsOfLast?: boolean;
  /**
   * Outputs left unopened (SV.s online): a residual opened later inside the
   * requant it is added to, or factors of a mulPrescaledStep.
   */
  unopened?: readonly number[];
  /** An unopened value added to output 0 before its opening: output 0 is [[T_0(t) + plus]]. */
  plus?: SV;
  /** Output 0 opens under this earlier-dealt mask (Engine.mask) instead of a fresh one. */
  outMask?: SV;
  /** Online only: every output is 0 in the columns ≥ this count (padded attention keys, requant.ts `keepCols`). */
  keepCols?: number;
}

/** A requant's index width, public shift and how it resolves it: chunk schedule, borrow protocol, last opening, the low bits known to be zero (requant.ts). */
export type ShiftPlan = Pick<RequantSpec, 's' | 'bits' | 'chunk' | 'borrow' | 'borrowOut' | 'zeroLow'>;

/**
 * Requant as `shift` plans it (an n-bit index at the public shift 32 − n,
 * forward.ts shiftPlans) with `outputs` tables (P0 passes them; the secret
 * shift is folded in, dealer-model.ts).
 */
export function requantStep(y: SV, outputs: number, tables: readonly DealerTable[] | undefined, shift: ShiftPlan, opts: RequantStepOptions = {}): SeqStep {
  const [rows, cols] = y.shape;
  const spec = { ...shift, outputs, l: 32 as const, rowSumsOfLast: opts.rowSumsOfLast ? cols : undefined };
  // A row-summed last output is rows×1 (requant.ts `rowSumsOfLast`).
  const shape = (k: number): [number, number] => (opts.rowSumsOfLast && k === outputs - 1 ? [rows, 1] : [rows, cols]);
  const { plus, outMask } = opts;
  return {
    off: async (o) => (await requantOffline(o, asMaskOf(y), spec, tables, plus && [asMaskOf(plus)], outMask && [asMaskOf(outMask)])).map((x, k) => sv(x, ...shape(k))),
    on: async (seq) => {
      const keepCols = opts.keepCols !== undefined && opts.keepCols < cols ? { cols, keep: opts.keepCols } : undefined;
      return (await requant(seq, asMasked(y), spec, { unopened: opts.unopened, plus: plus && [asMaskedShare(plus)], keepCols })).map((x, k) => sv(x, ...shape(k)));
    },
  };
}

/** [[diag(s)·(A·B)]] with A·B never opened (matmul-rowscale.ts); s is rows(A)×1. */
export function matmulRowScaleStep(a: SV, b: SV, s: SV): Step {
  const [m] = a.shape;
  const n = b.shape[1];
  return {
    off: async (o) => sv(await matmulRowScaleOffline(o, asMaskOf(a), asMaskOf(b), asMaskOf(s)), m, n),
    on: async (r) => sv(await matmulRowScale(r, asMasked(a), asMasked(b), asMasked(s)), m, n),
  };
}

/** [[a ⊙ b]] from unopened a and a·ρ_b (requant outputs whose tables knew b's mask) and masked b (mul-prescaled.ts). */
export function mulPrescaledStep(a: SV, aRho: SV, b: SV): Step {
  const [m, n] = a.shape;
  return {
    off: async (o) => sv(await mulPrescaledOffline(o, asMaskOf(a), asMaskOf(b)), m, n),
    on: async (r) => sv(await mulPrescaled(r, asMaskedShare(a), asMaskedShare(aRho), asMasked(b)), m, n),
  };
}

