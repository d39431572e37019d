/**
 * lutmpc: secure three-party inference of quantized BERT models.
 *
 * The library is the product; the CLI (`lutmpc …`) wraps these exports.
 */
export * from './errors.js';
export * from './kernels/types.js';
export { getKernels, loadKernels, loadBackend, type LoadReport } from './kernels/loader.js';
export { tsKernels } from './kernels/ts.js';
export { selftest, type SelftestReport, type SelftestCheck } from './kernels/selftest.js';
export { RingTensor, shapeSize, type Shape } from './ring/tensor.js';
/** The three-party runtime and its protocols (`mpc.lut` holds the table protocols). */
export * as mpc from './mpc/index.js';
/** Plaintext model side: loading, tokenizer, float and integer references, quantizer. */
export * as model from './model/index.js';
export { compileModel, evaluate, type CompileOptions, type EvalOptions, type EvalReport } from './model/api.js';
/**
 * The benchmarks behind `lutmpc bench kernels|protocols|bert|crypten`:
 * `bench.benchKernels`, `bench.benchProtocols` (+ `bench.benchLutProtocols`
 * for the table rows), `bench.benchBert`, `bench.runCryptenBench`.
 */
export * as bench from './bench/index.js';
// Kept at the top level too, where they were first exported.
export { benchKernels, type KernelBenchReport } from './bench/kernels.js';
export { benchProtocols, type ProtocolBenchReport } from './bench/protocols.js';
export { benchLutProtocols } from './bench/protocols-lut.js';
/** Secure inference of a compiled program by three parties (infer, evaluate, demo). */
export * as secure from './secure/index.js';
export { evaluateSecure, type SecureEvalOptions, type SecureEvalReport } from './secure/evaluate.js';
/** Client SDK: `new Client({ p1, p2, … }).classify(text)`. */
export * from './client/index.js';
/** The long-running party services (`lutmpc serve`). */
export * as server from './server/index.js';
/** CrypTen's algorithms on this runtime (the baseline of `lutmpc bench crypten`). */
export * as crypten from './crypten/index.js';
