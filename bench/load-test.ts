/**
 * Bounded load test of `lutmpc serve` on loopback (src/bench/load.ts): the
 * shared bert-tiny SST-2 model calibrated on the first 256 lines of the
 * training split, SST-2 dev sentences as requests, three role processes,
 * every answer compared with the plaintext integer reference.
 *
 * Run (Node 20 has no TypeScript loader):
 *   npx tsc -p tsconfig.json --outDir dist/all
 *   node dist/all/bench/load-test.js [--requests 200] [--concurrency 8] [--max-tokens 64] [--borrow-out bit|index|ROLE=bit|index,...] [--json]
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { runLoadTest } from '../src/bench/load.js';
import { borrowOutKind, positiveInt, runCommand } from '../src/cli/output.js';

const shared = path.resolve(process.cwd(), '../shared');
const program = new Command('load-test')
  .option('--model <dir>', 'BERT folder', path.join(shared, 'models/bert-tiny-sst2'))
  .option('--calib <file>', 'calibration TSV', path.join(shared, 'data/sst2/train.tsv'))
  .option('--data <file>', 'request texts (TSV)', path.join(shared, 'data/sst2/dev.tsv'))
  .option('--requests <n>', 'requests', '200')
  .option('--concurrency <n>', 'requests in flight', '8')
  .option('--max-tokens <n>', 'longest sequence (longer texts are truncated)', '64')
  .option('--pool-items <n>', 'dealer: most dealt but unused sessions', '8')
  .option('--deal-concurrency <n>', 'dealer: dealings at once', '2')
  .option('--prestock', 'deal every request\'s material before timing (latency of the online path; keep --requests small: ~8 MB per token per compute party per session)')
  .option('--borrow-out <kind>', "what the requants' last borrow round opens: bit, index (fewer offline bytes) or per role ROLE=bit|index,... (default: the deployment's, lnCentre=index)")
  .option('--json', 'print the report as JSON')
  .parse();
const o = program.opts<Record<string, string | boolean>>();
for (const f of [o['model'], o['calib'], o['data']] as string[]) {
  if (!fs.existsSync(f)) {
    process.stderr.write(`load-test: ${f} not found (run from the repository root next to ../shared)\n`);
    process.exit(2);
  }
}
// Bad flags get one line naming them (runCommand), not a stack trace.
const int = (flag: string, key = flag): number => positiveInt(flag, String(o[key]))!;
await runCommand(async () => {
  const entry = fileURLToPath(new URL('../src/server/role-main.js', import.meta.url));
  const r = await runLoadTest({
    modelDir: o['model'] as string,
    calib: o['calib'] as string,
    data: o['data'] as string,
    requests: int('requests'),
    concurrency: int('concurrency'),
    maxTokens: int('max-tokens', 'maxTokens'),
    pool: { maxItems: int('pool-items', 'poolItems'), concurrency: int('deal-concurrency', 'dealConcurrency') },
    prestock: Boolean(o['prestock']),
    ...(o['borrowOut'] ? { secure: { borrowOut: borrowOutKind(o['borrowOut'] as string) } } : {}),
    entry,
    log: (m) => process.stderr.write(`load-test: ${m}\n`),
  });
  if (o['json']) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
  else {
    process.stdout.write(
      [
        `requests ${r.requests} at concurrency ${r.concurrency}: ok ${r.ok}, wrong ${r.wrong}, lost ${r.lost}`,
        `latency ms: p50 ${r.latencyMs.p50.toFixed(0)}, p90 ${r.latencyMs.p90.toFixed(0)}, p99 ${r.latencyMs.p99.toFixed(0)}, mean ${r.latencyMs.mean.toFixed(0)}, max ${r.latencyMs.max.toFixed(0)}`,
        `throughput ${r.throughputPerSec.toFixed(2)} req/s over ${r.wallSeconds.toFixed(1)} s`,
        `tokens per request: ${r.tokens.min}..${r.tokens.max} (mean ${r.tokens.mean.toFixed(1)}, ${r.tokens.distinct} distinct lengths)`,
        `dealings ${r.dealings} (p50 ${r.dealMsP50.toFixed(0)} ms each); P1 session p50 ${r.sessionMsP50.toFixed(0)} ms = material wait p50 ${r.materialWaitMsP50.toFixed(0)} ms + online p50 ${r.onlineMsP50.toFixed(0)} ms`,
        `machine: ${r.machine}`,
        ...r.errors.map((e) => `error: ${e}`),
        '',
      ].join('\n'),
    );
  }
  process.exitCode = r.ok === r.requests ? 0 : 1;
});
