/**
 * The `lutmpc` command line: every command is a thin wrapper over an exported
 * library function.
 */
import { Command } from 'commander';
import { register as registerBench } from './commands/bench.js';
import { register as registerCerts } from './commands/certs.js';
import { register as registerClassify } from './commands/classify.js';
import { register as registerCompile } from './commands/compile.js';
import { register as registerDemo } from './commands/demo.js';
import { register as registerEval } from './commands/eval.js';
import { register as registerInfer } from './commands/infer.js';
import { register as registerSelftest } from './commands/selftest.js';
import { register as registerServe } from './commands/serve.js';

export function buildCli(): Command {
  const program = new Command();
  program.name('lutmpc').description('Secure three-party inference of quantized BERT models').version('0.1.0');
  registerDemo(program);
  registerInfer(program);
  registerServe(program);
  registerClassify(program);
  registerSelftest(program);
  registerBench(program);
  registerEval(program);
  registerCompile(program);
  registerCerts(program);
  return program;
}
