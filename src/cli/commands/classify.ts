/**
 * `lutmpc classify --text ...`: one private classification through the
 * service with the client SDK (tokenized here; the token ids are
 * secret-shared to P1 and P2; the logits are reconstructed here).
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { checkText, Client } from '../../client/index.js';
import { FormatError, LutmpcError } from '../../errors.js';
import { printJson, runCommand } from '../output.js';

interface ClassifyCliOptions {
  text: string[];
  client?: string;
  p1?: string;
  p2?: string;
  token?: string;
  ca?: string;
  model?: string;
  tokenizer?: string;
  json?: boolean;
}

/** What `serve --local` writes to client.json. */
export interface ClientFile {
  p1?: string;
  p2?: string;
  token?: string;
  ca?: string;
  model?: string;
}

function readFile(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new FormatError(`cannot read the ${what} ${file}: ${(e as Error).message}`, { cause: e });
  }
}

/** The deployment's CA: a PEM certificate (anything else would surface later as a TLS verification failure). */
function readCa(file: string): Buffer {
  const b = readFile(file, 'CA certificate');
  if (!b.toString('latin1').includes('-----BEGIN CERTIFICATE-----')) throw new FormatError(`${file}: not a PEM certificate (expected the deployment's ca.crt)`);
  return b;
}

/** client.json: a JSON object whose fields, where present, are strings. */
export function readClientFile(file: string): ClientFile {
  const text = readFile(file, 'client file').toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new FormatError(`${file}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new FormatError(`${file}: expected a JSON object {p1, p2, token, ca, model} as serve --local writes it`);
  const r = raw as Record<string, unknown>;
  for (const k of ['p1', 'p2', 'token', 'ca', 'model'] as const) if (r[k] !== undefined && typeof r[k] !== 'string') throw new FormatError(`${file}: '${k}' must be a string (got ${JSON.stringify(r[k])})`);
  return r as ClientFile;
}

export function register(program: Command): void {
  program
    .command('classify')
    .description('classify text privately with a running service (see serve --local)')
    .requiredOption('--text <text...>', 'text to classify (repeat for several; they run concurrently)')
    .option('--client <file>', 'client.json written by serve --local ({p1, p2, token, ca, model})')
    .option('--p1 <url>', "P1's API, e.g. https://host:port")
    .option('--p2 <url>', "P2's API")
    .option('--token <token>', 'client token (default $LUTMPC_TOKEN)')
    .option('--ca <file>', 'CA certificate of the deployment (PEM)')
    .option('--model <name>', 'model name (default: the one served)')
    .option('--tokenizer <dir>', 'local tokenizer folder (default: fetched from P1)')
    .option('--json', 'print JSON')
    .action((o: ClassifyCliOptions) =>
      runCommand(async () => {
        // Before any file or connection: an empty text would spend a secure session on nothing.
        for (const [i, t] of o.text.entries()) {
          try {
            checkText(t);
          } catch (e) {
            throw new RangeError(`--text ${o.text.length > 1 ? `#${i + 1} ` : ''}${(e as Error).message}`);
          }
        }
        const f = o.client ? readClientFile(o.client) : {};
        const p1 = o.p1 ?? f.p1;
        const p2 = o.p2 ?? f.p2;
        const token = o.token ?? process.env['LUTMPC_TOKEN'] ?? f.token;
        if (!p1 || !p2 || !token) {
          const missing = [!p1 && 'p1', !p2 && 'p2', !token && 'token'].filter(Boolean).join(', ');
          throw new RangeError(o.client ? `${o.client} gives no ${missing} (and no --${missing.split(', ').join(', --')} flag)` : 'give --client FILE, or --p1, --p2 and --token (or $LUTMPC_TOKEN)');
        }
        const caFile = o.ca ?? f.ca;
        const client = new Client({ p1, p2, token, ca: caFile ? readCa(caFile) : undefined, model: o.model ?? f.model, tokenizer: o.tokenizer });
        // Ctrl-C or a TERM cancels the sessions on both servers before exiting (exit code 130).
        const ac = new AbortController();
        const interrupt = (sig: NodeJS.Signals): void => ac.abort(new LutmpcError(`interrupted (${sig}): sessions cancelled`));
        process.once('SIGINT', interrupt).once('SIGTERM', interrupt);
        try {
          const results = await Promise.all(o.text.map((t) => client.classify(t, { signal: ac.signal })));
          for (const [i, r] of results.entries()) if (r.truncated) process.stderr.write(`lutmpc: warning: text ${i + 1} was longer than the service's limit and was truncated to ${r.tokens} tokens\n`);
          if (o.json) printJson(results.map((r, i) => ({ text: o.text[i], ...r })));
          else for (const [i, r] of results.entries()) process.stdout.write(`${r.label}\t[${r.logits.join(', ')}]\t${r.tokens} tokens${r.truncated ? ' (truncated)' : ''}\t${r.ms.toFixed(0)} ms\t${o.text[i]}\n`);
        } catch (e) {
          if (ac.signal.aborted) process.exitCode = 130;
          throw e;
        } finally {
          process.off('SIGINT', interrupt).off('SIGTERM', interrupt);
          client.close();
        }
      }),
    );
}
