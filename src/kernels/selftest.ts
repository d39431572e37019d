/**
 * Runs every kernel of a backend against the TypeScript oracle on random
 * inputs and a few edge values. Used by `lutmpc selftest` so that a user can
 * check an installed build, and by the test suite.
 */
import { randomFillSync } from 'node:crypto';
import { tsKernels } from './ts.js';
import { allocRing, RING_BITS, type GemmBits, type Kernels, type RingArray, type RingArrayOf, type RingBits } from './types.js';
import { getKernels } from './loader.js';

export interface SelftestCheck {
  kernel: string;
  ok: boolean;
  detail?: string;
}

export interface SelftestReport {
  backend: string;
  detail: string;
  ok: boolean;
  checks: SelftestCheck[];
  seconds: number;
}

/** Uniformly random ring elements, with the first few set to edge values 0, −1, 2^(l−1), 2^(l−1)−1, 1. */
export function randomRing<L extends RingBits>(l: L, n: number): RingArrayOf<L> {
  const a = allocRing(l, n);
  randomFillSync(a);
  if (l === 1) for (let i = 0; i < n; i++) (a as Uint8Array)[i]! &= 1;
  const big = l === 64;
  const edges: bigint[] = [0n, -1n, 1n << BigInt(l - 1), (1n << BigInt(l - 1)) - 1n, 1n];
  for (let i = 0; i < Math.min(edges.length, n); i++) {
    const v = BigInt.asUintN(l, edges[i]!);
    (a as unknown as { [i: number]: number | bigint })[i] = big ? v : Number(v);
  }
  return a;
}

