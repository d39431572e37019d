/**
 * The package entry (src/index.ts) exports the function behind every CLI
 * command: the library is the product and the CLI a thin wrapper, so a
 * command whose function is missing here is a feature library users lack.
 */
import { describe, expect, it } from 'vitest';
import * as lib from '../src/index.js';
import { benchBert } from '../src/bench/bert.js';
import { runCryptenBench } from '../src/bench/crypten.js';
import { benchKernels } from '../src/bench/kernels.js';
import { benchLutProtocols } from '../src/bench/protocols-lut.js';
import { benchProtocols } from '../src/bench/protocols.js';
import { selftest } from '../src/kernels/selftest.js';
import { compileModel, evaluate } from '../src/model/api.js';
import { evaluateSecure } from '../src/secure/evaluate.js';
import { secureInfer } from '../src/secure/infer.js';
import { resolveProgram } from '../src/secure/model-source.js';
import { generateCerts } from '../src/server/certs.js';
import { startLocalProcesses } from '../src/server/local.js';
import { runRole } from '../src/server/role-main.js';

describe('package entry', () => {
  // command → [what the entry exports, the function the command calls]
  const wrapped: [string, unknown, unknown][] = [
    ['compile', lib.compileModel, compileModel],
    ['eval', lib.evaluate, evaluate],
    ['eval --mode secure', lib.evaluateSecure, evaluateSecure],
    ['infer (program)', lib.secure.resolveProgram, resolveProgram],
    ['infer', lib.secure.secureInfer, secureInfer],
    ['selftest', lib.selftest, selftest],
    ['serve --role', lib.server.runRole, runRole],
    ['serve --local', lib.server.startLocalProcesses, startLocalProcesses],
    ['certs', lib.server.generateCerts, generateCerts],
    ['bench kernels', lib.bench.benchKernels, benchKernels],
    ['bench protocols', lib.bench.benchProtocols, benchProtocols],
    ['bench protocols (table rows)', lib.bench.benchLutProtocols, benchLutProtocols],
    ['bench bert', lib.bench.benchBert, benchBert],
    ['bench crypten', lib.bench.runCryptenBench, runCryptenBench],
  ];

  it.each(wrapped)('exports the function behind `lutmpc %s`', (_command, exported, called) => {
    expect(typeof called).toBe('function');
    expect(exported).toBe(called);
  });

  it('keeps the bench functions first exported at the top level', () => {
    expect(lib.benchKernels).toBe(benchKernels);
    expect(lib.benchProtocols).toBe(benchProtocols);
    expect(lib.benchLutProtocols).toBe(benchLutProtocols);
  });

  it('exports the bench constants and formatters the CLI prints with', () => {
    expect(lib.bench.BERT_BASE).toMatchObject({ layers: 12, hidden: 768 });
    expect(typeof lib.bench.formatCryptenBench).toBe('function');
    expect(typeof lib.bench.formatProtocolBench).toBe('function');
  });
});
