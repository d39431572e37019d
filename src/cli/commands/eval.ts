import type { Command } from 'commander';
import { evaluate } from '../../model/api.js';
import { stderrProgress } from '../../model/progress.js';
import { printJson, runCommand } from '../output.js';

interface EvalCliOptions {
  model: string;
  data: string;
  calib?: string;
  calibLimit?: string;
  limit?: string;
  mode: string;
  bits?: string;
  budget?: string;
  program?: string;
  json?: boolean;
}

function positiveInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`--${name} must be a positive integer (got '${v}')`);
  return n;
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
    .option('--mode <mode>', 'float or int', 'float')
    .option('--bits <spec>', 'weight bits: auto, 8 (default), mixed, or NAME=8|4|1,... (int mode with --calib)')
    .option('--budget <points>', 'accuracy budget in points for --bits auto', '1')
    .option('--program <file>', 'compiled program to run instead of compiling (int mode)')
    .option('--json', 'print the report as JSON')
    .action((o: EvalCliOptions) =>
      runCommand(async () => {
        if (o.mode !== 'float' && o.mode !== 'int') throw new RangeError(`--mode must be float or int (got '${o.mode}')`);
        const report = await evaluate({
          modelDir: o.model,
          dataPath: o.data,
          limit: positiveInt('limit', o.limit),
          mode: o.mode,
          bits: o.bits,
          calibPath: o.calib,
          calibLimit: positiveInt('calib-limit', o.calibLimit),
          budget: o.budget === undefined ? undefined : Number(o.budget),
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
