import type { Command } from 'commander';
import { evaluate } from '../../model/api.js';
import type { ClusterKind } from '../../mpc/cluster.js';
import { readTlsDir } from './infer.js';
import { evaluateSecure } from '../../secure/evaluate.js';
import { stderrProgress } from '../../model/progress.js';
import { budgetOption, printJson, runCommand, positiveInt } from '../output.js';

interface EvalCliOptions {
  padTo?: string;
  model: string;
  data: string;
  calib?: string;
  calibLimit?: string;
  limit?: string;
  mode: string;
  bits?: string;
  budget?: string;
  program?: string;
  parties?: string;
  tlsDir?: string;
  sentences?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('eval')
    .description('accuracy of the float model or its integer program on a labelled TSV (header: sentence|text, label)')
    .requiredOption('--model <dir>', 'Hugging Face BERT folder (config.json, vocab.txt or tokenizer.json, model.safetensors)')
    .requiredOption('--data <file.tsv>', 'labelled TSV to evaluate')
    .option('--calib <file.tsv>', 'calibration TSV (training split) for --mode int; not needed when the folder holds model.lutmpc')
    .option('--calib-limit <n>', 'calibration sentences from the start of --calib', '256')
    .option('--limit <n>', 'evaluate only the first N examples')
    .option('--mode <mode>', 'float, int (plaintext integer program) or secure (three parties, compared with int)', 'float')
    .option('--bits <spec>', 'weight bits: auto, 8 (default), mixed, or NAME=8|4|1,... (int mode with --calib)')
    .option('--budget <points>', 'accuracy budget in points for --bits auto', '1')
    .option('--program <file>', 'compiled program to run instead of compiling (int and secure modes)')
    .option('--parties <kind>', 'secure mode: how the parties talk, inproc, tcp or tls (needs --tls-dir)', 'inproc')
    .option('--tls-dir <dir>', 'secure mode: folder with ca.crt and P0/P1/P2/C .crt/.key for --parties tls (`lutmpc certs --out DIR` writes one)')
    .option('--pad-to <n>', 'secure mode: pad every sentence to N positions, so the dealer P0 never learns a sentence\'s token count')
    .option('--sentences', 'secure mode: include the per-sentence results in the JSON')
    .option('--json', 'print the report as JSON')
    .action((o: EvalCliOptions) =>
      runCommand(async () => {
        const budget = budgetOption(o.budget);
        if (o.mode === 'secure') {
          if (!['inproc', 'tcp', 'tls'].includes(o.parties ?? 'inproc')) throw new RangeError(`--parties must be inproc, tcp or tls (got '${String(o.parties)}')`);
          if (o.parties === 'tls' && !o.tlsDir) throw new RangeError('--parties tls needs --tls-dir');
          if (o.parties !== 'tls' && o.tlsDir) throw new RangeError(`--tls-dir is read only with --parties tls (got --parties ${o.parties ?? 'inproc'})`);
          const rep = await evaluateSecure({
            modelDir: o.model,
            dataPath: o.data,
            limit: positiveInt('limit', o.limit),
            padTo: positiveInt('pad-to', o.padTo),
            programPath: o.program,
            calibPath: o.calib,
            calibLimit: positiveInt('calib-limit', o.calibLimit),
            bits: o.bits,
            budget,
            parties: (o.parties ?? 'inproc') as ClusterKind,
            cluster: o.parties === 'tls' ? { tls: readTlsDir(o.tlsDir!) } : undefined,
            progress: stderrProgress(),
            warn: (m) => process.stderr.write(`lutmpc: warning: ${m}\n`),
          });
          const exactShare = rep.n === 0 ? 0 : rep.exactCount / rep.n;
          const out = { ...rep, exactShare, sentences: o.sentences ? rep.sentences : undefined };
          if (o.json) printJson(out);
          else process.stdout.write(`secure: accuracy ${rep.accuracy.toFixed(4)} (${rep.correct}/${rep.n}); logits equal the integer reference on ${rep.exactCount}/${rep.n} sentences; mean online ${rep.mean.onlineMs.toFixed(0)} ms, ${(rep.mean.bytesOnline / 1e6).toFixed(2)} MB, ${rep.mean.rounds} rounds\n`);
          if (!rep.allExact) process.exitCode = 1;
          return;
        }
        if (o.mode !== 'float' && o.mode !== 'int') throw new RangeError(`--mode must be float, int or secure (got '${o.mode}')`);
        const report = await evaluate({
          modelDir: o.model,
          dataPath: o.data,
          limit: positiveInt('limit', o.limit),
          mode: o.mode,
          bits: o.bits,
          calibPath: o.calib,
          calibLimit: positiveInt('calib-limit', o.calibLimit),
          budget,
          programPath: o.program,
          progress: stderrProgress(),
          warn: (m) => process.stderr.write(`lutmpc: warning: ${m}\n`),
        });
        if (o.json) printJson(report);
        else {
          process.stdout.write(`${report.mode}: accuracy ${report.accuracy.toFixed(4)} (${report.correct}/${report.n}) in ${report.seconds.toFixed(1)} s\n`);
          if (report.size) process.stdout.write(`program size: ${report.size.total} bytes (matmul weights ${report.size.matmulBytes}, embedding ${report.size.embeddingBytes}, tables ${report.size.tableBytes})\n`);
        }
      }),
    );
}
