/**
 * CUDA backend: loads the CUDA-enabled build of the addon
 * (build/cuda/lutmpc_cuda.node, made by CMake with LUTMPC_CUDA=ON, or the file
 * named by env LUTMPC_CUDA_ADDON) when it exists and a device answers;
 * otherwise a NativeLoadError says why, and the loader moves on to the CPU.
 *
 * The addon is the CPU addon's glue compiled with LUTMPC_WITH_CUDA: the same
 * functions, where GEMMs of ≥ 2^24 multiply-adds, gathers of ≥ 65536 elements
 * and PRG fills of ≥ 1 MiB run on the GPU and everything smaller (and the
 * synchronous element-wise ops) on its built-in CPU core.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { NativeLoadError } from '../errors.js';
import { describeInfo, packageRoot, requireAddon, wrapAddon, type NativeAddon } from './native.js';
import type { Kernels } from './types.js';

export interface CudaDeviceInfo {
  index: number;
  name: string;
  major: number;
  minor: number;
  /** "major.minor". */
  computeCapability: string;
}

/** Raw surface of the CUDA-enabled addon: the CPU addon's plus device discovery. */
export interface CudaAddon extends NativeAddon {
  /** Usable CUDA devices; 0 (never a throw) without a driver or GPU. */
  cudaDeviceCount(): number;
  /** Name and compute capability of a device (default 0); throws when it does not exist. */
  cudaDeviceInfo(device?: number): CudaDeviceInfo;
}

export const CUDA_HOW_TO_BUILD =
  'Build it in the lutmpc package folder on a machine with nvcc (CUDA >= 11.4), CMake >= 3.18 and the Node headers: ' +
  '`cmake -S . -B build/cuda -DLUTMPC_CUDA=ON -DCMAKE_BUILD_TYPE=Release && cmake --build build/cuda -j`, ' +
  'or set LUTMPC_CUDA_ADDON to the path of a built lutmpc_cuda.node.';

/** Where the CUDA addon is looked for: env LUTMPC_CUDA_ADDON, else <package root>/build/cuda/lutmpc_cuda.node. */
export function cudaAddonPath(): string {
  const env = process.env['LUTMPC_CUDA_ADDON'];
  if (env !== undefined && env !== '') return path.resolve(env);
  return path.join(packageRoot(), 'build', 'cuda', 'lutmpc_cuda.node');
}

const cache = new Map<string, CudaAddon>();

/**
 * Load the raw CUDA-enabled addon (cached per file) without requiring a
 * device; NativeLoadError when the file is missing, fails to load or is a
 * CPU-only build.
 */
export function loadCudaAddon(file: string = cudaAddonPath()): CudaAddon {
  const hit = cache.get(file);
  if (hit) return hit;
  if (!existsSync(file)) throw new NativeLoadError(`CUDA addon not built: ${file} does not exist. ${CUDA_HOW_TO_BUILD}`);
  const mod = requireAddon(file, CUDA_HOW_TO_BUILD) as Partial<CudaAddon> & NativeAddon;
  if (typeof mod.cudaDeviceCount !== 'function' || typeof mod.cudaDeviceInfo !== 'function') {
    throw new NativeLoadError(`${file} is a CPU-only build of the addon (no cudaDeviceCount). ${CUDA_HOW_TO_BUILD}`);
  }
  cache.set(file, mod as CudaAddon);
  return mod as CudaAddon;
}

/** The CUDA backend as a `Kernels` object; NativeLoadError when not built or no device answers. */
export function loadNativeCuda(): Kernels {
  const file = cudaAddonPath();
  const A = loadCudaAddon(file);
  const count = A.cudaDeviceCount();
  if (count <= 0) {
    throw new NativeLoadError(
      `no CUDA device: ${file} loaded, but the CUDA driver reports no usable GPU (driver absent, no GPU, or hidden by CUDA_VISIBLE_DEVICES)`,
    );
  }
  const dev = A.cudaDeviceInfo(0);
  return wrapAddon(A, 'cuda', () => {
    const i = A.info();
    const routing = i.cudaEnabled === false ? 'GPU routing off' : 'large GEMM/gather/PRG on the GPU';
    return `${dev.name} (compute ${dev.computeCapability}, ${count} device${count === 1 ? '' : 's'}), ${routing}; CPU core: ${describeInfo(i)}`;
  });
}
