/**
 * `lutmpc serve --role dealer|p1|p2 --config FILE`: run one role of the
 * secure inference service until SIGTERM/SIGINT (graceful shutdown).
 * `lutmpc serve --local`: generate certificates and a config in a folder and
 * run all three roles on loopback (three child processes, or this process
 * with --in-process), printing how to call them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { saveProgram } from '../../model/program.js';
import { randomModel } from '../../secure/model-source.js';
import { ROLES, type Role } from '../../server/config.js';
import { startLocalInProcess, startLocalProcesses, writeLocalDeployment, type LocalSetup } from '../../server/local.js';
import { runRole } from '../../server/role-main.js';
import { stopHandler } from '../../server/signals.js';
import { runCommand } from '../output.js';

interface ServeCliOptions {
  role?: string;
  config?: string;
  local?: boolean;
  model?: string;
  program?: string;
  calib?: string;
  dir?: string;
  inProcess?: boolean;
  poolLengths?: string;
  padTo: string;
  grace: string;
}

const ROLE_ALIASES: Record<string, Role> = { dealer: 'dealer', p0: 'dealer', p1: 'p1', p2: 'p2' };

/** The model of a local deployment: --model DIR, else the shared bert-tiny if present, else a random BERT. */
function localModel(o: ServeCliOptions, dir: string): { name: string; dir: string; program?: string; calib?: string } {
  if (o.model) return { name: path.basename(path.resolve(o.model)), dir: path.resolve(o.model), program: o.program && path.resolve(o.program), calib: o.calib && path.resolve(o.calib) };
  const shared = path.resolve(process.cwd(), '../shared/models/bert-tiny-sst2');
  if (fs.existsSync(shared)) return { name: 'bert-tiny-sst2', dir: shared, program: o.program && path.resolve(o.program), calib: o.calib && path.resolve(o.calib) };
  const m = randomModel(path.join(dir, 'random-bert'));
  const program = path.join(dir, 'random-bert.lutmpc');
  saveProgram(m.program, program);
  process.stderr.write(`lutmpc: no --model and no ../shared model: serving a ${m.source}\n`);
  return { name: 'random-bert', dir: path.join(dir, 'random-bert'), program };
}

function printLocal(s: LocalSetup, clientFile: string): void {
  process.stdout.write(
    [
      `lutmpc serve --local: three roles on loopback (files in ${s.dir})`,
      `  dealer (P0) ${s.p0Url}`,
      `  P1          ${s.p1Url}`,
      `  P2          ${s.p2Url}`,
      `  CA          ${s.ca}`,
      `  token       ${s.token}`,
      `try: lutmpc classify --client ${clientFile} --text "a gripping, funny film"`,
      'Ctrl-C stops all three (graceful).',
      '',
    ].join('\n'),
  );
}

/** The default limits.maxTokens of a local deployment (config.ts). */
const LOCAL_MAX_TOKENS = 128;

function graceMs(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 0) throw new RangeError(`--grace must be milliseconds ≥ 0 (got '${v}')`);
  return n;
}

