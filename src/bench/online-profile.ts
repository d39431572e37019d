/**
 * Where a compute party's CPU goes during the online phase: a `perf` profile
 * of a whole run (all processes, CLOCK_MONOTONIC timestamps) cut down to the
 * online windows each party wrote with LUTMPC_ONLINE_TRACE
 * (src/secure/online-trace.ts), then summed per process by leaf symbol and
 * by category (GEMM microkernel, other native kernels, memory copies, V8,
 * JavaScript, the OS kernel).
 *
 * Input: the trace text, and `perf script -F pid,tid,time,ip,sym,dso` text
 * of a `perf record -k CLOCK_MONOTONIC -F <freq> -a [-g]` run (with -g only
 * each sample's first frame counts). Samples are counted, so seconds are
 * counts / freq; JIT frames have names only with node's --perf-basic-prof.
 */
import { FormatError } from '../errors.js';

export interface OnlineWindow {
  start: number;
  end: number;
}

export interface PartyTrace {
  pid: string;
  party: string;
  /** Online windows in seconds of CLOCK_MONOTONIC, in order, disjoint. */
  windows: OnlineWindow[];
}

export const CATEGORIES = ['gemm microkernel', 'other native (lutmpc)', 'memory copy/fill', 'V8 and node runtime', 'JavaScript', 'OS kernel', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];

export interface PartyProfile {
  pid: string;
  party: string;
  /** Sum of the party's online windows (wall seconds). */
  windowSeconds: number;
  /** Sampled CPU seconds of the process (all its threads) inside them. */
  cpuSeconds: number;
  byCategory: Record<Category, number>;
  /** Leaf symbols, most CPU first (seconds). */
  top: { symbol: string; seconds: number }[];
}

/**
 * Parse a LUTMPC_ONLINE_TRACE file: per party process its S…E windows
 * (parties in one process, as in tests, share the pid and keep their own).
 */
export function parseOnlineTrace(text: string): PartyTrace[] {
  const byKey = new Map<string, { pid: string; party: string; open?: number; windows: OnlineWindow[] }>();
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const f = line.trim().split(/\s+/);
    if (f.length !== 4 || (f[2] !== 'S' && f[2] !== 'E') || !/^\d+$/.test(f[0]!) || !/^\d+$/.test(f[3]!)) {
      throw new FormatError(`online trace line ${i + 1}: expected "<pid> <party> S|E <ns>", got "${line}"`);
    }
    const [pid, party, edge, ns] = f as [string, string, string, string];
    const t = Number(BigInt(ns) / 1000n) / 1e6;
    const key = `${pid} ${party}`;
    let p = byKey.get(key);
    if (!p) byKey.set(key, (p = { pid, party, windows: [] }));
    if (edge === 'S') {
      if (p.open !== undefined) throw new FormatError(`online trace line ${i + 1}: ${party} (pid ${pid}) opens a window before closing the last`);
      p.open = t;
    } else {
      if (p.open === undefined) throw new FormatError(`online trace line ${i + 1}: ${party} (pid ${pid}) closes a window it never opened`);
      p.windows.push({ start: p.open, end: t });
      p.open = undefined;
    }
  });
  return [...byKey.values()].map((p) => ({ pid: p.pid, party: p.party, windows: p.windows }));
}

/** The category of a leaf frame from its symbol and object file. */
export function categorize(symbol: string, dso: string): Category {
  if (symbol.includes('micro_body') || /lutmpc::detail::.*::m(32|64)\b/.test(symbol)) return 'gemm microkernel';
  if (/^__(memmove|memcpy|memset)|^(memcpy|memmove|memset)\b/.test(symbol)) return 'memory copy/fill';
  if (symbol.startsWith('JS:') || symbol.startsWith('Builtins_') || /^(LazyCompile|Function):/.test(symbol) || /perf-\d+\.map$/.test(dso)) return 'JavaScript';
  if (symbol.includes('lutmpc') || dso.includes('lutmpc')) return 'other native (lutmpc)';
  if (/^(v8::|node::|Napi::|v8impl|uv_|cppgc::)/.test(symbol) || symbol.includes('v8::internal')) return 'V8 and node runtime';
  if (dso.includes('kernel.kallsyms')) return 'OS kernel';
  return 'other';
}

/**
 * A readable name: thread-pool tasks (`std::_Function_handler<…lutmpc::X<…>(…)::{lambda…}>`)
 * become "lutmpc::X (pool task)"; argument lists are dropped.
 */
