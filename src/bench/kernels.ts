/**
 * Kernel micro-benchmarks (tinybench): the numbers behind `lutmpc bench
 * kernels --json`. One run measures
 *   - GEMM mod 2^32 at 128×768×768, 128×768×3072, 128×3072×768: GMAC/s, the
 *     ratio to the TypeScript backend (measured in the same run, with fewer
 *     iterations because it is slow) and the percent of this machine's int32
 *     multiply peak;
 *   - GEMM mod 2^64 at 128×768×768 (GMAC/s);
 *   - ±1 GEMM mod 2^32 at 128×768×3072 (GMAC/s, one "MAC" = one ±x term);
 *   - PRG (AES-128-CTR) GB/s and the ratio to node:crypto 'aes-128-ctr' on
 *     the same byte count; the dealer's correction pass (prgMix) against a
 *     keystream fill followed by a subtraction;
 *   - gatherShared / gatherPerElement / prgGather elements/s (8-bit indices, 128×3072).
 *
 * Peak formula: peak GMAC/s = cores × int32 SIMD lanes × clock GHz, i.e. one
 * 32-bit vector multiply-accumulate per core per cycle (lanes: 16 for
 * AVX-512, 8 for AVX2, 4 otherwise). The clock is read from /proc/cpuinfo
 * "cpu MHz" unless given (option clockGHz or env LUTMPC_CPU_GHZ). CPUs that
 * issue two vector multiplies per cycle can exceed 100%.
 */