async function serveLocal(o: ServeCliOptions): Promise<void> {
  // Checked here so the error names the flag, not the generated config file.
  const lengths = (o.poolLengths ?? '').split(',').filter((x) => x.trim() !== '').map((x) => {
    const n = Number(x);
    if (!Number.isInteger(n) || n < 2 || n > LOCAL_MAX_TOKENS) throw new RangeError(`--pool-lengths: '${x}' is not a sequence length in 2..${LOCAL_MAX_TOKENS} (tokens, [CLS] and [SEP] included)`);
    return n;
  });
  const padTo = o.padTo === 'none' ? [] : o.padTo.split(',').map((x) => {
    const n = Number(x);
    if (!Number.isInteger(n) || n < 2 || n > LOCAL_MAX_TOKENS) throw new RangeError(`--pad-to: '${x}' is not a sequence length in 2..${LOCAL_MAX_TOKENS} (or give 'none')`);
    return n;
  });
  const notPadded = padTo.length > 0 ? lengths.filter((n) => !padTo.includes(n)) : [];
  if (notPadded.length > 0) throw new RangeError(`--pool-lengths ${notPadded.join(', ')}: every session runs on a --pad-to length (${padTo.join(', ')}); pre-deal those`);
  const grace = graceMs(o.grace);
  if (o.dir && fs.existsSync(o.dir) && !fs.statSync(o.dir).isDirectory()) throw new RangeError(`--dir ${o.dir} is a file; it takes a folder for the certificates, config and logs`);
  const dir = o.dir ? path.resolve(o.dir) : fs.mkdtempSync(path.join(os.tmpdir(), 'lutmpc-local-'));
  const model = localModel(o, dir);
  const s = await writeLocalDeployment(dir, { model, overrides: { pool: { perLength: 1, lengths, maxLengths: 8, maxItems: 8, concurrency: 1, padTo } } });
  const clientFile = path.join(dir, 'client.json');
  fs.writeFileSync(clientFile, JSON.stringify({ p1: s.p1Url, p2: s.p2Url, token: s.token, ca: s.ca, model: s.config.model.name }, null, 2), { mode: 0o600 });
  if (o.inProcess) {
    const roles = await startLocalInProcess(s);
    printLocal(s, clientFile);
    const stop = stopHandler(() => void Promise.all(ROLES.map((r) => roles[r].close(grace))).then(() => process.exit(0)), () => process.exit(130));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    return;
  }
  process.stderr.write(`starting three role processes (logs in ${dir}/*.log); the dealer loads and compiles the model first…\n`);
  const procs = await startLocalProcesses(s, { logDir: dir });
  printLocal(s, clientFile);
  // The roles share this terminal's process group, so Ctrl-C reached them already: the stop request
  // goes over IPC, which they do not mistake for a second Ctrl-C (that one forces them to exit).
  // A second Ctrl-C reaches the roles too (same group) and forces them; this process then just leaves.
  const stop = stopHandler(() => void Promise.all(ROLES.map((r) => procs[r].requestStop())).then((codes) => process.exit(codes.every((c) => c === 0) ? 0 : 1)), () => process.exit(130));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  for (const r of ROLES) void procs[r].exited.then((c) => process.stderr.write(`role ${r} exited (code ${c})\n`));
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('run a role of the secure inference service (or all three on loopback with --local)')
    .option('--role <role>', 'dealer (P0, model owner), p1 or p2')
    .option('--config <file>', 'deployment configuration (JSON)')
    .option('--local', 'generate certificates and a config, run all three roles on loopback')
    .option('--model <dir>', '--local: BERT folder (default ../shared/models/bert-tiny-sst2, else a random BERT)')
    .option('--program <file>', '--local: compiled program for --model')
    .option('--calib <file.tsv>', '--local: calibration TSV for --model')
    .option('--dir <dir>', '--local: where to write certificates, config and logs (default a temp folder)')
    .option('--pool-lengths <list>', '--local: sequence lengths to pre-deal at start, e.g. 16,32 (with padding, among the --pad-to lengths)')
    .option('--pad-to <list>', "--local: public lengths every session is padded to, so the dealer learns only which one a text needed, never its token count ('none': no padding)", '16,32,64,128')
    .option('--in-process', '--local: run the three roles in this process')
    .option('--grace <ms>', 'shutdown grace for in-flight sessions', '10000')
    .action((o: ServeCliOptions) =>
      runCommand(async () => {
        if (o.local) {
          if (o.role || o.config) throw new RangeError(`--local runs all three roles from a generated config: drop --${o.role ? 'role' : 'config'}`);
          return serveLocal(o);
        }
        // The --local flags would be silently ignored by one role.
        const localOnly = (['model', 'program', 'calib', 'dir', 'poolLengths', 'inProcess'] as const).filter((k) => o[k] !== undefined);
        if (localOnly.length > 0) throw new RangeError(`${localOnly.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')} ${localOnly.length > 1 ? 'apply' : 'applies'} to --local only (a role reads its config file)`);
        const role = ROLE_ALIASES[(o.role ?? '').toLowerCase()];
        if (!role) throw new RangeError(`--role must be dealer, p1 or p2 (got '${o.role ?? ''}'), or use --local`);
        if (!o.config) throw new RangeError('--config FILE is required with --role');
        await runRole(role, o.config, graceMs(o.grace));
      }),
    );
}
