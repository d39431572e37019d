/**
 * `lutmpc serve --local` (three role processes) when a role fails to start:
 * the launcher stops its readiness polls and the other roles, prints the
 * failed role's own error (its log's last lines) and exits 1 at once,
 * instead of polling /ready for ten minutes with no role left.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeRandomBert } from '../../src/model/random-bert.js';
import { transpileSrc } from '../mpc/transpile.js';

function run(entry: string, args: string[], cwd: string, limitMs: number): Promise<{ code: number | null; stderr: string; ms: number; timedOut: boolean }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [entry, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL'); // its roles go too: they watch the IPC channel
    }, limitMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, ms: Date.now() - t0, timedOut });
    });
  });
}

const refused = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(true));
  });

describe('serve --local: a role that fails to start', () => {
  let src: ReturnType<typeof transpileSrc>;
  let work: string;
  let modelDir: string;

  beforeAll(() => {
    src = transpileSrc();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'lutmpc-local-start-'));
    // A model folder with no compiled program, run from a folder with no ../shared training file: the dealer refuses to start.
    modelDir = writeRandomBert({ dir: path.join(work, 'model'), layers: 1, hidden: 16, heads: 2, intermediate: 32, maxPositions: 16, seed: 3 });
    fs.mkdirSync(path.join(work, 'cwd'));
  });
  afterAll(() => {
    src?.cleanup();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("stops every poll and role, prints the role's own error and exits 1 at once", async () => {
    const dir = path.join(work, 'svc');
    const r = await run(src.entry('cli/main.js'), ['serve', '--local', '--dir', dir, '--model', modelDir], path.join(work, 'cwd'), 30_000);
    expect(r.timedOut, `still running after 30 s; stderr:\n${r.stderr}`).toBe(false);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/LutmpcError: role dealer exited with code 1 during start-up; last lines of .*dealer\.log:\ndealer: .*has no compiled program \(model\.lutmpc\): pass programPath \/ --program FILE or calibPath \/ --calib FILE\.tsv/);
    expect(r.ms).toBeLessThan(20_000);
    // P1 and P2 were stopped with it: nothing listens on their ports any more.
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'lutmpc-serve.json'), 'utf8')) as { parties: Record<string, { http: { port: number }; peer: { port: number } }> };
    for (const role of ['p1', 'p2', 'dealer']) {
      expect(await refused(cfg.parties[role]!.http.port)).toBe(true);
      expect(await refused(cfg.parties[role]!.peer.port)).toBe(true);
    }
  }, 60_000);
});
