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
