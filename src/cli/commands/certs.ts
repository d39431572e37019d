/**
 * `lutmpc certs --out DIR`: a local CA and one certificate per party for
 * `--parties tls` (infer, demo, eval) — the folder `--tls-dir` reads.
 */
import type { Command } from 'commander';
import { generateCerts, MAX_CERT_DAYS } from '../../server/certs.js';
import { positiveInt, printJson, runCommand } from '../output.js';

/** The identities `--tls-dir` needs: the three servers and the client. */
export const TLS_IDS = ['P0', 'P1', 'P2', 'C'] as const;

/** --days: a validity openssl accepts, checked before anything is written. */
function daysOption(v: string): number {
  const n = positiveInt('days', v)!;
  if (n > MAX_CERT_DAYS) throw new RangeError(`--days must be an integer in 1…${MAX_CERT_DAYS} (100 years; got '${v}')`);
  return n;
}

export function register(program: Command): void {
  program
    .command('certs')
    .description('write a local CA and P0/P1/P2/C certificates (the folder --tls-dir reads) with the openssl CLI')
    .requiredOption('--out <dir>', 'folder to write ca.crt and P0/P1/P2/C .crt/.key into (created if missing)')
    .option('--days <n>', `validity in days (1…${MAX_CERT_DAYS})`, '7')
    .option('--json', 'print the written files as JSON')
    .action((o: { out: string; days: string; json?: boolean }) =>
      runCommand(async () => {
        const days = daysOption(o.days);
        const files = generateCerts(o.out, TLS_IDS, days);
        if (o.json) printJson(files);
        else process.stdout.write(`wrote ${files.ca} and ${TLS_IDS.map((n) => `${n}.crt/.key`).join(', ')} in ${files.dir}; use it with --parties tls --tls-dir ${files.dir}\n`);
      }),
    );
}
