/** Core: errors, ids, clock, randomness and result types. Imports nothing from the project. */
export * from './clock.js';
export * from './errors.js';
export * from './ids.js';
export * from './random.js';
export * from './result.js';
