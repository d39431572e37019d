/**
 * The library's long CPU loops (evaluate, compileModel) let the event loop
 * run while they work, so a Node server calling them keeps answering. A
 * 5 ms ticker runs beside each call on a random BERT and data sized so the
 * call takes over a second; without yielding the ticker never fires until it returns.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tsKernels } from '../../src/kernels/ts.js';
import { compileModel, evaluate } from '../../src/model/api.js';
import { randomSentences, writeRandomBert } from '../../src/model/random-bert.js';

/**
 * The longest gap as a share of the call's run: a call that never yields
 * shows its whole run as one gap (share 1); one that yields every 25 ms
 * (yield.ts) shows gaps of tens of ms in a run of over a second. A share, not
 * a time, so a slow or loaded CI machine stretches both alike.
 */
const MAX_GAP_SHARE = 0.3;

/** Longest wait of a 5 ms interval timer while `f` runs, and how often it fired. */
async function eventLoopGaps(f: () => Promise<unknown>): Promise<{ longestMs: number; ticks: number; totalMs: number }> {
  const t0 = performance.now();
  let last = t0;
  let longestMs = 0;
  let ticks = 0;
  const h = setInterval(() => {
    const now = performance.now();
    longestMs = Math.max(longestMs, now - last);
    last = now;
    ticks++;
  }, 5);
  try {
    await f();
  } finally {
    clearInterval(h);
  }
  const end = performance.now();
  return { longestMs: Math.max(longestMs, end - last), ticks, totalMs: end - t0 };
}

describe('evaluate / compileModel yield to the event loop', () => {
  // Small enough that one sentence and the final compile take a few ms; 800 sentences take over a second.
  const dir = writeRandomBert({ layers: 2, hidden: 48, heads: 2, intermediate: 96, maxPositions: 64, seed: 5 });
  const tmp = mkdtempSync(join(tmpdir(), 'lutmpc-yield-'));
  const tsv = join(tmp, 'data.tsv');
  const program = join(tmp, 'p.lutmpc');
  writeFileSync(tsv, ['text\tlabel', ...randomSentences(800, 8, 40).map((t, i) => `${t}\t${i % 2}`)].join('\n') + '\n');
  beforeAll(async () => {
    // Warm up first: a cold first forward (JIT) is one long block that no yielding can split.
    await compileModel({ modelDir: dir, calibPath: tsv, calibLimit: 8, out: program, kernels: tsKernels });
    await evaluate({ modelDir: dir, dataPath: tsv, mode: 'float', limit: 8 });
    await evaluate({ modelDir: dir, dataPath: tsv, mode: 'int', programPath: program, limit: 8, kernels: tsKernels });
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  it.each([
    ['evaluate float', () => evaluate({ modelDir: dir, dataPath: tsv, mode: 'float' })],
    // The TypeScript kernels never return to the loop inside a forward; the native ones do.
    ['evaluate int', () => evaluate({ modelDir: dir, dataPath: tsv, mode: 'int', programPath: program, kernels: tsKernels })],
    ['compileModel (calibration)', () => compileModel({ modelDir: dir, calibPath: tsv, calibLimit: 800, kernels: tsKernels })],
  ])('%s keeps its longest event-loop gap under a third of the run', async (_name, run) => {
    const g = await eventLoopGaps(run);
    expect(g.ticks).toBeGreaterThanOrEqual(3);
    expect(g.longestMs / g.totalMs, `longest gap ${g.longestMs.toFixed(0)} ms of ${g.totalMs.toFixed(0)} ms`).toBeLessThan(MAX_GAP_SHARE);
  });
});