export function sameArray(a: RingArray, b: RingArray): boolean {
  if (a.length !== b.length || a.constructor !== b.constructor) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Compare `kernels` against the TypeScript oracle; never throws for a mismatch, reports it. */
export async function selftest(kernels: Kernels = getKernels()): Promise<SelftestReport> {
  const t0 = performance.now();
  const checks: SelftestCheck[] = [];
  const ref = tsKernels;
  const record = async (kernel: string, f: () => Promise<boolean> | boolean): Promise<void> => {
    try {
      checks.push({ kernel, ok: await f() });
    } catch (e) {
      checks.push({ kernel, ok: false, detail: e instanceof Error ? e.message : String(e) });
    }
  };
  const n = 1031; // odd on purpose: exercises SIMD tails
  for (const l of RING_BITS) {
    const a = randomRing(l, n), b = randomRing(l, n);
    for (const op of ['add', 'sub', 'mul', 'and', 'or', 'xor'] as const) {
      await record(`binary ${op} l=${l}`, () => sameArray(kernels.binary(op, l, a, b), ref.binary(op, l, a, b)));
    }
    for (const op of ['neg', 'not'] as const) {
      await record(`unary ${op} l=${l}`, () => sameArray(kernels.unary(op, l, a), ref.unary(op, l, a)));
    }
    await record(`mulScalar l=${l}`, () => sameArray(kernels.mulScalar(l, a, -12345n), ref.mulScalar(l, a, -12345n)));
    for (const op of ['shl', 'shr', 'sar'] as const) {
      const k = l === 1 ? 0 : l - 3;
      await record(`shift ${op} l=${l}`, () => sameArray(kernels.shift(op, l, a, k), ref.shift(op, l, a, k)));
    }
  }
  for (const l of [32, 64] as GemmBits[]) {
    const [m, k, nn] = l === 32 ? [13, 131, 37] : [5, 67, 9];
    const A = randomRing(l, m * k), B = randomRing(l, k * nn);
    await record(`gemm l=${l} ${m}x${k}x${nn}`, async () => sameArray(await kernels.gemm(l, A, B, m, k, nn), await ref.gemm(l, A, B, m, k, nn)));
    const words = Math.ceil(k / 64);
    const bits = randomRing(64, nn * words);
    await record(`gemmPm1 l=${l} ${m}x${k}x${nn}`, async () =>
      sameArray(await kernels.gemmPm1(l, A, bits, m, k, nn), await ref.gemmPm1(l, A, bits, m, k, nn)),
    );
    const Bs = randomRing(l, m * k * nn);
    await record(`rowGemm l=${l} ${m}x${k}x${nn}`, async () => sameArray(await kernels.rowGemm(l, A, Bs, m, k, nn), await ref.rowGemm(l, A, Bs, m, k, nn)));
  }
  for (const l of [8, 16, 32, 64] as RingBits[]) {
    const bits = 8;
    const idx = randomRing(32, 777);
    const table = randomRing(l, 1 << bits);
    await record(`gatherShared l=${l}`, async () => sameArray(await kernels.gatherShared(table, bits, idx), await ref.gatherShared(table, bits, idx)));
    const tables = randomRing(l, (1 << bits) * idx.length);
    await record(`gatherPerElement l=${l}`, async () =>
      sameArray(await kernels.gatherPerElement(tables, bits, idx), await ref.gatherPerElement(tables, bits, idx)),
    );
  }
  for (const l of [8, 16, 32, 64] as RingBits[]) {
    const bits = 6, channels = 5, rot = randomRing(32, 2 * 5 * 41) as Uint32Array;
    const table = randomRing(l, channels << bits);
    for (const [blocks, ps] of [[false, 0], [true, 1]] as const) {
      await record(`rotateTables l=${l} ${blocks ? 'blocks, pairs' : 'per channel'}`, async () =>
        sameArray(await kernels.rotateTables(table, bits, rot, channels, blocks, ps), await ref.rotateTables(table, bits, rot, channels, blocks, ps)),
      );
    }
  }
  {
    const key = randomRing(8, 16), iv = randomRing(8, 16);
    iv.fill(0xff, 8); // the low 64 bits of the counter wrap within the stream
    await record('prgFill aes-128-ctr', async () => {
      const x = await kernels.prgFill(key, iv, new Uint8Array(100_003));
      const y = await ref.prgFill(key, iv, new Uint8Array(100_003));
      return sameArray(x, y);
    });
  }
  for (const l of [8, 16, 32, 64] as RingBits[]) {
    const key = randomRing(8, 16), iv = randomRing(8, 16);
    iv.fill(0xff, 8); // the low 64 bits of the counter wrap inside the tables
    const bits = l === 8 ? 12 : 4;
    const idx = randomRing(16, 3001);
    await record(`prgGather l=${l}`, async () => sameArray(await kernels.prgGather(key, iv, l, bits, idx), await ref.prgGather(key, iv, l, bits, idx)));
    const data = randomRing(l, 300_001);
    for (const op of ['sub', 'xor'] as const) {
      await record(`prgMix ${op} l=${l}`, async () => sameArray(await kernels.prgMix(key, iv, op, l, data.slice() as never), await ref.prgMix(key, iv, op, l, data.slice() as never)));
    }
  }
  {
    // Borrow-chain links (requant): stored and keystream bit tables, with and without borrow-in bits.
    const n = 3001, byteBits = 6;
    const tables = randomRing(8, n << byteBits) as Uint8Array;
    const m = randomRing(32, n) as Uint32Array;
    const u = randomRing(8, (n + 7) >> 3) as Uint8Array;
    const key = randomRing(8, 16), iv = randomRing(8, 16);
    for (const [off, bu] of [[0, undefined], [16, u]] as [number, Uint8Array | undefined][]) {
      await record(`bitLinkGather off=${off}`, async () => sameArray(await kernels.bitLinkGather(tables, byteBits, m, off, 8, bu), await ref.bitLinkGather(tables, byteBits, m, off, 8, bu)));
      await record(`prgBitLinkGather off=${off}`, async () =>
        sameArray(await kernels.prgBitLinkGather(key, iv, byteBits, m, off, 8, bu), await ref.prgBitLinkGather(key, iv, byteBits, m, off, 8, bu)),
      );
    }
  }
  return {
    backend: kernels.name,
    detail: kernels.detail,
    ok: checks.every((c) => c.ok),
    checks,
    seconds: (performance.now() - t0) / 1000,
  };
}
