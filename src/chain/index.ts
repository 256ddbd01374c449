/**
 * The audit hash chain, its rule written once: how a row is placed and hashed (`rule.ts`)
 * and how stretches of stored rows are checked and joined (`check.ts`). A leaf over core:
 * storage, its worker threads and the verifier all import it from here.
 */
export * from './check.js';
export * from './rule.js';
