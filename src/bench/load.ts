/**
 * Bounded load test of the secure inference service on loopback: the three
 * roles as separate processes (generated certificates, mutual TLS), N
 * requests from this process through the client SDK at a fixed concurrency,
 * every answer checked against the plaintext IntBert reference logits.
 *
 * Reported: requests, answers ok / wrong / lost (errors), latency p50, p90,
 * p99, mean (client side: classify() call to logits), throughput over the
 * timed window, plus the service's dealings (each session consumes one
 * freshly dealt item; the dealer refills in the background) from /metrics.
 *
 * Latency includes waiting for material when the pool has none of the
 * request's length: the offline dealing of a session costs about 10–20× its
 * online phase, so on a small machine throughput is bounded by dealing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '../client/index.js';
import { LutmpcError } from '../errors.js';
import { getKernels } from '../kernels/loader.js';
import { readTsv } from '../model/data.js';
import { IntBert } from '../model/int-bert.js';
import { saveProgram } from '../model/program.js';
import type { SecureOptions } from '../secure/forward.js';
import { resolveProgram } from '../secure/model-source.js';
import { startLocalProcesses, waitReady, writeLocalDeployment } from '../server/local.js';

export interface LoadTestOptions {
  modelDir: string;
  /** Calibration TSV and how many of its first lines (default 256). */
  calib: string;
  calibLimit?: number;
  /** Texts to send (TSV; cycled when shorter than `requests`). */
  data: string;
  requests?: number;
  concurrency?: number;
  /** Longest accepted sequence (longer texts are truncated by the client). */
  maxTokens?: number;
  /** Pool settings of the dealer. */
  pool?: { perLength?: number; maxItems?: number; concurrency?: number; lengths?: number[] };
  /** Deal every distinct request length's material before the timed window (pool stocked: latency is the online path). */
  prestock?: boolean;
  /** Protocol options of the deployment (config `secure`: chunk, borrow, borrowOut). */
  secure?: SecureOptions;
  /** Role entry script (default: next to the compiled server module). */
  entry?: string;
  log?: (msg: string) => void;
}

export interface LoadTestReport {
  requests: number;
  concurrency: number;
  /** The deployment's protocol options (empty: the defaults). */
  secure: SecureOptions;
  ok: number;
  wrong: number;
  lost: number;
  errors: string[];
  latencyMs: { p50: number; p90: number; p99: number; mean: number; max: number };
  throughputPerSec: number;
  wallSeconds: number;
  tokens: { min: number; max: number; mean: number; distinct: number };
  dealings: number;
  dealMsP50: number;
  sessionMsP50: number;
  /** P1: waiting for pooled or freshly dealt material (p50), and the online phase (p50). */
  materialWaitMsP50: number;
  onlineMsP50: number;
  machine: string;
}

function quantile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

