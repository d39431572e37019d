/** CrypTen's published algorithms (fixed point in Z_2^64, Beaver triples from a dealer) on the lutmpc runtime: the baseline. */
export * from './engine.js';
export * from './functions.js';
export * from './bert.js';
export * from './session.js';
export * from './evaluate.js';
export * from './launch.js';
