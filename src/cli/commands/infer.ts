/**
 * `lutmpc infer`: one private classification with the three servers as
 * separate processes on loopback (TCP by default), checked against the
 * plaintext integer reference.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { LutmpcError } from '../../errors.js';
import type { PartyId, TlsIdentity } from '../../mpc/transport/tcp.js';
import { secureInfer, type PartiesKind, type SecureInferReport } from '../../secure/infer.js';
import { resolveProgram } from '../../secure/model-source.js';
import { TLS_IDS } from './certs.js';
import { borrowKind, borrowOutKind, printJson, runCommand, positiveInt, chunkOption } from '../output.js';

interface InferCliOptions {
  model: string;
  text: string;
  calib?: string;
  calibLimit?: string;
  program?: string;
  bits?: string;
  parties: string;
  tlsDir?: string;
  chunk?: string;
  borrow?: string;
  borrowOut?: string;
  timeoutMs?: string;
  padTo?: string;
  json?: boolean;
}

/** TLS identities from a folder holding ca.crt and <ID>.crt / <ID>.key for P0, P1, P2, C. */
export function readTlsDir(dir: string): Record<PartyId, TlsIdentity> {
  const read = (f: string): Buffer => {
    try {
      return readFileSync(join(dir, f));
    } catch (e) {
      throw new LutmpcError(`--tls-dir ${dir}: cannot read ${f} (need ca.crt and P0/P1/P2/C .crt and .key; 'lutmpc certs --out DIR' writes them)`, { cause: e });
    }
  };
  const ca = read('ca.crt');
  const ids = {} as Record<PartyId, TlsIdentity>;
  for (const id of TLS_IDS) ids[id] = { key: read(`${id}.key`), cert: read(`${id}.crt`), ca };
  return ids;
}

export function parseParties(v: string): PartiesKind {
  if (v !== 'tcp' && v !== 'tls' && v !== 'inproc') throw new RangeError(`--parties must be tcp, tls or inproc (got '${v}')`);
  return v;
}

/** Human-readable lines of an inference report. */
export function inferText(r: SecureInferReport): string {
  const s = r.secure;
  const mb = (b: number): string => `${(b / 1e6).toFixed(2)} MB`;
  return [
    `label: ${r.label}  (logits ${r.logits.join(', ')}; float ${r.floatLogits.map((v) => v.toFixed(4)).join(', ')})`,
    `integer reference logits: ${r.reference.logits.join(', ')}  → exact: ${r.exact}`,
    `${r.tokens} tokens; P0 dealt for ${r.positions} positions${r.positions > r.tokens ? ' (padded: P0 learns only that the text has at most ${r.positions} tokens)' : ' (the token count, which P0 therefore knows; --pad-to hides it)'}`,
    `secure run (${s.parties}): online ${s.onlineMs.toFixed(0)} ms, ${mb(s.bytesOnline)}, ${s.rounds} rounds; offline ${s.offlineMs.toFixed(0)} ms, ${mb(s.bytesOffline)}; weight setup ${mb(s.bytesSetup)}`,
  ].join('\n');
}

export function register(program: Command): void {
  program
    .command('infer')
    .description('classify one text privately: three servers (P0 dealer, P1, P2) as processes on loopback, checked against the integer reference')
    .requiredOption('--model <dir>', 'Hugging Face BERT folder (with model.lutmpc, or give --program / --calib)')
    .requiredOption('--text <text>', 'the text to classify (stays with the client; the servers see only masked values)')
    .option('--program <file>', 'compiled integer program (.lutmpc)')
    .option('--calib <file.tsv>', 'calibration TSV to compile the model first')
    .option('--calib-limit <n>', 'calibration sentences from the start of --calib', '256')
    .option('--bits <spec>', 'weight bits when compiling: 8 (default), mixed, auto, NAME=8|4|1,...')
    .option('--parties <kind>', 'tcp (three processes, default), tls (needs --tls-dir) or inproc (one process)', 'tcp')
    .option('--tls-dir <dir>', 'folder with ca.crt and P0/P1/P2/C .crt/.key for --parties tls (`lutmpc certs --out DIR` writes one)')
    .option('--chunk <bits>', 'borrow chunk of the 8-bit requants, 1…15 (8 default; 12 = 2 chunks, more offline bytes)')
    .option('--borrow <kind>', 'borrow protocol of the requants with 3–5 chunks (the context requant at chunk 8): select (default, 2 rounds, twice the table reads) or chain (one round per chunk)')
    .option('--borrow-out <kind>', "what the requants' last borrow round opens: bit (one bit, output tables over 2^(n+1) entries), index (the n-bit index where that deals fewer bytes, tables over 2^n: 40 % fewer offline bytes at BERT-base for 12 % more online bytes) or per role ROLE=bit|index,... (default lnCentre=index: 9 % fewer offline bytes at BERT-base for 1.5 % more online)")
    .option('--pad-to <n>', 'pad the ids to N positions, so the dealer P0 learns only N, never the token count (default: no padding, P0 deals for the token count)')
    .option('--timeout-ms <ms>', 'longest wait for one message', '120000')
    .option('--json', 'print the report as JSON')
    .action((o: InferCliOptions) =>
      runCommand(async () => {
        const parties = parseParties(o.parties);
        if (parties === 'tls' && !o.tlsDir) throw new RangeError('--parties tls needs --tls-dir');
        if (parties !== 'tls' && o.tlsDir) throw new RangeError(`--tls-dir is read only with --parties tls (got --parties ${parties})`);
        const secure = { chunk: chunkOption(o.chunk), borrow: borrowKind(o.borrow), borrowOut: borrowOutKind(o.borrowOut) };
        const warn = (m: string): boolean => process.stderr.write(`lutmpc: ${m}\n`);
        const model = await resolveProgram({ modelDir: o.model, programPath: o.program, calibPath: o.calib, calibLimit: positiveInt('calib-limit', o.calibLimit), bits: o.bits, warn });
        const r = await secureInfer({
          model,
          text: o.text,
          parties,
          tls: o.tlsDir ? readTlsDir(o.tlsDir) : undefined,
          secure,
          padTo: positiveInt('pad-to', o.padTo),
          timeoutMs: positiveInt('timeout-ms', o.timeoutMs),
          log: (m) => warn(m),
        });
        const { reports: _reports, ...rest } = r;
        void _reports;
        if (o.json) printJson(rest);
        else process.stdout.write(inferText(r) + '\n');
        if (!r.exact) process.exitCode = 2;
      }),
    );
}
