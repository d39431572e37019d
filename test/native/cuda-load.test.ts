/**
 * The CUDA backend's loading and routing: a missing, corrupt or CPU-only
 * CUDA addon is one NativeLoadError saying why; with the addon built but no
 * device the loader falls back to the CPU and records the reason; the
 * CUDA-enabled addon's large kernels (the sizes it sends to a GPU when one is
 * present, else to its built-in CPU core) match the TypeScript oracle,
 * node:crypto and the CPU core.
 *
 * The kernel checks run wherever build/cuda/lutmpc_cuda.node exists (or env
 * LUTMPC_CUDA_ADDON names one); on a GPU machine they exercise the GPU path.
 */
import { createCipheriv, randomFillSync } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NativeLoadError } from '../../src/errors.js';
import { cudaAddonPath, loadCudaAddon, loadNativeCuda, type CudaAddon } from '../../src/kernels/cuda.js';
import { loadKernels } from '../../src/kernels/loader.js';
import { nativeAddonPath } from '../../src/kernels/native.js';
import { tsKernels } from '../../src/kernels/ts.js';
import type { RingArray } from '../../src/kernels/types.js';
import { firstMismatch } from './helpers.js';

const cudaFile = cudaAddonPath();
const cudaBuilt = existsSync(cudaFile);
if (!cudaBuilt) {
  console.warn(
    `CUDA addon tests partly skipped: ${cudaFile} is not built ` +
      '(cmake -S . -B build/cuda -DLUTMPC_CUDA=ON -DCMAKE_BUILD_TYPE=Release && cmake --build build/cuda -j)',
  );
}
const cpuBuilt = existsSync(nativeAddonPath());
const A: CudaAddon | undefined = cudaBuilt ? loadCudaAddon() : undefined;
const devices = A ? A.cudaDeviceCount() : 0;

/** Run `fn` with env `name` set to `value` (undefined: removed), then restore it. */
function withEnv<T>(name: string, value: string | undefined, fn: () => T): T {
  const old = process.env[name];
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  try {
    return fn();
  } finally {
    if (old === undefined) delete process.env[name];
    else process.env[name] = old;
  }
}

function rand32(n: number): Uint32Array {
  return randomFillSync(new Uint32Array(n));
}
function rand64(n: number): BigUint64Array {
  return randomFillSync(new BigUint64Array(n));
}
function expectSame(got: RingArray, want: RingArray, what: string): void {
  expect(firstMismatch(got, want), what).toBeUndefined();
}

