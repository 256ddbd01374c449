/**
 * The audit hash chain, one per workspace (workspace-less events form the chain `*`):
 * each event carries a gapless `seq` and `hash = SHA-256(prev_hash ‖ canonical JSON of the
 * event row without its hash)`, the first event of a chain chaining to GENESIS_HASH. The
 * row is the stored one — column names, JSON columns as their stored text — so a verifier
 * needs nothing but the table. docs/audit-format.md has test vectors.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/index.js';
import type { AuditEventTable } from './schema.js';

export const GENESIS_HASH = '0'.repeat(64);
export const GLOBAL_CHAIN = '*';

export const chainOf = (workspaceId: string | null): string => workspaceId ?? GLOBAL_CHAIN;

export type ChainedRow = AuditEventTable;
export type UnchainedRow = Omit<AuditEventTable, 'seq' | 'prev_hash' | 'hash'>;

export function eventHash(row: Omit<ChainedRow, 'hash'>): string {
  return createHash('sha256').update(row.prev_hash).update(canonicalJson(row)).digest('hex');
}

/**
 * The same hash for rows whose values are all strings, numbers or null (every stored audit
 * row): canonical JSON written with the key order computed once. Verification hashes
 * millions of rows; a unit test holds it equal to `eventHash`.
 */
export function createFastEventHash(): (row: Omit<ChainedRow, 'hash'>) => string {
  let keys: string[] | undefined;
  let heads: string[] = [];
  return (row) => {
    if (!keys) {
      keys = Object.keys(row).sort();
      heads = keys.map((key, i) => `${i ? ',' : '{'}${JSON.stringify(key)}:`);
    }
    let text = '';
    const record = row as unknown as Record<string, string | number | null>;
    for (let i = 0; i < keys.length; i++) {
      const value = record[keys[i]!];
      text += heads[i] + (value === null ? 'null' : JSON.stringify(value));
    }
    return createHash('sha256').update(row.prev_hash).update(`${text}}`).digest('hex');
  };
}

/** The row as it is stored: placed after `head` in its chain. */
export function chainRow(row: UnchainedRow, head: { seq: number; hash: string }): ChainedRow {
  const placed = { ...row, seq: head.seq + 1, prev_hash: head.hash };
  return { ...placed, hash: eventHash(placed) };
}
