/**
 * Where the compute parties' CPU goes during the online phase
 * (src/bench/online-profile.ts): runs a command under `perf record` with
 * LUTMPC_ONLINE_TRACE set (the parties log their online windows) and
 * NODE_OPTIONS=--perf-basic-prof (names for JIT frames), then prints each
 * traced party's online CPU by category and leaf symbol.
 *
 * Run (Linux, `perf` installed, e.g. Debian's linux-perf; Node 20 has no
 * TypeScript loader):
 *   npx tsc -p tsconfig.json --outDir dist/all
 *   node dist/all/bench/profile-online.js [--freq 999] [--top 25] [--json] -- \
 *        node dist/cli/main.js bench bert --layers 3 --hidden 768 --heads 12 --ffn 3072 --seq 128 --json
 * or on files of an earlier run:
 *   node dist/all/bench/profile-online.js --trace TRACE --perf-script SCRIPT.txt [--freq 999]
 * (SCRIPT.txt from `perf script -F pid,tid,time,ip,sym,dso` of a
 * `perf record -k CLOCK_MONOTONIC -a` run).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { formatOnlineProfile, profileOnline } from '../src/bench/online-profile.js';

const program = new Command('profile-online')
  .option('--freq <hz>', 'perf sampling frequency', '999')
  .option('--top <n>', 'leaf symbols listed per party', '25')
  .option('--trace <file>', 'LUTMPC_ONLINE_TRACE file of an earlier run')
  .option('--perf-script <file>', '`perf script -F pid,tid,time,ip,sym,dso` output of that run')
  .option('--keep <dir>', "keep perf.data, the script text, the trace and the command's stdout in this folder")
  .option('--json', 'print JSON')
  .argument('[command...]', 'command to profile (after --)')
  .parse();
const o = program.opts<Record<string, string | boolean | undefined>>();
const freq = Number(o['freq']);
const top = Number(o['top']);
const fail = (m: string): never => {
  process.stderr.write(`profile-online: ${m}\n`);
  process.exit(2);
};

let traceText: string, perfText: string;
if (o['trace'] || o['perfScript']) {
  if (!o['trace'] || !o['perfScript']) fail('--trace and --perf-script go together');
  traceText = readFileSync(String(o['trace']), 'utf8');
  perfText = readFileSync(String(o['perfScript']), 'utf8');
} else {
  const cmd = program.args;
  if (cmd.length === 0) fail('give a command to profile after --, or --trace and --perf-script');
  if (spawnSync('perf', ['--version']).status !== 0) fail('`perf` is not installed (Debian: apt-get install linux-perf)');
  const dir = o['keep'] ? path.resolve(String(o['keep'])) : mkdtempSync(path.join(os.tmpdir(), 'lutmpc-profile-'));
  mkdirSync(dir, { recursive: true });
  const trace = path.join(dir, 'online-trace.txt'), data = path.join(dir, 'perf.data');
  writeFileSync(trace, '');
  const nodeOptions = [process.env['NODE_OPTIONS'], '--perf-basic-prof'].filter(Boolean).join(' ');
  const started = Date.now();
  const r = spawnSync('perf', ['record', '-k', 'CLOCK_MONOTONIC', '-F', String(freq), '-a', '-o', data, '--', ...cmd], {
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 256 * 2 ** 20,
    env: { ...process.env, LUTMPC_ONLINE_TRACE: trace, NODE_OPTIONS: nodeOptions },
  });
  if (r.status !== 0) fail(`perf record -- ${cmd.join(' ')} exited with ${r.status ?? r.signal}`);
  perfText = execFileSync('perf', ['script', '-i', data, '-F', 'pid,tid,time,ip,sym,dso'], { encoding: 'utf8', maxBuffer: 4 * 2 ** 30, stdio: ['ignore', 'pipe', 'ignore'] });
  traceText = readFileSync(trace, 'utf8');
  if (o['keep']) {
    writeFileSync(path.join(dir, 'perf-script.txt'), perfText);
    writeFileSync(path.join(dir, 'command-stdout.txt'), r.stdout);
  } else {
    rmSync(dir, { recursive: true, force: true });
  }
  // --perf-basic-prof leaves /tmp/perf-<pid>.map per node process; perf script has read them.
  for (const f of readdirSync('/tmp')) {
    const m = path.join('/tmp', f);
    if (/^perf-\d+\.map$/.test(f) && statSync(m).mtimeMs >= started - 1000) rmSync(m, { force: true });
  }
}
const profiles = profileOnline(traceText, perfText, { freq, top });
process.stdout.write(o['json'] ? JSON.stringify(profiles, null, 1) + '\n' : formatOnlineProfile(profiles) + '\n');