export function shortSymbol(symbol: string): string {
  if (symbol.startsWith('std::_Function_handler<')) {
    const m = /lutmpc::(?:\(anonymous namespace\)::)?([A-Za-z_]\w*)/.exec(symbol);
    if (m) return `lutmpc::${m[1]} (pool task)`;
  }
  if (symbol.startsWith('JS:')) return symbol;
  const bare = symbol.replaceAll('(anonymous namespace)::', '');
  const paren = bare.indexOf('(');
  return paren > 0 ? bare.slice(0, paren) : bare;
}

interface Sample {
  pid: string;
  time: number;
  symbol: string;
  dso: string;
}

const HEADER = /^\s*(\d+)\/(\d+)\s+(\d+\.\d+):\s*(.*)$/;
const FRAME = /^\s*([0-9a-f]+)\s+(.*?)\s+\(([^()]*)\)\s*$/;

/** Samples of `perf script -F pid,tid,time,ip,sym,dso` (with or without call chains): the first frame of each. */
export function* perfSamples(text: string): Generator<Sample> {
  let cur: { pid: string; time: number } | undefined;
  for (const line of text.split('\n')) {
    // Without call chains the frame follows the header on its line; with them it is the next line.
    const h = HEADER.exec(line);
    if (h) cur = { pid: h[1]!, time: Number(h[3]) };
    const frame = h ? h[4]!.trim() : line;
    if (!cur || !frame) continue;
    const f = FRAME.exec(frame);
    if (f) yield { ...cur, symbol: f[2]!, dso: f[3]! };
    if (f || h) cur = undefined;
  }
}

function inside(ws: readonly OnlineWindow[], t: number): boolean {
  let lo = 0, hi = ws.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const w = ws[mid]!;
    if (t < w.start) hi = mid - 1;
    else if (t > w.end) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Per traced party: its process's CPU inside the party's online windows, by category and leaf symbol. */
export function profileOnline(traceText: string, perfText: string, o: { freq: number; top?: number }): PartyProfile[] {
  if (!(o.freq > 0)) throw new FormatError(`sampling frequency must be positive (got ${o.freq})`);
  const traces = parseOnlineTrace(traceText);
  if (traces.length === 0) throw new FormatError('the online trace has no windows (was LUTMPC_ONLINE_TRACE set for the run?)');
  const all = traces.map((t) => ({ trace: t, cat: new Map<Category, number>(), sym: new Map<string, number>() }));
  const byPid = new Map<string, typeof all>();
  for (const a of all) byPid.set(a.trace.pid, [...(byPid.get(a.trace.pid) ?? []), a]);
  for (const s of perfSamples(perfText)) {
    for (const a of byPid.get(s.pid) ?? []) {
      if (!inside(a.trace.windows, s.time)) continue;
      const c = categorize(s.symbol, s.dso);
      a.cat.set(c, (a.cat.get(c) ?? 0) + 1);
      const key = s.symbol === '[unknown]' ? `[unknown] (${s.dso})` : shortSymbol(s.symbol);
      a.sym.set(key, (a.sym.get(key) ?? 0) + 1);
    }
  }
  return all.map(({ trace, cat, sym }) => ({
    pid: trace.pid,
    party: trace.party,
    windowSeconds: trace.windows.reduce((x, w) => x + w.end - w.start, 0),
    cpuSeconds: [...cat.values()].reduce((x, n) => x + n, 0) / o.freq,
    byCategory: Object.fromEntries(CATEGORIES.map((c) => [c, (cat.get(c) ?? 0) / o.freq])) as Record<Category, number>,
    top: [...sym].sort((x, y) => y[1] - x[1]).slice(0, o.top ?? 25).map(([symbol, n]) => ({ symbol, seconds: n / o.freq })),
  }));
}

/** Plain-text summary of profileOnline's result. */
export function formatOnlineProfile(ps: readonly PartyProfile[]): string {
  const out: string[] = [];
  for (const p of ps) {
    out.push(`${p.party} (pid ${p.pid}): online windows ${p.windowSeconds.toFixed(3)} s, sampled CPU ${p.cpuSeconds.toFixed(3)} s`);
    for (const c of CATEGORIES) if (p.byCategory[c] > 0) out.push(`  ${p.byCategory[c].toFixed(3)} s  [${c}]`);
    for (const t of p.top) out.push(`  ${t.seconds.toFixed(3)} s  ${t.symbol}`);
  }
  return out.join('\n');
}
