/**
 * Secure three-party evaluation of a compiled quantized BERT, bit-exact with
 * the plaintext integer reference (model/int-bert.ts).
 */
export * from './cost.js';
export * from './dealer-model.js';
export * from './embed.js';
export * from './engine.js';
export * from './evaluate.js';
export * from './forward.js';
export * from './infer.js';
export * from './inprocess.js';
export * from './launch.js';
export * from './model-source.js';
export * from './report.js';
export * from './session.js';
export * from './values.js';
