/** Lookup-table protocols: table lookups, exact shifts, requantization, comparisons, 1-bit layers. */
export * from './tables.js';
export * from './local.js';
export * from './stages.js';
export * from './lut.js';
export * from './shift.js';
export * from './requant.js';
export * from './compare.js';
export * from './onebit.js';
