/**
 * Native CPU backend: loads the C++ addon (build/Release/lutmpc.node, built
 * by `npm install` through binding.gyp) and exposes it as a `Kernels`.
 * The CUDA backend (./cuda.ts) loads a second build of the same glue and
 * shares `requireAddon` and `wrapAddon` from here.
 *
 * All argument checking happens in the addon (so it can never be crashed
 * from JS); this wrapper only turns synchronous argument errors of the async
 * kernels into rejected Promises, as the TypeScript backend does.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeLoadError } from '../errors.js';
import { setLargeAllocAdvisor, type BinaryOp, type GemmBits, type Kernels, type RingArray, type RingArrayOf, type RingBits, type ShiftOp, type UnaryOp } from './types.js';

/** ABI version the addon must report (native/addon/addon.cpp kAbiVersion). */
export const NATIVE_ABI = 4;

export interface NativeInfo {
  abi: number;
  /** SIMD level in use: 'avx512' | 'avx2' | 'scalar'. */
  simd: string;
  simdDetected: string;
  aesni: boolean;
  aesniDetected: boolean;
  /** PRG implementation in use: 'vaes' | 'aesni' | 'portable'. */
  aes: string;
  threads: number;
  // ---- present only in the CUDA-enabled build (build/cuda/lutmpc_cuda.node) ----
  /** Engine of the large async kernels: 'cuda' when a device answers and routing is on. */
  backend?: 'cuda' | 'cpu';
  cudaBuilt?: boolean;
  /** Routing switch (configure({ cuda })). */
  cudaEnabled?: boolean;
  cudaDeviceCount?: number;
  /** Name of device 0, null without one. */
  device?: string | null;
  /** "major.minor" of device 0, null without one. */
  computeCapability?: string | null;
}

/** Raw addon surface (argument order mirrors `Kernels`; `out` may be undefined). */
export interface NativeAddon {
  abi: number;
  info(): NativeInfo;
  /** Lower the SIMD level, toggle AES-NI or resize the thread pool (tests, benches). */
  configure(options: { simd?: 'scalar' | 'avx2' | 'avx512'; aesni?: boolean; threads?: number; cuda?: boolean }): NativeInfo;
  binary(op: string, l: number, a: RingArray, b: RingArray, out?: RingArray): RingArray;
  unary(op: string, l: number, a: RingArray, out?: RingArray): RingArray;
  mulScalar(l: number, a: RingArray, s: bigint, out?: RingArray): RingArray;
  shift(op: string, l: number, a: RingArray, k: number, out?: RingArray): RingArray;
  gemm(l: number, a: RingArray, b: RingArray, m: number, k: number, n: number, out?: RingArray): Promise<RingArray>;
  gemmPm1(l: number, x: RingArray, bPacked: BigUint64Array, m: number, k: number, n: number, out?: RingArray): Promise<RingArray>;
  rowGemm(l: number, a: RingArray, b: RingArray, m: number, k: number, n: number, out?: RingArray): Promise<RingArray>;
  gatherShared(table: RingArray, bits: number, idx: RingArray, out?: RingArray): Promise<RingArray>;
  gatherPerElement(tables: RingArray, bits: number, idx: RingArray, out?: RingArray): Promise<RingArray>;
  rotateTables(table: RingArray, bits: number, rot: Uint32Array, channels: number, blocks: boolean, pairShift: number, out?: RingArray): Promise<RingArray>;
  prgFill(key: Uint8Array, iv: Uint8Array, out: Uint8Array): Promise<Uint8Array>;
  prgGather(key: Uint8Array, iv: Uint8Array, l: number, bits: number, idx: RingArray, out?: RingArray): Promise<RingArray>;
  prgMix(key: Uint8Array, iv: Uint8Array, op: string, l: number, data: RingArray): Promise<RingArray>;
  bitLinkGather(tables: Uint8Array, byteBits: number, m: Uint32Array, off: number, c: number, u: Uint8Array | null, out?: Uint8Array): Promise<Uint8Array>;
  prgBitLinkGather(key: Uint8Array, iv: Uint8Array, byteBits: number, m: Uint32Array, off: number, c: number, u: Uint8Array | null, out?: Uint8Array): Promise<Uint8Array>;
  /** madvise(MADV_HUGEPAGE) on the 2 MiB-aligned interior of a fresh buffer; bytes advised. */
  adviseHugePages(view: ArrayBufferView): number;
}

