/**
 * Loads the CUDA-enabled addon (built by CMake with LUTMPC_CUDA=ON) when it
 * exists and a device answers; otherwise explains why not.
 */
import { NativeLoadError } from '../errors.js';
import type { Kernels } from './types.js';

export function loadNativeCuda(): Kernels {
  throw new NativeLoadError('the CUDA backend is not built in this package (build with LUTMPC_CUDA=ON on a machine with nvcc, see native/cuda/README.md)');
}
