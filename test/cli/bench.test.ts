import { describe, expect, it } from 'vitest';
import type { ProtocolBenchReport } from '../../src/bench/protocols.js';
import { borrowOutKind } from '../../src/cli/output.js';
import { runCli } from './run-cli.js';

describe('lutmpc bench protocols', () => {
  it('--quick --json: runtime and table rows, each checked against its declared cost', async () => {
    const r = await runCli(['bench', 'protocols', '--quick', '--json', '--repeats', '1']);
    expect(r.exitCode, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout) as ProtocolBenchReport;
    const names = new Set(rep.rows.map((x) => x.protocol));
    for (const p of ['matmulW', 'mul', 'lut8', 'lut2', 'shift', 'requant', 'rowMax', 'matmul1b']) expect(names.has(p), p).toBe(true);
    for (const row of rep.rows) {
      expect(row.costCheck.mismatches, `${row.protocol} ${row.shape}`).toEqual([]);
      expect(row.online.perParty['P1']!.rounds).toBeGreaterThan(0);
    }
    // Every row declares its cost (lut12 too: two dealings, one round), and the counters match it.
    for (const row of rep.rows) expect(row.costCheck.matches, `${row.protocol} ${row.shape}`).toBe(true);
    expect(rep.network.mode).toBe('computed');
  });

  it('an unknown transport is a clear error', async () => {
    const r = await runCli(['bench', 'protocols', '--quick', '--transports', 'udp']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/unknown transport 'udp'/);
  });

  it('an unknown borrow protocol is a clear error, before any work (bench bert, infer)', async () => {
    const b = await runCli(['bench', 'bert', '--borrow', 'fast']);
    expect(b.exitCode).toBe(1);
    expect(b.stderr).toMatch(/--borrow must be chain or select \(got 'fast'\)/);
    const i = await runCli(['infer', '--model', '/nonexistent', '--text', 'hi', '--borrow', 'x']);
    expect(i.exitCode).toBe(1);
    expect(i.stderr).toMatch(/--borrow must be chain or select \(got 'x'\)/);
  });

  it('an unknown last borrow opening is a clear error, before any work (bench bert, infer)', async () => {
    const b = await runCli(['bench', 'bert', '--borrow-out', 'byte']);
    expect(b.exitCode).toBe(1);
    expect(b.stderr).toMatch(/--borrow-out must be bit, index or ROLE=bit\|index,\.\.\. with ROLE one of linear, score, lnCentre, lnOut, ctx, lnInv, zinv \(got 'byte'\)/);
    const i = await runCli(['infer', '--model', '/nonexistent', '--text', 'hi', '--borrow-out', 'lnCenter=index']);
    expect(i.exitCode).toBe(1);
    expect(i.stderr).toMatch(/--borrow-out must be .* \(got 'lnCenter=index'\)/);
  });

  it('--borrow-out takes a kind for every role or one per role', () => {
    expect(borrowOutKind('index')).toBe('index');
    expect(borrowOutKind('score=index,lnCentre=bit')).toEqual({ score: 'index', lnCentre: 'bit' });
    expect(borrowOutKind(undefined)).toBeUndefined();
    for (const bad of ['score=byte', 'score', 'score=index=bit', 'score=index,', '']) expect(() => borrowOutKind(bad)).toThrow(RangeError);
  });
});
