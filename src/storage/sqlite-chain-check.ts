/**
 * The bulk chain reads on SQLite: `scanChain`'s pages, and `summarizeChain`. Checking a
 * million rows in JavaScript is mostly turning ~25 values per row into strings and writing
 * canonical JSON from them. Here SQLite writes the canonical JSON itself — `json_object` over
 * the columns in canonical key order writes text, null and safe integers exactly as
 * `JSON.stringify` does (a unit test holds it to that) — so a row costs one string and one
 * digest. A row holding anything else (a real, a blob, an integer past 2^53) gets no text and
 * fails the check, and the verifier reads the chain row by row in JavaScript instead. The
 * chain is split into seq ranges, checked by worker threads with read-only connections of
 * their own, and joined in order.
 */
import { hash as sha256Once } from 'node:crypto';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';
import { CHAIN_HASH, CHAIN_SCAN_COLUMNS, type ChainValues, GLOBAL_CHAIN } from './audit-chain.js';
import { type ChunkCheck, checkChunk, createChainJoin } from './chain-check.js';
import type { ChainSummary } from './ports.js';

/** The SQLite connection under kysely, its file, and a way to read on it in turn. */
export interface RawSqlite {
  readonly connection: SQLite.Database;
  readonly file: string | undefined;
  /**
   * Runs `read` while the connection is ours: never in the middle of another caller's
   * kysely transaction, whose rows are not committed yet.
   */
  exclusive<T>(read: () => T): Promise<T>;
}

export interface SqliteChainCheckOptions {
  /** Rows (seqs) per stretch handed to a worker. */
  readonly chunkSeqs?: number;
  /** Worker threads; fewer than 2 checks in this thread. Default: the CPUs, at most 4. */
  readonly workers?: number;
  readonly busyTimeoutMs?: number;
}

const DEFAULT_CHUNK_SEQS = 25_000;
const MAX_WORKERS = 4;
const MAX_SEQ = Number.MAX_SAFE_INTEGER;
const SAFE = '9007199254740991';

const CONTENT = CHAIN_SCAN_COLUMNS.slice(0, CHAIN_HASH);
const CHAIN_WHERE = `coalesce(workspace_id, '${GLOBAL_CHAIN}') = ? and workspace_id is ?`;

/**
 * The query giving each row's seq, prev_hash, hash and prev_hash ‖ canonical JSON, for the
 * table as this database declares it: a column of TEXT affinity holds only text, null or
 * blobs (SQLite stores numbers given to it as text), so only the others need the full test.
 */
export function chainCheckSql(connection: SQLite.Database): string {
  const declared = new Map(
    (connection.pragma('table_info(audit_events)') as { name: string; type: string }[]).map((c) => [
      c.name,
      c.type,
    ]),
  );
  // SQLite's affinity rules (https://sqlite.org/datatype3.html#determination_of_column_affinity).
  const textAffinity = (type: string) => !/INT/i.test(type) && /CHAR|CLOB|TEXT/i.test(type);
  const unwritable = CONTENT.map((c) =>
    textAffinity(declared.get(c) ?? '')
      ? `typeof(${c}) = 'blob'`
      : `typeof(${c}) in ('real', 'blob') or (typeof(${c}) = 'integer' and ${c} not between -${SAFE} and ${SAFE})`,
  ).join(' or ');
  return `select seq, prev_hash, hash,
      case when ${unwritable} then null else prev_hash || json_object(${CONTENT.map((c) => `'${c}', ${c}`).join(', ')}) end
    from audit_events where ${CHAIN_WHERE} and seq > ? and seq <= ? order by seq`;
}
const COLUMNS = { seq: 0, prevHash: 1, hash: 2 };
const TEXT = 3;

const SCAN_SQL = `select ${CHAIN_SCAN_COLUMNS.join(', ')} from audit_events
  where ${CHAIN_WHERE} and seq > ? order by seq limit ?`;

/**
 * `scanChain`'s pages on SQLite: arrays straight from the driver. Each page is its own run of
 * the statement, so the connection is free for other queries between pages.
 */
export function sqliteChainPages(sqlite: RawSqlite, chain: string, pageSize: number) {
  const workspaceId = chain === GLOBAL_CHAIN ? null : chain;
  return (after: number) =>
    sqlite.exclusive(
      () =>
        sqlite.connection.prepare(SCAN_SQL).raw().all(chain, workspaceId, after, pageSize) as ChainValues[],
    );
}

const intact = (row: readonly unknown[]) => {
  const text = row[TEXT];
  return typeof text === 'string' && sha256Once('sha256', text, 'hex') === row[COLUMNS.hash];
};

