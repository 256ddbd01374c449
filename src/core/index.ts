/** Core: errors, ids, clock, randomness, canonical JSON, key derivation, IP blocks, shared fresh reads and result types. Imports nothing from the project. */
export * from './canonical-json.js';
export * from './clock.js';
export * from './derive-key.js';
export * from './errors.js';
export * from './escaped-text.js';
export * from './fresh-reads.js';
export * from './ids.js';
export * from './ip-block.js';
export * from './random.js';
export * from './result.js';
export * from './time-input.js';
