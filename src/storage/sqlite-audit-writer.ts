/**
 * Group-committed audit rows on SQLite, written by a worker thread with its own connection.
 * better-sqlite3 is synchronous, so a commit's disk sync (synchronous = FULL) would stall the
 * event loop for every request; here it stalls only the worker. Each batch commits in one
 * BEGIN IMMEDIATE transaction; if it fails, each row is retried alone, so one bad row fails
 * only its own request. A row is reported written only after its commit returned.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { canonicalJson } from '../core/index.js';
import type { AuditEvent } from '../model/index.js';
import { GENESIS_HASH, GLOBAL_CHAIN, type UnchainedRow } from './audit-chain.js';

export interface AuditAppender {
  /** One entry per event: `null` when it is durable, else the error that kept it out. */
  append(events: readonly AuditEvent[]): Promise<(Error | null)[]>;
  close(): Promise<void>;
}

// Plain CommonJS run by `new Worker(…, { eval: true })`: no separate file to build or resolve.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const Database = require(workerData.driverPath);
const canonicalJson = (${canonicalJson.toString()});
const db = new Database(workerData.file, { timeout: workerData.busyTimeoutMs });
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
let insertAll;
const prepare = () => {
  // The columns are read out of body (migration 0010).
  const insert = db.prepare('insert into audit_events (body, prev_hash, hash) values (?, ?, ?)');
  const ensureHead = db.prepare('insert into audit_heads (chain, seq, hash) values (?, 0, ?) on conflict (chain) do nothing');
  const head = db.prepare('select seq, hash from audit_heads where chain = ?');
  const moveHead = db.prepare('update audit_heads set seq = ?, hash = ? where chain = ?');
  // The chain rule of src/storage/audit-chain.ts, inside the same write transaction.
  insertAll = db.transaction((rows) => {
    for (const row of rows) {
      const chain = row.workspace_id === null ? workerData.globalChain : row.workspace_id;
      ensureHead.run(chain, workerData.genesis);
      const last = head.get(chain);
      const placed = { ...row, seq: last.seq + 1, prev_hash: last.hash };
      const body = canonicalJson(placed);
      const hash = createHash('sha256').update(placed.prev_hash).update(body).digest('hex');
      insert.run(body, placed.prev_hash, hash);
      moveHead.run(placed.seq, hash, chain);
    }
  });
};
const write = (rows) => { if (!insertAll) prepare(); insertAll.immediate(rows); };
parentPort.on('message', ({ id, rows }) => {
  try {
    write(rows);
    parentPort.postMessage({ id, errors: rows.map(() => null) });
  } catch {
    const errors = rows.map((row) => {
      try { write([row]); return null; } catch (error) { return String((error && error.message) || error); }
    });
    parentPort.postMessage({ id, errors });
  }
});
`;

export function startSqliteAuditWriter(
  file: string,
  toRow: (event: AuditEvent) => UnchainedRow,
  busyTimeoutMs: number,
): AuditAppender {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      file,
      busyTimeoutMs,
      genesis: GENESIS_HASH,
      globalChain: GLOBAL_CHAIN,
      driverPath: createRequire(import.meta.url).resolve('better-sqlite3'),
    },
  });
  worker.unref();
  const pending = new Map<
    number,
    { resolve(errors: (Error | null)[]): void; reject(error: unknown): void }
  >();
  let nextId = 0;
  let broken: Error | undefined;
  const failAll = (error: Error) => {
    broken = error;
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  };
  worker.on('message', ({ id, errors }: { id: number; errors: (string | null)[] }) => {
    pending.get(id)?.resolve(errors.map((e) => (e === null ? null : new Error(e))));
    pending.delete(id);
  });
  worker.on('error', failAll);
  worker.on('exit', (code) => failAll(new Error(`audit writer stopped (exit ${code})`)));
  return {
    append(events) {
      if (broken) return Promise.reject(broken);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, rows: events.map(toRow) });
      });
    },
    close: async () => {
      await worker.terminate();
    },
  };
}