export async function summarizeSqliteChain(
  sqlite: RawSqlite,
  query: { chain: string; afterSeq: number; pinned: readonly number[] },
  options: SqliteChainCheckOptions = {},
): Promise<ChainSummary | null> {
  const { connection, file } = sqlite;
  const { chain, afterSeq } = query;
  const workspaceId = chain === GLOBAL_CHAIN ? null : chain;
  const pinned = new Set(query.pinned);
  const edge = (order: 'asc' | 'desc') =>
    connection
      .prepare(`select seq from audit_events where ${CHAIN_WHERE} and seq > ? order by seq ${order} limit 1`)
      .pluck()
      .get(chain, workspaceId, afterSeq) as unknown;
  const { min, max, sql } = await sqlite.exclusive(() => ({
    min: edge('asc'),
    max: edge('desc'),
    sql: chainCheckSql(connection),
  }));
  // In this thread, a stretch at a time, letting other work run in between.
  const checkHere = async (lo: number, hi: number) => {
    await nextTurn();
    return sqlite.exclusive(() => {
      const rows = connection.prepare(sql).raw().iterate(chain, workspaceId, lo, hi) as Iterable<unknown[]>;
      return checkChunk(rows, COLUMNS, pinned, intact);
    });
  };

  const join = createChainJoin();
  if (typeof min === 'number' && typeof max === 'number') {
    const size = options.chunkSeqs ?? DEFAULT_CHUNK_SEQS;
    const ranges: [number, number][] = [];
    for (let lo = min - 1; lo < max; lo += size) ranges.push([lo, Math.min(max, lo + size)]);
    const workers = Math.min(options.workers ?? availableParallelism(), MAX_WORKERS, ranges.length);
    const checked =
      file && workers >= 2
        ? await checkInWorkers(
            file,
            sql,
            { chain, workspaceId, pinned: query.pinned },
            ranges,
            workers,
            options,
          )
        : undefined;
    for (let i = 0; i < ranges.length; i++) {
      const chunk = checked ? checked[i] : await checkHere(...ranges[i]!);
      if (!chunk || !join.add(chunk)) return null;
    }
  } else if (min !== undefined || max !== undefined) {
    return null; // a seq that is no number (a tampered column) sorts before or after all numbers
  }
  // Rows appended while the check ran belong to the chain too.
  join.add(await checkHere(max ?? afterSeq, MAX_SEQ), true);
  return join.result();
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

// Plain CommonJS run by `new Worker(…, { eval: true })`: no separate file to build or resolve.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { hash } = require('node:crypto');
const Database = require(workerData.driverPath);
const checkChunk = (${checkChunk.toString()});
const db = new Database(workerData.file, { readonly: true, fileMustExist: true, timeout: workerData.busyTimeoutMs });
const statement = db.prepare(workerData.sql).raw();
const pinned = new Set(workerData.pinned);
const { seq, prevHash, hash: hashAt, text } = workerData.columns;
const intact = (row) => typeof row[text] === 'string' && hash('sha256', row[text], 'hex') === row[hashAt];
parentPort.on('message', ({ index, lo, hi }) => {
  try {
    const rows = statement.iterate(workerData.chain, workerData.workspaceId, lo, hi);
    parentPort.postMessage({ index, result: checkChunk(rows, { seq, prevHash, hash: hashAt }, pinned, intact) });
  } catch (error) {
    parentPort.postMessage({ index, error: String((error && error.message) || error) });
  }
});
`;

/**
 * Checks the ranges on `count` workers, each taking the next range when it is done. Resolves
 * with a check per range, or with `null` entries from the first irregular one on (no point
 * in going on); `undefined` when the workers cannot run, and the caller checks in-thread.
 */
async function checkInWorkers(
  file: string,
  sql: string,
  chain: { chain: string; workspaceId: string | null; pinned: readonly number[] },
  ranges: readonly [number, number][],
  count: number,
  options: SqliteChainCheckOptions,
): Promise<(ChunkCheck | null)[] | undefined> {
  const results: (ChunkCheck | null)[] = ranges.map(() => null);
  const workerData = {
    ...chain,
    file,
    sql,
    columns: { ...COLUMNS, text: TEXT },
    busyTimeoutMs: options.busyTimeoutMs ?? 5000,
    driverPath: createRequire(import.meta.url).resolve('better-sqlite3'),
  };
  const workers: Worker[] = [];
  try {
    return await new Promise<(ChunkCheck | null)[] | undefined>((resolve) => {
      let next = 0;
      let running = 0;
      let stopped = false;
      const hand = (worker: Worker) => {
        if (stopped || next >= ranges.length) {
          if (running === 0) resolve(results);
          return;
        }
        const index = next++;
        running++;
        worker.postMessage({ index, lo: ranges[index]![0], hi: ranges[index]![1] });
      };
      for (let i = 0; i < count; i++) {
        const worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
        workers.push(worker);
        worker.on('message', (message: { index: number; result?: ChunkCheck }) => {
          running--;
          results[message.index] = message.result ?? null;
          if (!message.result?.regular) stopped = true;
          hand(worker);
        });
        // A worker that cannot open the database: check in this thread instead.
        worker.on('error', () => resolve(undefined));
        worker.on('exit', () => resolve(undefined));
        hand(worker);
      }
    });
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
