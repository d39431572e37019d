/**
 * Async kernels run off the event loop: a setImmediate callback fires while
 * a large GEMM is still running, and concurrent calls all complete correctly
 * while their input arrays are otherwise unreferenced (kept alive by the
 * addon). Not a timing test: it only checks the order of events. (Calls
 * below ~2M MACs / 64K elements run inline and return a settled Promise.)
 */
import { describe, expect, it } from 'vitest';
import { randomRing } from '../../src/kernels/selftest.js';
import { tsKernels as ts } from '../../src/kernels/ts.js';
import { firstMismatch, native, nativeAvailable } from './helpers.js';

describe.skipIf(!nativeAvailable)('native async kernels', () => {
  it('a setImmediate fires before a big gemm settles', async () => {
    const [m, k, n] = [512, 1024, 1024];
    const a = randomRing(32, m * k), b = randomRing(32, k * n);
    const events: string[] = [];
    const p = native.gemm(32, a, b, m, k, n).then(() => events.push('gemm'));
    await new Promise<void>((resolve) => setImmediate(() => (events.push('immediate'), resolve())));
    await p;
    expect(events).toEqual(['immediate', 'gemm']);
  });

  it('concurrent calls with dropped input references all complete correctly', async () => {
    const jobs: Promise<boolean>[] = [];
    for (let r = 0; r < 6; r++) {
      const [m, k, n] = [64, 300 + r, 128]; // above the addon's inline threshold: really queued
      const a = randomRing(32, m * k), b = randomRing(32, k * n);
      const want = ts.gemm(32, a, b, m, k, n);
      // Only copies stay referenced here: the originals are held by the addon alone.
      jobs.push(
        native.gemm(32, a.slice(), b.slice(), m, k, n).then(async (c) => firstMismatch(c, await want) === undefined),
      );
      jobs.push(native.prgFill(new Uint8Array(16).fill(r), new Uint8Array(16), new Uint8Array(1 << 18)).then((o) => o.length === 1 << 18));
    }
    (globalThis as { gc?: () => void }).gc?.();
    expect(await Promise.all(jobs)).toEqual(new Array(12).fill(true));
  });
});