const HOW_TO_FIX =
  'Build it with `npm install` (or `npm run build`) in the lutmpc package folder; building needs python3, make and a C++17 compiler (g++ or clang++).';

/** The lutmpc package root: the nearest folder above this file whose package.json is named "lutmpc". */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: unknown }).name === 'lutmpc') return dir;
      } catch {
        // unreadable package.json: keep walking up
      }
    }
    const up = path.dirname(dir);
    if (up === dir) throw new NativeLoadError(`cannot find the lutmpc package root above ${fileURLToPath(import.meta.url)}. ${HOW_TO_FIX}`);
    dir = up;
  }
}

/** Path of the addon binary. */
export function nativeAddonPath(): string {
  return path.join(packageRoot(), 'build', 'Release', 'lutmpc.node');
}

let addonCache: NativeAddon | undefined;

/**
 * dlopen an existing addon file and check its interface version; every
 * failure becomes a NativeLoadError with the loader's reason, followed by
 * `howToFix`. Shared by the CPU and CUDA backends.
 */
export function requireAddon(file: string, howToFix: string): NativeAddon {
  const require = createRequire(import.meta.url);
  let mod: NativeAddon;
  try {
    mod = require(file) as NativeAddon;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const first = msg.split('\n')[0];
    const abi = /NODE_MODULE_VERSION|different Node\.js version|undefined symbol: napi_/.test(msg);
    const platform = /invalid ELF header|wrong ELF class|mach-o|not a valid Win32/i.test(msg);
    throw new NativeLoadError(
      abi
        ? `native addon ${file} was built for a different Node.js ABI (${first}). Rebuild it for Node ${process.version}: ${howToFix}`
        : platform
          ? `native addon ${file} was built for another platform or CPU architecture (${first}). Rebuild it here: ${howToFix}`
          : `native addon ${file} failed to load (dlopen: ${first}). ${howToFix}`,
      { cause: e },
    );
  }
  if (mod.abi !== NATIVE_ABI || typeof mod.gemm !== 'function') {
    throw new NativeLoadError(`native addon ${file} is stale (interface version ${String(mod.abi)}, this package needs ${NATIVE_ABI}). ${howToFix}`);
  }
  return mod;
}

/**
 * Load the raw addon (cached); NativeLoadError with the reason and the fix
 * when it cannot. `file` overrides the location (tests of the error paths;
 * not cached).
 */
export function loadNativeAddon(file?: string): NativeAddon {
  if (file === undefined && addonCache) return addonCache;
  const custom = file !== undefined;
  file ??= nativeAddonPath();
  if (!existsSync(file)) throw new NativeLoadError(`native addon not found at ${file}. ${HOW_TO_FIX}`);
  const mod = requireAddon(file, HOW_TO_FIX);
  if (!custom) addonCache = mod;
  return mod;
}

/** "avx512 SIMD, AES-NI yes (PRG: vaes), 2 threads": the CPU core's configuration. */
export function describeInfo(i: NativeInfo): string {
  return `${i.simd} SIMD, AES-NI ${i.aesni ? 'yes' : 'no'} (PRG: ${i.aes}), ${i.threads} thread${i.threads === 1 ? '' : 's'}`;
}

/** The native CPU backend as a `Kernels` object. */
export function loadNativeCpu(): Kernels {
  const A = loadNativeAddon();
  return wrapAddon(A, 'cpu', () => describeInfo(A.info()));
}

/**
 * Any build of the addon (CPU, or CUDA-enabled) as a `Kernels` object.
 * `detail` is called on every read: tests and benches may reconfigure the
 * addon after loading.
 */
