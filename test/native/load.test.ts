/**
 * Loading: the package root is found from src/ (vitest) as from dist/, the
 * backend describes itself, and every load failure is one NativeLoadError
 * saying why and how to fix it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NativeLoadError } from '../../src/errors.js';
import { loadNativeAddon, nativeAddonPath, packageRoot } from '../../src/kernels/native.js';
import { native, nativeAvailable } from './helpers.js';

describe('native addon loading', () => {
  it('finds the lutmpc package root', () => {
    expect(path.basename(nativeAddonPath())).toBe('lutmpc.node');
    expect(nativeAddonPath().startsWith(packageRoot())).toBe(true);
  });

  it('a missing addon is a NativeLoadError that says how to build it', () => {
    const file = path.join(os.tmpdir(), 'lutmpc-no-such-dir', 'lutmpc.node');
    expect(() => loadNativeAddon(file)).toThrow(NativeLoadError);
    expect(() => loadNativeAddon(file)).toThrow(/not found.*npm install.*python3, make/);
  });

  it('a corrupt addon is a NativeLoadError with the dlopen reason', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lutmpc-bad-'));
    const file = path.join(dir, 'lutmpc.node');
    writeFileSync(file, 'this is not a shared object');
    expect(() => loadNativeAddon(file)).toThrow(NativeLoadError);
    try {
      expect(() => loadNativeAddon(file)).toThrow(/lutmpc\.node.*(platform|dlopen).*npm install/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!nativeAvailable)('describes SIMD level, AES-NI and threads', () => {
    expect(native.name).toBe('cpu');
    expect(native.detail).toMatch(/(avx512|avx2|scalar) SIMD, AES-NI (yes|no) \(PRG: \w+\), \d+ threads?/);
  });
});
