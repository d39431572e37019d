/**
 * `lutmpc demo`: one private classification end to end, with an account of
 * who saw what. Model: --model, else $LUTMPC_MODEL, else
 * ../shared/models/bert-tiny-sst2 when present, else a deterministic random
 * BERT (named as such).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { PartyReport } from '../../mpc/accounting.js';
import { secureInfer, type SecureInferReport } from '../../secure/infer.js';
import { randomModel, resolveProgram, type ResolvedModel } from '../../secure/model-source.js';
import { positiveInt, printJson, runCommand } from '../output.js';
import { bucketLength } from '../../secure/session.js';
import { inferText, parseParties, readTlsDir } from './infer.js';

interface DemoCliOptions {
  model?: string;
  text?: string;
  program?: string;
  calib?: string;
  parties: string;
  tlsDir?: string;
  padTo?: string;
  json?: boolean;
}

export interface PartyView {
  party: string;
  role: string;
  knows: string;
  onlineBytesReceived: number;
  offlineBytesReceived: number;
}

function recv(r: PartyReport | undefined, ph: string): number {
  return r?.phases[ph]?.total.bytesRecv ?? 0;
}

/** Who saw what, from the parties' own accounting. */
export function whoSawWhat(r: SecureInferReport): PartyView[] {
  const [P0, P1, P2, C] = r.reports;
  return [
    { party: 'C', role: 'client (data owner)', knows: `its text "${r.text}" (${r.tokens} tokens), the masks it put on it (16-byte keys from P1 and P2) and the result: ${r.label} (int32 logits ${r.logits.join(', ')})`, onlineBytesReceived: recv(C, 'online'), offlineBytesReceived: 0 },
    {
      party: 'P0',
      role: 'dealer (model owner)',
      knows: `the model (weights, scales, shifts, tables) and the ${r.positions} positions it dealt for${r.positions > r.tokens ? ' (the text was padded to them: P0 learns only that it has at most that many tokens)' : ' (the token count itself: no padding)'}; it received nothing derived from the text`,
      onlineBytesReceived: recv(P0, 'online'),
      offlineBytesReceived: recv(P0, 'offline'),
    },
    { party: 'P1', role: 'compute server', knows: `the token count (${r.tokens}), masked values and shares only (the client's masked one-hot: P1 knows its own mask share, not P2's)`, onlineBytesReceived: recv(P1, 'online'), offlineBytesReceived: recv(P1, 'offline') },
    { party: 'P2', role: 'compute server', knows: `the token count (${r.tokens}), masked values and shares only`, onlineBytesReceived: recv(P2, 'online'), offlineBytesReceived: recv(P2, 'offline') + recv(P2, 'setup') },
  ];
}

function defaultModelDir(): string | undefined {
  const env = process.env['LUTMPC_MODEL'];
  if (env) return env;
  const shared = resolve(process.cwd(), '../shared/models/bert-tiny-sst2');
  return existsSync(join(shared, 'config.json')) ? shared : undefined;
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('a private classification end to end, with who saw what (no arguments needed)')
    .option('--model <dir>', 'BERT folder (default: $LUTMPC_MODEL, else ../shared/models/bert-tiny-sst2, else a random BERT)')
    .option('--text <text>', 'text to classify')
    .option('--program <file>', 'compiled program (.lutmpc) for --model')
    .option('--calib <file.tsv>', 'calibration TSV for --model')
    .option('--parties <kind>', 'tcp (three processes, default), tls (needs --tls-dir) or inproc', 'tcp')
    .option('--tls-dir <dir>', 'folder with ca.crt and P0/P1/P2/C .crt/.key for --parties tls (`lutmpc certs --out DIR` writes one)')
    .option('--pad-to <n>', 'positions the dealer P0 deals for (default: the smallest of 16, 32, 64, … that holds the text; P0 learns only that)')
    .option('--json', 'print the report as JSON')
    .action((o: DemoCliOptions) =>
      runCommand(async () => {
        const say = (m: string): boolean => process.stderr.write(`lutmpc: ${m}\n`);
        const parties = parseParties(o.parties);
        if (parties === 'tls' && !o.tlsDir) throw new RangeError('--parties tls needs --tls-dir');
        if (parties !== 'tls' && o.tlsDir) throw new RangeError(`--tls-dir is read only with --parties tls (got --parties ${parties})`);
        const dir = o.model ?? defaultModelDir();
        // Without a model folder the demo runs a random BERT: a program or calibration file given for a model would be ignored.
        if (!dir && (o.program || o.calib)) throw new RangeError(`--${o.program ? 'program' : 'calib'} needs the model it belongs to: give --model (or $LUTMPC_MODEL); no model folder was found from ${process.cwd()}`);
        let tmp: string | undefined;
        let model: ResolvedModel;
        try {
          if (dir) {
            say(`model: ${dir}`);
            model = await resolveProgram({ modelDir: dir, programPath: o.program, calibPath: o.calib, warn: say });
          } else {
            tmp = mkdtempSync(join(tmpdir(), 'lutmpc-demo-'));
            model = randomModel(tmp);
            say(`no model given and ../shared/models/bert-tiny-sst2 not found: using a ${model.source}`);
          }
          const text = o.text ?? (dir ? 'a charming and often affecting journey' : 'the movie is very good');
          const tokens = model.hf.tokenizer.encode(text, model.program.config.maxPositions).ids.length;
          const padTo = positiveInt('pad-to', o.padTo) ?? bucketLength(tokens, model.program.config.maxPositions);
          const r = await secureInfer({ model, text, parties, padTo, tls: o.tlsDir ? readTlsDir(o.tlsDir) : undefined, log: say });
          const views = whoSawWhat(r);
          if (o.json) {
            const { reports: _r, ...rest } = r;
            void _r;
            printJson({ ...rest, whoSawWhat: views });
          } else {
            const out: string[] = [`model: ${dir ?? 'random BERT'} — program ${r.program}`, inferText(r), '', 'who saw what:'];
            for (const v of views) {
              out.push(`  ${v.party} (${v.role}): ${v.knows}`);
              out.push(`      received ${v.onlineBytesReceived.toLocaleString('en-US')} bytes online, ${v.offlineBytesReceived.toLocaleString('en-US')} bytes offline`);
            }
            out.push('  Every message P1 and P2 received is a masked value or a share: uniform in its ring, independent of the text and of the model.');
            process.stdout.write(out.join('\n') + '\n');
          }
          if (!r.exact) process.exitCode = 2;
        } finally {
          if (tmp) rmSync(tmp, { recursive: true, force: true });
        }
      }),
    );
}
