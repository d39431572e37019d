/**
 * `lutmpc classify --text ...`: one private classification through the
 * service with the client SDK (tokenized here; the token ids are
 * secret-shared to P1 and P2; the logits are reconstructed here).
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { Client } from '../../client/index.js';
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
        const f = o.client ? (JSON.parse(fs.readFileSync(o.client, 'utf8')) as Record<string, string>) : {};
        const p1 = o.p1 ?? f['p1'];
        const p2 = o.p2 ?? f['p2'];
        const token = o.token ?? process.env['LUTMPC_TOKEN'] ?? f['token'];
        if (!p1 || !p2 || !token) throw new RangeError('give --client FILE, or --p1, --p2 and --token (or $LUTMPC_TOKEN)');
        const caFile = o.ca ?? f['ca'];
        const client = new Client({ p1, p2, token, ca: caFile ? fs.readFileSync(caFile) : undefined, model: o.model ?? f['model'], tokenizer: o.tokenizer });
        try {
          const results = await Promise.all(o.text.map((t) => client.classify(t)));
          if (o.json) printJson(results.map((r, i) => ({ text: o.text[i], ...r })));
          else for (const [i, r] of results.entries()) process.stdout.write(`${r.label}\t[${r.logits.join(', ')}]\t${r.tokens} tokens${r.truncated ? ' (truncated)' : ''}\t${r.ms.toFixed(0)} ms\t${o.text[i]}\n`);
        } finally {
          client.close();
        }
      }),
    );
}