describe('CUDA addon: load failures', () => {
  it('a missing addon says it is not built and how to build it', () => {
    const file = path.join(os.tmpdir(), 'lutmpc-no-such-dir', 'lutmpc_cuda.node');
    withEnv('LUTMPC_CUDA_ADDON', file, () => {
      expect(cudaAddonPath()).toBe(file);
      expect(() => loadNativeCuda()).toThrow(NativeLoadError);
      expect(() => loadNativeCuda()).toThrow(/CUDA addon not built: .*lutmpc_cuda\.node does not exist.*-DLUTMPC_CUDA=ON/);
    });
  });

  it('a corrupt addon is a NativeLoadError with the dlopen reason', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lutmpc-badcuda-'));
    const file = path.join(dir, 'lutmpc_cuda.node');
    writeFileSync(file, 'not a shared object');
    try {
      expect(() => loadCudaAddon(file)).toThrow(NativeLoadError);
      expect(() => loadCudaAddon(file)).toThrow(/lutmpc_cuda\.node.*(platform|dlopen).*LUTMPC_CUDA=ON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!cpuBuilt)('the CPU-only addon is refused as a CUDA addon', () => {
    expect(() => loadCudaAddon(nativeAddonPath())).toThrow(/CPU-only build of the addon/);
  });
});

describe('CUDA addon: device discovery and loader choice', () => {
  const savedBackend = process.env['LUTMPC_BACKEND'];
  afterAll(() => {
    if (savedBackend === undefined) delete process.env['LUTMPC_BACKEND'];
    else process.env['LUTMPC_BACKEND'] = savedBackend;
  });

  it.skipIf(!cudaBuilt)('loads and counts devices without crashing (0 without a GPU)', () => {
    expect(Number.isInteger(devices) && devices >= 0).toBe(true);
    const info = A!.info();
    expect(info.cudaBuilt).toBe(true);
    expect(info.cudaDeviceCount).toBe(devices);
    expect(info.backend).toBe(devices > 0 ? 'cuda' : 'cpu');
    expect(() => A!.configure({ cuda: 'yes' as unknown as boolean })).toThrow(/option 'cuda' must be a boolean/);
  });

  it.skipIf(!cudaBuilt || devices > 0)('without a device: a clear NativeLoadError, and cudaDeviceInfo throws', () => {
    expect(A!.info().device).toBeNull();
    expect(() => A!.cudaDeviceInfo(0)).toThrow(/0 CUDA device/);
    expect(() => loadNativeCuda()).toThrow(NativeLoadError);
    expect(() => loadNativeCuda()).toThrow(/no CUDA device/);
  });

  it.skipIf(devices === 0)('with a device: the cuda backend names the GPU', () => {
    const dev = A!.cudaDeviceInfo(0);
    expect(dev.name.length).toBeGreaterThan(0);
    expect(dev.computeCapability).toBe(`${dev.major}.${dev.minor}`);
    expect(A!.info().device).toBe(dev.name);
    const K = loadNativeCuda();
    expect(K.name).toBe('cuda');
    expect(K.detail).toContain(dev.name);
  });

  it('the default loader picks the CPU addon, CUDA only when it alone loads, and records why', () => {
    delete process.env['LUTMPC_BACKEND'];
    const { report } = loadKernels({ quiet: true });
    if (cpuBuilt) {
      expect(report.backend).toBe('cpu');
      expect(report.skipped).toEqual([]);
      return;
    }
    expect(report.skipped[0]?.backend).toBe('cpu');
    if (devices > 0) {
      expect(report.backend).toBe('cuda');
      return;
    }
    expect(report.backend).toBe('ts');
    expect(report.skipped[1]?.backend).toBe('cuda');
    expect(report.skipped[1]?.reason).toMatch(cudaBuilt ? /no CUDA device/ : /CUDA addon not built/);
  });
});

// Every size below is at or just above the GPU routing threshold
// (GEMM >= 2^24 multiply-adds, shared-table gathers >= 65536 elements, PRG
// >= 1 MiB; per-element gathers stay on the CPU core, cuda_route.h).
describe.skipIf(!cudaBuilt)('CUDA addon: large kernels are exact', () => {
  afterAll(() => {
    A?.configure({ cuda: true });
  });

  it('gemm mod 2^32 (130 x 300 x 431) matches the TypeScript oracle', async () => {
    const [m, k, n] = [130, 300, 431];
    const a = rand32(m * k), b = rand32(k * n);
    const got = await A!.gemm(32, a, b, m, k, n);
    expectSame(got, await tsKernels.gemm(32, a, b, m, k, n), 'gemm l=32');
    const inPlace = new Uint32Array(m * n).fill(7);
    expect(await A!.gemm(32, a, b, m, k, n, inPlace)).toBe(inPlace);
    expectSame(inPlace, got, 'gemm l=32 into out');
  });

  it('gemm mod 2^64 (67 x 513 x 490) matches BigInt spot checks and the CPU core', async () => {
    const [m, k, n] = [67, 513, 490];
    const a = rand64(m * k), b = rand64(k * n);
    A!.configure({ cuda: true });
    const got = (await A!.gemm(64, a, b, m, k, n)) as BigUint64Array;
    for (const [i, j] of [[0, 0], [m - 1, n - 1], [33, 250], [66, 0], [0, 489], [17, 129]] as const) {
      let s = 0n;
      for (let t = 0; t < k; t++) s += a[i * k + t]! * b[t * n + j]!;
      expect(got[i * n + j], `C[${i}][${j}]`).toBe(s & 0xffff_ffff_ffff_ffffn);
    }
    A!.configure({ cuda: false });
    expectSame(got, await A!.gemm(64, a, b, m, k, n), 'gemm l=64 vs CPU core');
    A!.configure({ cuda: true });
  });

  it('gemmPm1 mod 2^32 and 2^64 (100 x 700 x 240) match the oracle and the CPU core', async () => {
    const [m, k, n] = [100, 700, 240];
    const words = Math.ceil(k / 64);
    const bp = rand64(n * words);
    const x32 = rand32(m * k);
    expectSame(await A!.gemmPm1(32, x32, bp, m, k, n), await tsKernels.gemmPm1(32, x32, bp, m, k, n), 'gemmPm1 l=32');
    const x64 = rand64(m * k);
    A!.configure({ cuda: true });
    const got = await A!.gemmPm1(64, x64, bp, m, k, n);
    A!.configure({ cuda: false });
    expectSame(got, await A!.gemmPm1(64, x64, bp, m, k, n), 'gemmPm1 l=64 vs CPU core');
    A!.configure({ cuda: true });
  });

  it('gatherShared (70001 reads of a 2^12 table) matches the oracle for each index ring', async () => {
    const bits = 12, n = 70_001;
    const table = rand32(1 << bits);
    for (const idx of [randomFillSync(new Uint8Array(n)), randomFillSync(new Uint16Array(n)), rand32(n), rand64(n)]) {
      const got = await A!.gatherShared(table, bits, idx);
      expectSame(got, await tsKernels.gatherShared(table, bits, idx), `gatherShared idx ${idx.constructor.name}`);
    }
  });

  it('gatherPerElement (65536 tables of 2^4 entries, mod 2^64 and 2^16) matches the oracle', async () => {
    const bits = 4, n = 65_536;
    const idx = randomFillSync(new Uint16Array(n));
    const t64 = rand64(n << bits);
    expectSame(await A!.gatherPerElement(t64, bits, idx), await tsKernels.gatherPerElement(t64, bits, idx), 'gatherPerElement l=64');
    const t16 = randomFillSync(new Uint16Array(n << bits));
    expectSame(await A!.gatherPerElement(t16, bits, idx), await tsKernels.gatherPerElement(t16, bits, idx), 'gatherPerElement l=16');
  });

  it('prgFill (1 MiB + 5 bytes, counter wrapping past 2^128) equals node:crypto aes-128-ctr', async () => {
    const key = randomFillSync(new Uint8Array(16));
    const iv = new Uint8Array(16).fill(0xff);
    iv[15] = 0xf0;
    const out = new Uint8Array((1 << 20) + 5);
    expect(await A!.prgFill(key, iv, out)).toBe(out);
    const c = createCipheriv('aes-128-ctr', key, iv);
    const want = new Uint8Array(Buffer.concat([c.update(new Uint8Array(out.length)), c.final()]));
    expectSame(out, want, 'prgFill');
  });
});