function scrape(text: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

export async function runLoadTest(o: LoadTestOptions): Promise<LoadTestReport> {
  const log = o.log ?? (() => undefined);
  const N = o.requests ?? 200;
  const conc = o.concurrency ?? 8;
  const maxTokens = o.maxTokens ?? 64;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lutmpc-load-'));
  const procs: Awaited<ReturnType<typeof startLocalProcesses>>[] = [];
  try {
    log(`compiling ${o.modelDir} on the first ${o.calibLimit ?? 256} lines of ${o.calib}`);
    const m = await resolveProgram({ modelDir: o.modelDir, calibPath: o.calib, calibLimit: o.calibLimit ?? 256, warn: log });
    const programPath = path.join(dir, 'model.lutmpc');
    saveProgram(m.program, programPath);
    const rows = readTsv(o.data, N);
    if (!rows.length) throw new LutmpcError(`${o.data} has no rows`);
    const texts = Array.from({ length: N }, (_, i) => rows[i % rows.length]!.text);
    const ids = texts.map((t) => m.hf.tokenizer.encode(t, Math.min(maxTokens, m.program.config.maxPositions)).ids);
    const ref = new IntBert(m.program, getKernels());
    const want = new Map<string, number[]>();
    for (const x of ids) {
      const k = x.join(',');
      if (!want.has(k)) want.set(k, Array.from((await ref.forward(x)).logits));
    }
    const lens = ids.map((x) => x.length);
    const counts = new Map<number, number>();
    for (const l of lens) counts.set(l, (counts.get(l) ?? 0) + 1);
    const s = await writeLocalDeployment(dir, {
      model: { name: 'bert-tiny-sst2', dir: o.modelDir, program: programPath },
      overrides: {
        log: { level: 'warn' },
        ...(o.secure ? { secure: o.secure } : {}),
        limits: { maxTokens, maxSessions: Math.max(16, conc * 2), messageTimeoutMs: 60_000, materialWaitMs: 600_000 },
        pool: o.prestock
          ? { perLength: Math.max(...counts.values()), lengths: [...counts.keys()], maxLengths: 0, maxItems: N, concurrency: o.pool?.concurrency ?? 2, refill: false }
          : { perLength: o.pool?.perLength ?? 0, lengths: o.pool?.lengths ?? [], maxLengths: 16, maxItems: o.pool?.maxItems ?? 8, concurrency: o.pool?.concurrency ?? 2 },
      },
    });
    log(`starting the three roles (files in ${dir})`);
    const p = await startLocalProcesses(s, { entry: o.entry, logDir: dir });
    procs.push(p);
    const ca = fs.readFileSync(s.ca);
    await waitReady(s.p1Url, ca, 60_000);
    const client = new Client({ p1: s.p1Url, p2: s.p2Url, token: s.token, ca, tokenizer: m.hf.tokenizer, timeoutMs: 600_000 });
    if (o.prestock) {
      log(`pre-dealing material for ${N} sessions before timing`);
      for (;;) {
        const st = JSON.parse(await fetchText(`${s.p1Url}/ready`, ca)) as { pool?: { readyItems: number } };
        if ((st.pool?.readyItems ?? 0) >= N) break;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    log(`sending ${N} requests at concurrency ${conc}`);
    const lat: number[] = [];
    const errors: string[] = [];
    let ok = 0;
    let wrong = 0;
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: conc }, async () => {
        for (;;) {
          const i = next++;
          if (i >= N) return;
          const t = performance.now();
          try {
            const r = await client.classifyIds(ids[i]!);
            lat.push(performance.now() - t);
            const w = want.get(ids[i]!.join(','))!;
            if (r.logits.length === w.length && r.logits.every((v, j) => v === w[j])) ok++;
            else wrong++;
          } catch (e) {
            errors.push(`#${i}: ${(e as Error).message}`);
          }
          if ((ok + wrong + errors.length) % 20 === 0) log(`${ok + wrong + errors.length}/${N} done`);
        }
      }),
    );
    const wall = (performance.now() - t0) / 1000;
    client.close();
    const metricsText = await fetchText(`${s.p0Url}/metrics`, ca);
    const p1Text = await fetchText(`${s.p1Url}/metrics`, ca);
    const sorted = [...lat].sort((a, b) => a - b);
    const codes = await Promise.all(Object.values(p).map((x) => x.stop('SIGTERM')));
    procs.pop();
    if (codes.some((c) => c !== 0)) errors.push(`a role exited with code ${codes.join(',')} on SIGTERM`);
    return {
      requests: N,
      concurrency: conc,
      secure: o.secure ?? {},
      ok,
      wrong,
      lost: N - ok - wrong,
      errors: errors.slice(0, 10),
      latencyMs: { p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), p99: quantile(sorted, 0.99), mean: sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length), max: sorted[sorted.length - 1] ?? 0 },
      throughputPerSec: ok / wall,
      wallSeconds: wall,
      tokens: { min: Math.min(...lens), max: Math.max(...lens), mean: lens.reduce((a, b) => a + b, 0) / lens.length, distinct: new Set(lens).size },
      dealings: scrape(metricsText, 'lutmpc_dealings_total'),
      dealMsP50: quantileFrom(metricsText, 'lutmpc_deal_ms'),
      sessionMsP50: quantileFrom(p1Text, 'lutmpc_session_ms'),
      materialWaitMsP50: quantileFrom(p1Text, 'lutmpc_material_wait_ms'),
      onlineMsP50: quantileFrom(p1Text, 'lutmpc_online_ms'),
      machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
    };
  } finally {
    for (const p of procs) await Promise.all(Object.values(p).map((x) => x.stop('SIGKILL')));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function quantileFrom(text: string, name: string): number {
  const m = new RegExp(`^${name}\\{[^}]*quantile="0\\.5"[^}]*\\} ([0-9.]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

async function fetchText(url: string, ca: Buffer): Promise<string> {
  const https = await import('node:https');
  return new Promise((resolve) => {
    https
      .get(url, { ca, checkServerIdentity: () => undefined }, (res) => {
        let b = '';
        res.on('data', (c: Buffer) => (b += c.toString()));
        res.on('end', () => resolve(b));
      })
      .on('error', () => resolve(''));
  });
}