export function wrapAddon(A: NativeAddon, name: 'cpu' | 'cuda', detail: () => string): Kernels {
  setLargeAllocAdvisor((v) => A.adviseHugePages(v));
  return {
    name,
    get detail() {
      return detail();
    },
    binary: <L extends RingBits>(op: BinaryOp, l: L, a: RingArrayOf<L>, b: RingArrayOf<L>, out?: RingArrayOf<L>) =>
      A.binary(op, l, a, b, out) as RingArrayOf<L>,
    unary: <L extends RingBits>(op: UnaryOp, l: L, a: RingArrayOf<L>, out?: RingArrayOf<L>) => A.unary(op, l, a, out) as RingArrayOf<L>,
    mulScalar: <L extends RingBits>(l: L, a: RingArrayOf<L>, s: bigint, out?: RingArrayOf<L>) => A.mulScalar(l, a, s, out) as RingArrayOf<L>,
    shift: <L extends RingBits>(op: ShiftOp, l: L, a: RingArrayOf<L>, k: number, out?: RingArrayOf<L>) =>
      A.shift(op, l, a, k, out) as RingArrayOf<L>,
    // async: argument errors thrown by the addon become rejections, like the TypeScript backend's.
    gemm: async <L extends GemmBits>(l: L, a: RingArrayOf<L>, b: RingArrayOf<L>, m: number, k: number, n: number, out?: RingArrayOf<L>) =>
      (await A.gemm(l, a, b, m, k, n, out)) as RingArrayOf<L>,
    gemmPm1: async <L extends GemmBits>(l: L, x: RingArrayOf<L>, bPacked: BigUint64Array, m: number, k: number, n: number, out?: RingArrayOf<L>) =>
      (await A.gemmPm1(l, x, bPacked, m, k, n, out)) as RingArrayOf<L>,
    rowGemm: async <L extends GemmBits>(l: L, a: RingArrayOf<L>, b: RingArrayOf<L>, m: number, k: number, n: number, out?: RingArrayOf<L>) =>
      (await A.rowGemm(l, a, b, m, k, n, out)) as RingArrayOf<L>,
    gatherShared: async <L extends RingBits>(table: RingArrayOf<L>, bits: number, idx: RingArray, out?: RingArrayOf<L>) =>
      (await A.gatherShared(table, bits, idx, out)) as RingArrayOf<L>,
    gatherPerElement: async <L extends RingBits>(tables: RingArrayOf<L>, bits: number, idx: RingArray, out?: RingArrayOf<L>) =>
      (await A.gatherPerElement(tables, bits, idx, out)) as RingArrayOf<L>,
    rotateTables: async <L extends RingBits>(table: RingArrayOf<L>, bits: number, rot: Uint32Array, channels: number, blocks: boolean, pairShift: 0 | 1, out?: RingArrayOf<L>) =>
      (await A.rotateTables(table, bits, rot, channels, blocks, pairShift, out)) as RingArrayOf<L>,
    prgFill: async (key: Uint8Array, iv: Uint8Array, out: Uint8Array) => A.prgFill(key, iv, out),
    prgMix: async <L extends RingBits>(key: Uint8Array, iv: Uint8Array, op: 'sub' | 'xor', l: L, data: RingArrayOf<L>) => (await A.prgMix(key, iv, op, l, data)) as RingArrayOf<L>,
    prgGather: async <L extends RingBits>(key: Uint8Array, iv: Uint8Array, l: L, bits: number, idx: RingArray, out?: RingArrayOf<L>) =>
      (await A.prgGather(key, iv, l, bits, idx, out)) as RingArrayOf<L>,
    bitLinkGather: async (tables: Uint8Array, byteBits: number, m: Uint32Array, off: number, c: number, u?: Uint8Array, out?: Uint8Array) =>
      A.bitLinkGather(tables, byteBits, m, off, c, u ?? null, out),
    prgBitLinkGather: async (key: Uint8Array, iv: Uint8Array, byteBits: number, m: Uint32Array, off: number, c: number, u?: Uint8Array, out?: Uint8Array) =>
      A.prgBitLinkGather(key, iv, byteBits, m, off, c, u ?? null, out),
  };
}
