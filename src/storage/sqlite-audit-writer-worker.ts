/**
 * The SQLite audit writer's thread (sqlite-audit-writer.ts starts it): its own connection,
 * one BEGIN IMMEDIATE transaction per batch, each row placed in its chain by the chain rule
 * inside that transaction. A failed batch is retried row by row, so one bad row fails only
 * its own request.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { chainEntry, chainOf, GENESIS_HASH, type UnchainedRow } from '../chain/index.js';

/** What the starting thread hands over. */
export interface AuditWriterData {
  readonly file: string;
  readonly busyTimeoutMs: number;
}

/** A batch to write, and the answer: one entry per row, null when it is committed. */
export interface AuditWriterRequest {
  readonly id: number;
  readonly rows: readonly UnchainedRow[];
}
export interface AuditWriterReply {
  readonly id: number;
  readonly errors: (string | null)[];
}

const port = parentPort;
if (!port) throw new Error('the audit writer runs as a worker thread');
const { file, busyTimeoutMs } = workerData as AuditWriterData;
const db = new Database(file, { timeout: busyTimeoutMs });
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');

let insertAll: ((rows: readonly UnchainedRow[]) => void) | undefined;
// Prepared at the first batch, so a thread started before the tables exist still works.
const prepare = () => {
  // The columns are read out of body (migration 0010).
  const insert = db.prepare('insert into audit_events (body, prev_hash, hash) values (?, ?, ?)');
  const ensureHead = db.prepare(
    'insert into audit_heads (chain, seq, hash) values (?, 0, ?) on conflict (chain) do nothing',
  );
  const head = db.prepare<[string], { seq: number; hash: string }>(
    'select seq, hash from audit_heads where chain = ?',
  );
  const moveHead = db.prepare('update audit_heads set seq = ?, hash = ? where chain = ?');
  const transaction = db.transaction((rows: readonly UnchainedRow[]) => {
    for (const row of rows) {
      const chain = chainOf(row.workspace_id);
      ensureHead.run(chain, GENESIS_HASH);
      const { row: placed, body } = chainEntry(row, head.get(chain)!);
      insert.run(body, placed.prev_hash, placed.hash);
      moveHead.run(placed.seq, placed.hash, chain);
    }
  });
  return (rows: readonly UnchainedRow[]) => transaction.immediate(rows);
};

const write = (rows: readonly UnchainedRow[]) => {
  insertAll ??= prepare();
  insertAll(rows);
};
const message = (error: unknown) => String((error instanceof Error && error.message) || error);

port.on('message', ({ id, rows }: AuditWriterRequest) => {
  let errors: (string | null)[];
  try {
    write(rows);
    errors = rows.map(() => null);
  } catch {
    errors = rows.map((row) => {
      try {
        write([row]);
        return null;
      } catch (error) {
        return message(error);
      }
    });
  }
  port.postMessage({ id, errors } satisfies AuditWriterReply);
});
