import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { compileModel } from '../../model/api.js';
import { stderrProgress } from '../../model/progress.js';
import { budgetOption, positiveInt, printJson, runCommand } from '../output.js';

interface CompileCliOptions {
  model: string;
  calib: string;
  calibLimit: string;
  out: string;
  bits: string;
  budget: string;
  searchLimit: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('compile')
    .description('calibrate a BERT folder on sample text and save its integer-only program')
    .requiredOption('--model <dir>', 'Hugging Face BERT folder')
    .requiredOption('--calib <file.tsv>', 'calibration TSV (training split, never the evaluation split)')
    .requiredOption('--out <file>', 'where to write the program (save it as <dir>/model.lutmpc to let eval find it)')
    .option('--calib-limit <n>', 'calibration sentences from the start of --calib', '256')
    .option('--bits <spec>', 'weight bits: auto, 8, mixed, or NAME=8|4|1,...', '8')
    .option('--budget <points>', 'accuracy budget in points for --bits auto', '1')
    .option('--search-limit <n>', 'calibration sentences the auto search evaluates', '128')
    .option('--json', 'print the report as JSON')
    .action((o: CompileCliOptions) =>
      runCommand(async () => {
        const num = (name: string, v: string): number => positiveInt(name, v)!;
        const { report } = await compileModel({
          modelDir: o.model,
          calibPath: o.calib,
          calibLimit: num('calib-limit', o.calibLimit),
          out: o.out,
          bits: o.bits,
          budget: budgetOption(o.budget),
          searchLimit: num('search-limit', o.searchLimit),
          progress: stderrProgress(),
          warn: (m) => process.stderr.write(`lutmpc: warning: ${m}\n`),
        });
        if (o.json) printJson(report);
        // report.size counts the program's arrays; the file adds its header and alignment.
        else process.stdout.write(`wrote ${o.out}: ${statSync(o.out).size} bytes (program content ${report.size.total}), bits ${JSON.stringify(report.bits)}\n`);
      }),
    );
}
