/**
 * The benchmarks behind `lutmpc bench kernels|protocols|bert|crypten`, as
 * library functions returning the same JSON reports the CLI prints (the CLI
 * only parses flags and formats). Each run takes seconds to minutes and
 * starts party processes for the TCP transports; none belongs in a timed test.
 */
export { benchKernels, type KernelBenchOptions, type KernelBenchReport, type GemmFigure, type Timing } from './kernels.js';
export {
  benchProtocols,
  formatProtocolBench,
  PROTOCOL_CASES,
  QUICK_CASES,
  type BenchTransport,
  type ProtocolBenchCase,
  type ProtocolBenchOptions,
  type ProtocolBenchReport,
  type ProtocolBenchRow,
} from './protocols.js';
export { benchLutProtocols, lutCases, type LutBenchOptions, type LutBenchRow } from './protocols-lut.js';
export { benchBert, type BertBenchOptions, type BertBenchReport, type LabelBench } from './bert.js';
export {
  runCryptenBench,
  formatCryptenBench,
  BERT_BASE,
  BERT_TINY,
  type BenchShape,
  type CryptenBenchOptions,
  type CryptenBenchReport,
  type LabelRow,
  type SideFigures,
} from './crypten.js';
