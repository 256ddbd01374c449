/**
 * The audit hash chain, one per workspace (workspace-less events form the chain `*`):
 * each event carries a gapless `seq` and `hash = SHA-256(prev_hash ‖ canonical JSON of the
 * event row without its hash)`, the first event of a chain chaining to GENESIS_HASH. The
 * row is the stored one — column names, JSON columns as their stored text — so a verifier
 * needs nothing but the table; on SQLite the table stores that canonical JSON itself.
 * docs/audit-format.md has test vectors.
 *
 * This is the one statement of the rule: storage's writers, its worker threads and the
 * verifier import it from here. The SQLite bulk check's SQL (storage/sqlite-chain-sql.ts)
 * only hands over the bytes this rule hashes, and tests prove it agrees with `scannedRowIntact`.
 */
import { hash as sha256Once } from 'node:crypto';
import { canonicalJson } from '../core/index.js';

export const GENESIS_HASH = '0'.repeat(64);
export const GLOBAL_CHAIN = '*';

export const chainOf = (workspaceId: string | null): string => workspaceId ?? GLOBAL_CHAIN;

/**
 * A stored `audit_events` row, every column of it: the hash covers them all, so the chain
 * owns the row's shape (storage's table type is this one). JSON columns hold their text.
 */
export interface ChainedRow {
  id: string;
  workspace_id: string | null;
  occurred_at: string;
  action: string;
  tool: string | null;
  outcome: string;
  error_code: string | null;
  member_id: string | null;
  credential_id: string | null;
  credential_name: string | null;
  environment: string | null;
  params: string | null;
  result: string | null;
  ip: string | null;
  user_agent: string | null;
  client_name: string | null;
  client_version: string | null;
  request_id: string | null;
  duration_ms: number | null;
  detail: string | null;
  changes: string | null;
  reason: string | null;
  confirmation: string | null;
  seq: number;
  prev_hash: string;
  hash: string;
}
export type UnchainedRow = Omit<ChainedRow, 'seq' | 'prev_hash' | 'hash'>;

const chainHash = (prevHash: string, body: string) => sha256Once('sha256', prevHash + body, 'hex');

/** The hex SHA-256 of bytes a hash covers, as stored (`prev_hash ‖ body` on SQLite). */
export const chainDigest = (bytes: Uint8Array): string => sha256Once('sha256', bytes, 'hex');

export function eventHash(row: Omit<ChainedRow, 'hash'>): string {
  return chainHash(row.prev_hash, eventBody(row));
}

/**
 * What `hash` covers after `prev_hash`: the canonical JSON of the row without its hash. On
 * SQLite it is stored as the column `body`, and the other columns are read out of it
 * (migration 0010).
 */
export function eventBody(row: Omit<ChainedRow, 'hash'>): string {
  const { hash: _, ...content } = row as ChainedRow;
  return canonicalJson(content);
}

/**
 * A stored row as plain values, in CHAIN_SCAN_COLUMNS order: what chain scans deliver (on
 * SQLite followed by the hashed bytes, `CHAIN_HASHED`).
 */
export type ChainValues = readonly (string | number | null | Uint8Array)[];

// Every column, checked by the compiler: a column added to the table cannot be left out here.
const CHAIN_COLUMN_SET: Record<keyof ChainedRow, true> = {
  id: true,
  workspace_id: true,
  occurred_at: true,
  action: true,
  tool: true,
  outcome: true,
  error_code: true,
  member_id: true,
  credential_id: true,
  credential_name: true,
  environment: true,
  params: true,
  result: true,
  ip: true,
  user_agent: true,
  client_name: true,
  client_version: true,
  request_id: true,
  duration_ms: true,
  detail: true,
  changes: true,
  reason: true,
  confirmation: true,
  seq: true,
  prev_hash: true,
  hash: true,
};

/** Every column of `audit_events`, in table order. */
export const AUDIT_COLUMNS = Object.keys(CHAIN_COLUMN_SET) as (keyof ChainedRow)[];

/**
 * The columns a chain scan reads, in this order: the hashed ones sorted as canonical JSON
 * sorts keys (so a row's canonical text is written front to back without a lookup), then
 * `hash`.
 */
export const CHAIN_SCAN_COLUMNS: readonly (keyof ChainedRow)[] = [
  ...AUDIT_COLUMNS.filter((c) => c !== 'hash').sort(),
  'hash',
];
export const CHAIN_SEQ = CHAIN_SCAN_COLUMNS.indexOf('seq');
export const CHAIN_PREV_HASH = CHAIN_SCAN_COLUMNS.indexOf('prev_hash');
export const CHAIN_HASH = CHAIN_SCAN_COLUMNS.length - 1;
/** Where a scanned SQLite row carries the bytes its hash covers: `prev_hash ‖ body`. */
export const CHAIN_HASHED = CHAIN_SCAN_COLUMNS.length;

const CHAIN_HEADS = CHAIN_SCAN_COLUMNS.slice(0, CHAIN_HASH).map(
  (key, i) => `${i ? ',' : '{'}${JSON.stringify(key)}:`,
);

/**
 * `eventHash` of a scanned row (its stored `hash` is not hashed): the same canonical JSON as
 * `createFastEventHash`, one string and one one-shot digest per row.
 */
export function chainValuesHash(values: ChainValues): string {
  let text = values[CHAIN_PREV_HASH] as string;
  for (let i = 0; i < CHAIN_HASH; i++) {
    const value = values[i];
    text += CHAIN_HEADS[i]! + (value === null ? 'null' : JSON.stringify(value));
  }
  return sha256Once('sha256', `${text}}`, 'hex');
}

/**
 * Whether a scanned row matches its stored hash. A SQLite row brings the stored bytes its
 * hash covers (`CHAIN_HASHED`), and those are what is hashed: its columns are read out of
 * them. Other rows are written again as canonical JSON from their values.
 */
export function scannedRowIntact(values: readonly unknown[]): boolean {
  const hashed = values[CHAIN_HASHED];
  const digest =
    hashed === undefined
      ? chainValuesHash(values as ChainValues)
      : Buffer.isBuffer(hashed)
        ? chainDigest(hashed)
        : null;
  return digest !== null && digest === values[CHAIN_HASH];
}

/**
 * The row placed after `head` in its chain, and the text its hash covers (`eventBody`, what
 * SQLite stores), written once.
 */
export function chainEntry(
  row: UnchainedRow,
  head: { seq: number; hash: string },
): { row: ChainedRow; body: string } {
  const placed = { ...row, seq: head.seq + 1, prev_hash: head.hash };
  const body = eventBody(placed);
  return { row: { ...placed, hash: chainHash(placed.prev_hash, body) }, body };
}

/** The row as it is stored: placed after `head` in its chain. */
export const chainRow = (row: UnchainedRow, head: { seq: number; hash: string }): ChainedRow =>
  chainEntry(row, head).row;
