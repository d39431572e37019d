/**
 * Picks the kernel backend once per process: native CPU → CUDA (addon built
 * with it and a device present) → plain TypeScript.
 *
 * Why the CPU addon before CUDA: the CUDA addon's host-pointer kernels copy
 * their operands over PCIe on every call, and two compute parties share one
 * GPU by time slicing; on an H200 host (16 Xeon cores, 2026-12-04) a secure
 * BERT-base forward took 10.8 s online with CUDA and 1.6 s on the CPU addon.
 * CUDA is used when asked for (`--backend cuda`, LUTMPC_BACKEND=cuda) or when
 * it is the only native addon that loads.
 *
 * `LUTMPC_BACKEND=cuda|cpu|ts` forces one; a forced backend that cannot load
 * is an error. Without it, a missing addon falls back to TypeScript with one
 * warning that says why and how to fix it.
 */
import { NativeLoadError } from '../errors.js';
import { loadNativeCuda } from './cuda.js';
import { loadNativeCpu } from './native.js';
import { tsKernels } from './ts.js';
import type { BackendName, Kernels } from './types.js';

export interface LoadReport {
  backend: BackendName;
  detail: string;
  /** Why faster backends were passed over, in order tried. */
  skipped: { backend: BackendName; reason: string }[];
}

let cached: { kernels: Kernels; report: LoadReport } | undefined;

function parseForced(v: string | undefined): BackendName | undefined {
  if (v === undefined || v === '') return undefined;
  if (v === 'cuda' || v === 'cpu' || v === 'ts') return v;
  throw new NativeLoadError(`backend '${v}' is not a backend (use cuda, cpu or ts; from --backend or LUTMPC_BACKEND)`);
}

/** Load a backend by name, throwing NativeLoadError with the reason when it cannot. */
export function loadBackend(name: BackendName): Kernels {
  switch (name) {
    case 'ts':
      return tsKernels;
    case 'cpu':
      return loadNativeCpu();
    case 'cuda':
      return loadNativeCuda();
  }
}

/** Load (or return the cached) best backend and a report of the choice. */
export function loadKernels(options: { backend?: BackendName; quiet?: boolean } = {}): { kernels: Kernels; report: LoadReport } {
  const forced = options.backend !== undefined ? parseForced(options.backend) : parseForced(process.env['LUTMPC_BACKEND']);
  if (forced !== undefined) {
    const kernels = loadBackend(forced);
    return { kernels, report: { backend: kernels.name, detail: kernels.detail, skipped: [] } };
  }
  if (cached) return cached;
  const skipped: LoadReport['skipped'] = [];
  for (const name of ['cpu', 'cuda'] as const) {
    try {
      const kernels = loadBackend(name);
      cached = { kernels, report: { backend: name, detail: kernels.detail, skipped } };
      return cached;
    } catch (e) {
      skipped.push({ backend: name, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  const cpuReason = skipped.find((s) => s.backend === 'cpu')?.reason ?? 'unknown';
  if (!options.quiet) {
    process.emitWarning(`lutmpc: native addon unavailable, using the slow TypeScript backend. ${cpuReason}`, { code: 'LUTMPC_NO_NATIVE' });
  }
  cached = { kernels: tsKernels, report: { backend: 'ts', detail: tsKernels.detail, skipped } };
  return cached;
}

/** The process-wide kernel backend. */
export function getKernels(): Kernels {
  return loadKernels().kernels;
}
