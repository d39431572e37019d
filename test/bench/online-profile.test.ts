/**
 * The online-phase profile: the trace the parties write (LUTMPC_ONLINE_TRACE)
 * has one balanced window per segment for each compute party, in both the
 * in-memory and the streamed forward; the analyzer keeps only samples inside
 * a process's windows, in both `perf script` layouts, and sorts them into
 * categories.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { categorize, parseOnlineTrace, perfSamples, profileOnline, shortSymbol } from '../../src/bench/online-profile.js';
import { FormatError } from '../../src/errors.js';
import { InProcessSecure } from '../../src/secure/inprocess.js';
import { compileRandom, idsOfLength } from '../secure/helpers.js';

const ns = (s: number): string => String(BigInt(Math.round(s * 1e6)) * 1000n);

describe('online trace file', () => {
  it('pairs S and E per process and rejects malformed or unbalanced lines', () => {
    const t = parseOnlineTrace(`10 P1 S ${ns(1)}\n11 P2 S ${ns(1.1)}\n10 P1 E ${ns(2)}\n10 P1 S ${ns(3)}\n11 P2 E ${ns(2.5)}\n10 P1 E ${ns(3.5)}\n`);
    expect(t).toEqual([
      { pid: '10', party: 'P1', windows: [{ start: 1, end: 2 }, { start: 3, end: 3.5 }] },
      { pid: '11', party: 'P2', windows: [{ start: 1.1, end: 2.5 }] },
    ]);
    expect(() => parseOnlineTrace('10 P1 X 5\n')).toThrow(FormatError);
    expect(() => parseOnlineTrace('10 P1 S 5\n10 P1 S 6\n')).toThrow(/opens a window before closing/);
    expect(() => parseOnlineTrace('10 P1 E 5\n')).toThrow(/closes a window it never opened/);
  });
});

describe('perf script samples', () => {
  it('reads the first frame with and without call chains', () => {
    const flat = ' 10/10  5.000100:      7f00 micro_body<unsigned int, 6, 2> (/x/lutmpc.node)\n    0/0  5.0002:  ffff pv_native_safe_halt ([kernel.kallsyms])\n';
    const chained = '10/12 5.5: \n\t    7f01 __memmove_avx_unaligned_erms (/usr/lib/libc.so.6)\n\t    7f02 lutmpc::gemm (/x/lutmpc.node)\n\n';
    expect([...perfSamples(flat + chained)]).toEqual([
      { pid: '10', time: 5.0001, symbol: 'micro_body<unsigned int, 6, 2>', dso: '/x/lutmpc.node' },
      { pid: '0', time: 5.0002, symbol: 'pv_native_safe_halt', dso: '[kernel.kallsyms]' },
      { pid: '10', time: 5.5, symbol: '__memmove_avx_unaligned_erms', dso: '/usr/lib/libc.so.6' },
    ]);
  });

  it('sorts leaf frames into categories', () => {
    expect(categorize('lutmpc::detail::(anonymous namespace)::micro_body<unsigned int, 6, 2>', 'lutmpc.node')).toBe('gemm microkernel');
    expect(categorize('lutmpc::aes128_ctr_gather(...)', 'lutmpc.node')).toBe('other native (lutmpc)');
    expect(categorize('__memset_avx2_unaligned_erms', 'libc.so.6')).toBe('memory copy/fill');
    expect(categorize('JS:*finalIndex file:///x.js:1:1', '/tmp/perf-10.map')).toBe('JavaScript');
    expect(categorize('v8::internal::Sweeper::RawSweep', '/usr/bin/node')).toBe('V8 and node runtime');
    expect(categorize('clear_page_erms', '[kernel.kallsyms]')).toBe('OS kernel');
  });

  it('shortens thread-pool task and C++ names', () => {
    expect(shortSymbol('std::_Function_handler<void (unsigned long, unsigned long), lutmpc::(anonymous namespace)::gather_t<unsigned int>(bool)::{lambda(auto:1)#1}>::_M_invoke')).toBe('lutmpc::gather_t (pool task)');
    expect(shortSymbol('lutmpc::aes128_ctr_gather(unsigned char const*, unsigned long)::{lambda(unsigned long, unsigned long)#1}::operator()')).toBe('lutmpc::aes128_ctr_gather');
    expect(shortSymbol('JS:*finalIndex file:///x/borrow-chain.js:174:27')).toBe('JS:*finalIndex file:///x/borrow-chain.js:174:27');
    expect(shortSymbol('lutmpc::(anonymous namespace)::index_at<unsigned int>(unsigned int const*, unsigned long)')).toBe('lutmpc::index_at<unsigned int>');
    expect(shortSymbol('lutmpc::detail::(anonymous namespace)::micro_body<unsigned int, 6, 2>')).toBe('lutmpc::detail::micro_body<unsigned int, 6, 2>');
  });

  it('counts only the samples of a traced process inside its windows', () => {
    const trace = `10 P1 S ${ns(1)}\n10 P1 E ${ns(2)}\n20 P2 S ${ns(1)}\n20 P2 E ${ns(3)}\n`;
    const line = (pid: number, t: number, sym: string, dso: string): string => `${pid}/${pid} ${t.toFixed(6)}: 1 ${sym} (${dso})\n`;
    const perf =
      line(10, 0.5, 'micro_body<x>', 'l.node') + // before the window
      line(10, 1.5, 'micro_body<x>', 'l.node') +
      line(10, 1.6, 'micro_body<x>', 'l.node') +
      line(10, 1.7, '__memmove_avx', 'libc.so.6') +
      line(10, 2.5, 'micro_body<x>', 'l.node') + // after it
      line(20, 2.5, 'JS:*f', '/tmp/perf-20.map') +
      line(30, 1.5, 'micro_body<x>', 'l.node'); // not traced
    const [p1, p2] = profileOnline(trace, perf, { freq: 10 });
    expect(p1).toMatchObject({ party: 'P1', windowSeconds: 1, cpuSeconds: 0.3 });
    expect(p1!.byCategory['gemm microkernel']).toBeCloseTo(0.2, 12);
    expect(p1!.byCategory['memory copy/fill']).toBeCloseTo(0.1, 12);
    expect(p1!.top[0]).toEqual({ symbol: 'micro_body<x>', seconds: 0.2 });
    expect(p2).toMatchObject({ party: 'P2', windowSeconds: 2, cpuSeconds: 0.1 });
    expect(() => profileOnline('', perf, { freq: 10 })).toThrow(/no windows/);
  });
});

describe('LUTMPC_ONLINE_TRACE from a secure forward', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lutmpc-trace-'));
  const c = compileRandom({ layers: 1, hidden: 16, heads: 2, intermediate: 32, maxPositions: 12, seed: 3 });
  let s: InProcessSecure;
  beforeAll(async () => {
    s = await InProcessSecure.start(c.program);
  });
  afterAll(async () => {
    await s.close();
    delete process.env['LUTMPC_ONLINE_TRACE'];
    rmSync(dir, { recursive: true, force: true });
  });

  for (const stream of [false, true]) {
    it(`${stream ? 'streamed' : 'in memory'}: one window per online segment for P1 and P2, none for P0`, async () => {
      const file = path.join(dir, `${stream}.txt`);
      process.env['LUTMPC_ONLINE_TRACE'] = file;
      const t0 = process.hrtime.bigint();
      await s.infer(idsOfLength(6, c.program.config.vocabSize, 1), { stream });
      const t1 = process.hrtime.bigint();
      delete process.env['LUTMPC_ONLINE_TRACE'];
      const traces = parseOnlineTrace(readFileSync(file, 'utf8'));
      expect(traces.map((t) => t.party).sort()).toEqual(['P1', 'P2']); // one process: one pid, two parties in turn
      const lo = Number(t0 / 1000n) / 1e6, hi = Number(t1 / 1000n) / 1e6;
      for (const t of traces) {
        expect(t.windows.length).toBeGreaterThanOrEqual(1);
        if (!stream) expect(t.windows.length).toBe(1);
        for (const w of t.windows) expect(lo <= w.start && w.start <= w.end && w.end <= hi).toBe(true);
      }
    });
  }
});
