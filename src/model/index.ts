/** Plaintext model side: HF loading, tokenizer, float reference, quantizer, integer program and reference. */
export * from './api.js';
export * from './bits.js';
export * from './calibrate.js';
export * from './config.js';
export * from './data.js';
export * from './float-bert.js';
export * from './hf-folder.js';
export * from './int-bert.js';
export * from './intops.js';
export * from './mathfn.js';
export * from './program.js';
export * from './progress.js';
export * from './quantize.js';
export * from './random-bert.js';
export * from './safetensors.js';
export * from './tokenizer.js';
export * from './weights.js';
