/**
 * The bench's bookkeeping and the report writer: figures from party reports
 * (per-label sums, exact extrapolation rule), our-side JSON formats, ratios,
 * and the Markdown + SVG output. One small real run over TCP loopback checks
 * that extrapolating one layer to two gives the bytes and rounds of running two.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeOurs, ratios, runCryptenShape, type BenchShape, type CryptenBenchReport } from '../../src/bench/crypten.js';
import { barChartSvg, writeReport } from '../../bench/report.js';
import { transpileSrc } from '../mpc/transpile.js';

const tiny: BenchShape = { layers: 3, hidden: 16, heads: 2, ffn: 32, seq: 6, vocab: 40, labels: 2 };

describe('CrypTen bench figures', () => {
  it('two layers extrapolated to three equal running three (bytes and rounds, every label)', async () => {
    const one = await runCryptenShape(tiny, 2, 'inproc');
    const two = await runCryptenShape(tiny, 3, 'inproc');
    expect(one.layersRun).toBe(2);
    expect(Object.keys(one.figures.perLabel).sort()).toEqual(Object.keys(two.figures.perLabel).sort());
    for (const [l, r] of Object.entries(two.figures.perLabel)) {
      const e = one.figures.perLabel[l]!;
      expect({ l, b: e.onlineBytes, o: e.offlineBytes, r: e.onlineRounds }).toEqual({ l, b: r.onlineBytes, o: r.offlineBytes, r: r.onlineRounds });
    }
    expect(two.figures.total.setupBytes).toBeGreaterThan(0);
  }, 60_000);

  it('three server processes over TCP count the same bytes and rounds as one process', async () => {
    const t = transpileSrc();
    try {
      const procs = await runCryptenShape(tiny, 3, 'tcp', undefined, t.entry('crypten/party-proc.js'));
      const inproc = await runCryptenShape(tiny, 3, 'inproc');
      for (const [l, r] of Object.entries(inproc.figures.perLabel)) {
        const p = procs.figures.perLabel[l]!;
        expect({ l, b: p.onlineBytes, o: p.offlineBytes, r: p.onlineRounds }).toEqual({ l, b: r.onlineBytes, o: r.offlineBytes, r: r.onlineRounds });
      }
      expect(procs.maxRssBytes?.['P1']).toBeGreaterThan(0);
    } finally {
      t.cleanup();
    }
  }, 60_000);

  it('reads the secure engine summary as our side and computes ratios (GELU folded into ffn)', () => {
    const ours = normalizeOurs({ bytesOnline: 30, bytesOffline: 8, bytesSetup: 5, rounds: 3, labels: { ffn: { onlineBytes: 10, onlineRounds: 1, offlineBytes: 4 }, softmax: { onlineBytes: 20, onlineRounds: 2, offlineBytes: 4 } }, onlineMs: { ffn: 100, softmax: 200 } });
    expect(ours.total.onlineBytes).toBe(30);
    expect(ours.total.setupBytes).toBe(5);
    const row = { offlineMs: 10, onlineMs: 100, offlineBytes: 8, onlineBytes: 40, onlineRounds: 4, lanSeconds: 1, wanSeconds: 2 };
    const cr = { system: 'crypten', perLabel: { ffn: row, gelu: row, softmax: row }, total: { ...row, onlineBytes: 120, onlineMs: 300, setupBytes: 0 } };
    const q = ratios(ours, cr);
    expect(q['ffn']!['onlineBytes']).toBe(10 / 80);
    expect(q['softmax']!['onlineRounds']).toBe(2 / 4);
    expect(q['total']!['onlineBytes']).toBe(30 / 120);
    expect(() => normalizeOurs({ nope: 1 })).toThrow(/not a figures JSON/);
  });

  it('reads `lutmpc bench bert --json` output as our side (what --ours-cmd runs)', () => {
    const lab = (s: number, b: number, r: number) => ({ onlineSeconds: s, offlineSeconds: 2 * s, onlineBytes: b, offlineBytes: 10 * b, onlineRounds: r });
    const bench = { shape: { layers: 1 }, secure: { bytesSetup: 7, bytesOnline: 30, perLabel: { ffn: lab(0.1, 10, 1), softmax: lab(0.2, 20, 2) } } };
    const ours = normalizeOurs(bench);
    expect(ours.perLabel['softmax']).toMatchObject({ onlineMs: 200, offlineMs: 400, onlineBytes: 20, offlineBytes: 200, onlineRounds: 2 });
    expect(ours.total).toMatchObject({ onlineBytes: 30, onlineRounds: 3, setupBytes: 7 });
    expect(ours.total.onlineMs).toBeCloseTo(300, 9);
    expect(() => normalizeOurs({ secure: { perLabel: { ffn: { onlineSeconds: 1 } } } }, 'x.json')).toThrow(/x\.json: secure\.perLabel\.ffn\.offlineSeconds is not a number/);
  });
});

describe('report writer', () => {
  it('writes report.md and six well-formed SVG charts with both systems', () => {
    const row = (k: number) => ({ offlineMs: 1000 * k, onlineMs: 500 * k, offlineBytes: 2 ** 20 * k, onlineBytes: 2 ** 22 * k, onlineRounds: 10 * k, lanSeconds: k, wanSeconds: 3 * k });
    const side = (system: string, k: number) => ({ system, perLabel: { qkv: row(k), softmax: row(2 * k) }, total: { ...row(3 * k), setupBytes: 2 ** 24 } });
    const r = {
      kind: 'crypten-bench', date: '2026-01-01T00:00:00Z', machine: { cpus: 2, cpuModel: 'x', memGiB: 24, node: 'v20', kernels: 'cpu' }, transport: 'tcp',
      shape: { layers: 12, hidden: 768, heads: 12, ffn: 3072, seq: 128, vocab: 30522, labels: 2 },
      run: { layersRun: 1, extrapolated: true, note: 'ran 1 of 12', wallSeconds: 1, setupSeconds: 1 },
      networks: { LAN: { latencyMs: 0.5, bandwidthBps: 1e9 }, WAN: { latencyMs: 40, bandwidthBps: 1e8 }, note: 'computed from counts' },
      crypten: side('crypten', 10), ours: side('lutmpc', 1), oursSource: 'x.json',
    } as unknown as CryptenBenchReport;
    r.ratios = ratios(r.ours!, r.crypten);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'crypten-report-'));
    const md = writeReport(r, dir);
    expect(md).toContain('ran 1 of 12');
    expect(md).toContain('computed from counts');
    expect(md).toMatch(/\| total \| 0\.100 \|/);
    const svgs = readdirSync(dir).filter((f) => f.endsWith('.svg'));
    expect(svgs.length).toBe(6);
    for (const f of svgs) {
      const s = readFileSync(path.join(dir, f), 'utf8');
      expect(s.startsWith('<svg')).toBe(true);
      expect(s.trim().endsWith('</svg>')).toBe(true);
      expect(s).toContain('crypten');
      expect(s).toContain('lutmpc');
    }
    rmSync(dir, { recursive: true, force: true });
  });
  it('bar lengths are proportional on a linear axis', () => {
    const svg = barChartSvg('t', 'u', ['a'], [{ name: 'crypten', values: [4] }, { name: 'lutmpc', values: [1] }]);
    const w = [...svg.matchAll(/<rect x="90" y="\d+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(w[0]! / w[1]!).toBeCloseTo(4, 5);
  });
});