import { createCipheriv, randomFillSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { Bench } from 'tinybench';
import { loadCudaAddon } from '../kernels/cuda.js';
import { loadNativeAddon, loadNativeCpu } from '../kernels/native.js';
import { tsKernels } from '../kernels/ts.js';
import type { Kernels } from '../kernels/types.js';

export interface KernelBenchOptions {
  /** Backend to measure (default: the native CPU backend). */
  kernels?: Kernels;
  /** Time budget per native task in ms (default 400). */
  timeMs?: number;
  /** Clock in GHz for the peak formula (default: env LUTMPC_CPU_GHZ, else /proc/cpuinfo "cpu MHz"). */
  clockGHz?: number;
  /** Cores for the peak formula (default: the addon's thread count, else os.availableParallelism()). */
  cores?: number;
  /** Skip the TypeScript-backend comparisons (they take a few seconds). */
  skipTs?: boolean;
  /** PRG bytes per call (default 16 MiB). */
  prgBytes?: number;
}

/** One timing: median (rates are computed from it) and minimum latency of the tinybench samples. */
export interface Timing {
  ms: number;
  minMs: number;
  samples: number;
}

export interface GemmFigure {
  ring: 32 | 64;
  m: number;
  k: number;
  n: number;
  backend: Timing & { gmacPerSec: number };
  ts?: Timing & { gmacPerSec: number };
  /** backend GMAC/s ÷ TypeScript GMAC/s. */
  speedupVsTs?: number;
  /** 100 × backend GMAC/s ÷ machine.int32PeakGmacPerSec (32-bit rings only). */
  percentOfPeak?: number;
}

export interface KernelBenchReport {
  backend: string;
  detail: string;
  machine: {
    cpuModel: string;
    cores: number;
    simd: string;
    int32Lanes: number;
    clockGHz: number;
    clockSource: string;
    int32PeakGmacPerSec: number;
    peakFormula: string;
  };
  gemm: GemmFigure[];
  gemmPm1: GemmFigure[];
  prg: {
    bytes: number;
    backend: Timing & { gbPerSec: number };
    nodeCrypto: Timing & { gbPerSec: number };
    /** backend GB/s ÷ node:crypto GB/s. */
    ratio: number;
    /**
     * The dealer's table correction (value −= keystream, Z_2^32, same bytes):
     * the fused native pass against the keystream into a buffer then a
     * subtraction (how PrgStream.mixInto worked before prgMix).
     */
    mix: { fused: Timing & { gbPerSec: number }; fillThenSub: Timing & { gbPerSec: number }; ratio: number };
  };
  gather: { kind: 'shared' | 'perElement' | 'prg'; bits: number; elements: number; tableEntryBits: number; backend: Timing & { elementsPerSec: number } }[];
}

function cpuInfo(): { model: string; mhz: number | undefined } {
  try {
    const txt = readFileSync('/proc/cpuinfo', 'utf8');
    const mhz = /^cpu MHz\s*:\s*([\d.]+)/m.exec(txt);
    const model = /^model name\s*:\s*(.+)$/m.exec(txt);
    return { model: model?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown', mhz: mhz ? Number(mhz[1]) : undefined };
  } catch {
    const c = os.cpus()[0];
    return { model: c?.model ?? 'unknown', mhz: c?.speed || undefined };
  }
}

const round = (v: number, d = 3): number => Number(v.toFixed(d));

async function time(name: string, fn: () => unknown, opts: { timeMs: number; iterations: number; warmup: number }): Promise<Timing> {
  const bench = new Bench({
    time: opts.timeMs,
    iterations: opts.iterations,
    warmup: opts.warmup > 0,
    warmupIterations: opts.warmup,
    warmupTime: 0,
    throws: true,
  });
  bench.add(name, fn);
  const [task] = await bench.run();
  const r = task!.result;
  if (r.state !== 'completed') throw new Error(`bench task ${name} did not complete (${r.state})`);
  return { ms: round(r.latency.p50, 4), minMs: round(r.latency.min, 4), samples: r.latency.samplesCount };
}

/** Run the kernel micro-benchmarks once and return JSON-able figures. */
export async function benchKernels(opts: KernelBenchOptions = {}): Promise<KernelBenchReport> {
  const K = opts.kernels ?? loadNativeCpu();
  const timeMs = opts.timeMs ?? 400;
  const fast = { timeMs, iterations: 10, warmup: 3 };
  const slow = { timeMs: 0, iterations: 2, warmup: 1 };

  let info: { simd: string; threads: number } | undefined;
  try {
    // The CPU peak formula describes the host core in both native builds (the CUDA addon embeds it).
    if (K.name === 'cpu') info = loadNativeAddon().info();
    else if (K.name === 'cuda') info = loadCudaAddon().info();
  } catch {
    info = undefined;
  }
  const simd = info?.simd ?? 'none';
  const lanes = simd === 'avx512' ? 16 : simd === 'avx2' ? 8 : 4;
  const cores = opts.cores ?? info?.threads ?? os.availableParallelism();
  const ci = cpuInfo();
  const envGHz = Number(process.env['LUTMPC_CPU_GHZ']);
  const clockGHz = opts.clockGHz ?? (envGHz > 0 ? envGHz : (ci.mhz ?? 0) / 1000);
  const clockSource = opts.clockGHz ? 'option clockGHz' : envGHz > 0 ? 'env LUTMPC_CPU_GHZ' : '/proc/cpuinfo "cpu MHz"';
  const peak = cores * lanes * clockGHz;

  const report: KernelBenchReport = {
    backend: K.name,
    detail: K.detail,
    machine: {
      cpuModel: ci.model,
      cores,
      simd,
      int32Lanes: lanes,
      clockGHz: round(clockGHz),
      clockSource,
      int32PeakGmacPerSec: round(peak, 1),
      peakFormula: `cores × int32 lanes × GHz = ${cores} × ${lanes} × ${round(clockGHz)} = ${round(peak, 1)} GMAC/s (one vector multiply-accumulate per core per cycle)`,
    },
    gemm: [],
    gemmPm1: [],
    prg: undefined as unknown as KernelBenchReport['prg'],
    gather: [],
  };

  const rnd32 = (n: number): Uint32Array => randomFillSync(new Uint32Array(n));
  const rnd64 = (n: number): BigUint64Array => randomFillSync(new BigUint64Array(n));

  // GEMM mod 2^32 (with TypeScript comparison) and mod 2^64.
  for (const [m, k, n] of [
    [128, 768, 768],
    [128, 768, 3072],
    [128, 3072, 768],
  ] as const) {
    const a = rnd32(m * k), b = rnd32(k * n), c = new Uint32Array(m * n);
    const macs = m * k * n;
    const t = await time(`gemm32 ${m}x${k}x${n}`, () => K.gemm(32, a, b, m, k, n, c), fast);
    const fig: GemmFigure = { ring: 32, m, k, n, backend: { ...t, gmacPerSec: round(macs / t.ms / 1e6) } };
    if (peak > 0) fig.percentOfPeak = round((100 * fig.backend.gmacPerSec) / peak, 1);
    if (!opts.skipTs) {
      const tt = await time(`ts gemm32 ${m}x${k}x${n}`, () => tsKernels.gemm(32, a, b, m, k, n, c), slow);
      fig.ts = { ...tt, gmacPerSec: round(macs / tt.ms / 1e6, 4) };
      fig.speedupVsTs = round(fig.backend.gmacPerSec / fig.ts.gmacPerSec, 1);
    }
    report.gemm.push(fig);
  }
  {
    const [m, k, n] = [128, 768, 768];
    const a = rnd64(m * k), b = rnd64(k * n), c = new BigUint64Array(m * n);
    const t = await time(`gemm64 ${m}x${k}x${n}`, () => K.gemm(64, a, b, m, k, n, c), fast);
    report.gemm.push({ ring: 64, m, k, n, backend: { ...t, gmacPerSec: round((m * k * n) / t.ms / 1e6) } });
  }
  {
    const [m, k, n] = [128, 768, 3072];
    const x = rnd32(m * k), bp = rnd64(n * Math.ceil(k / 64)), c = new Uint32Array(m * n);
    const t = await time(`gemmPm1 ${m}x${k}x${n}`, () => K.gemmPm1(32, x, bp, m, k, n, c), fast);
    report.gemmPm1.push({ ring: 32, m, k, n, backend: { ...t, gmacPerSec: round((m * k * n) / t.ms / 1e6) } });
  }

  // PRG against node:crypto on the same byte count.
  {
    const bytes = opts.prgBytes ?? 16 << 20;
    const key = randomFillSync(new Uint8Array(16)), iv = randomFillSync(new Uint8Array(16));
    const out = new Uint8Array(bytes), zeros = new Uint8Array(bytes);
    const t = await time('prgFill', () => K.prgFill(key, iv, out), fast);
    // node:crypto at its best: 1 MiB updates copied into a preallocated output
    // (one 16 MiB update allocates a fresh buffer per call, and its page
    // faults, not AES, dominate: that would flatter the ratio).
    const chunk = 1 << 20, zchunk = zeros.subarray(0, Math.min(chunk, bytes));
    const tn = await time('node:crypto aes-128-ctr', () => {
      const cipher = createCipheriv('aes-128-ctr', key, iv);
      for (let off = 0; off < bytes; off += chunk) {
        const len = Math.min(chunk, bytes - off);
        out.set(cipher.update(len === zchunk.length ? zchunk : zchunk.subarray(0, len)), off);
      }
    }, fast);
    const gb = bytes / t.ms / 1e6, gbn = bytes / tn.ms / 1e6;
    const data = new Uint32Array(bytes / 4);
    const tm = await time('prgMix sub', () => K.prgMix(key, iv, 'sub', 32, data), fast);
    const tf = await time('prgFill + binary sub', async () => {
      const ks = await K.prgFill(key, iv, out);
      K.binary('sub', 32, data, new Uint32Array(ks.buffer, ks.byteOffset, bytes / 4), data);
    }, fast);
    const gm = bytes / tm.ms / 1e6, gf = bytes / tf.ms / 1e6;
    report.prg = {
      bytes,
      backend: { ...t, gbPerSec: round(gb) },
      nodeCrypto: { ...tn, gbPerSec: round(gbn) },
      ratio: round(gb / gbn, 2),
      mix: { fused: { ...tm, gbPerSec: round(gm) }, fillThenSub: { ...tf, gbPerSec: round(gf) }, ratio: round(gm / gf, 2) },
    };
  }

  // Gathers, 8-bit indices over a 128×3072 activation.
  {
    const elements = 128 * 3072, bits = 8;
    const idx = randomFillSync(new Uint8Array(elements));
    const table = rnd32(1 << bits), out = new Uint32Array(elements);
    const t = await time('gatherShared', () => K.gatherShared(table, bits, idx, out), fast);
    report.gather.push({ kind: 'shared', bits, elements, tableEntryBits: 32, backend: { ...t, elementsPerSec: round(elements / t.ms / 1e-3, 0) } });
    // Per-element tables of 8-bit entries (n·2^8 bytes = 96 MiB); 32-bit entries would need 384 MiB.
    const tables = randomFillSync(new Uint8Array(elements << bits)), out8 = new Uint8Array(elements);
    const tp = await time('gatherPerElement', () => K.gatherPerElement(tables, bits, idx, out8), fast);
    report.gather.push({ kind: 'perElement', bits, elements, tableEntryBits: 8, backend: { ...tp, elementsPerSec: round(elements / tp.ms / 1e-3, 0) } });
    // The same reads from a keystream reference (P1's table shares): one AES block per element, no tables in memory.
    const key = randomFillSync(new Uint8Array(16)), iv = randomFillSync(new Uint8Array(16)), out32 = new Uint32Array(elements);
    const tg = await time('prgGather', () => K.prgGather(key, iv, 32, bits, idx, out32), fast);
    report.gather.push({ kind: 'prg', bits, elements, tableEntryBits: 32, backend: { ...tg, elementsPerSec: round(elements / tg.ms / 1e-3, 0) } });
  }
  return report;
}
