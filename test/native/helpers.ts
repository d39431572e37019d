/**
 * Shared setup for the native-backend conformance tests: loads the addon
 * once; when it was never built the suites skip with a visible warning
 * (set LUTMPC_REQUIRE_NATIVE=1 to make that a failure instead). An addon
 * that exists but fails to load is always a failure.
 */
import { existsSync } from 'node:fs';
import { loadNativeAddon, loadNativeCpu, nativeAddonPath, type NativeAddon } from '../../src/kernels/native.js';
import type { Kernels, RingArray } from '../../src/kernels/types.js';

const built = existsSync(nativeAddonPath());
if (!built && !process.env['LUTMPC_REQUIRE_NATIVE']) {
  console.warn(`native tests skipped: ${nativeAddonPath()} is not built (run \`npm run build\`)`);
}

export const nativeAvailable = built || !!process.env['LUTMPC_REQUIRE_NATIVE'];
export const addon: NativeAddon = nativeAvailable ? loadNativeAddon() : (undefined as unknown as NativeAddon);
export const native: Kernels = nativeAvailable ? loadNativeCpu() : (undefined as unknown as Kernels);

/** Pool size and SIMD level at load time, for tests that reconfigure and restore. */
export const initialInfo = nativeAvailable ? addon.info() : undefined;

/** Undo any configure() a test made. */
export function restoreConfig(): void {
  if (!initialInfo) return;
  addon.configure({
    threads: initialInfo.threads,
    simd: initialInfo.simd as 'scalar' | 'avx2' | 'avx512',
    aesni: initialInfo.aesni,
  });
}

/** SIMD levels this CPU supports, lowest first (each test restores the best one). */
export function simdLevels(): ('scalar' | 'avx2' | 'avx512')[] {
  if (!nativeAvailable) return [];
  const best = addon.info().simdDetected;
  return best === 'avx512' ? ['scalar', 'avx2', 'avx512'] : best === 'avx2' ? ['scalar', 'avx2'] : ['scalar'];
}

/** Element-wise equality with a useful first-mismatch message. */
export function firstMismatch(a: RingArray, b: RingArray): string | undefined {
  if (a.constructor !== b.constructor) return `types differ: ${a.constructor.name} vs ${b.constructor.name}`;
  if (a.length !== b.length) return `lengths differ: ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `index ${i}: ${String(a[i])} vs ${String(b[i])}`;
  return undefined;
}
