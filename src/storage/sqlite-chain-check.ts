/**
 * The bulk chain reads on SQLite: `scanChain`'s pages, and `summarizeChain`. A row stores the
 * text its hash covers (migration 0010), so SQLite sums the rows up a group at a time
 * (sqlite-chain-sql.ts) and a row costs one digest of its stored bytes; a row the
 * JavaScript rule would doubt gets no text and fails the check, and the verifier reads the
 * chain row by row instead. The chain is split into seq ranges, checked by worker threads
 * with read-only connections of their own, and joined in order.
 */
import { availableParallelism } from 'node:os';
import type SQLite from 'better-sqlite3';
import {
  CHAIN_SCAN_COLUMNS,
  type ChainSummary,
  type ChainValues,
  type ChunkCheck,
  chainDigest,
  chainGroups,
  checkGroups,
  createChainJoin,
  GLOBAL_CHAIN,
  goOn,
  type RowGroup,
} from '../chain/index.js';
import { CHAIN_EDGES_SQL, CHAIN_GROUP_SQL, CHAIN_HASHED_SQL, CHAIN_WHERE } from './sqlite-chain-sql.js';
import { type ChainQuery, type ChainWorkers, startChainWorkers } from './sqlite-chain-workers.js';

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
  /** Seqs per stretch handed to a worker. */
  readonly chunkRows?: number;
  /** Seqs per query, summed up in one result row. */
  readonly groupRows?: number;
  /** Worker threads; fewer than 2 checks in this thread. Default: the CPUs, at most 4. */
  readonly workers?: number;
  readonly busyTimeoutMs?: number;
}

const DEFAULT_CHUNK_ROWS = 10_000;
const DEFAULT_GROUP_ROWS = 100;
const MAX_WORKERS = 4;
const MAX_SEQ = Number.MAX_SAFE_INTEGER;
/** The least room a row takes on a page: a 4-byte cell and its 2-byte pointer. */
const MIN_ROW_BYTES = 6;

const SCAN_SQL = `select ${CHAIN_SCAN_COLUMNS.join(', ')}, ${CHAIN_HASHED_SQL} from audit_events
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

const isSeq = (value: unknown): value is number => Number.isSafeInteger(value);

export async function summarizeSqliteChain(
  sqlite: RawSqlite,
  request: { chain: string; afterSeq: number; pinned: readonly number[] },
  options: SqliteChainCheckOptions = {},
): Promise<ChainSummary | null> {
  const { connection } = sqlite;
  const query: ChainQuery = {
    ...request,
    workspaceId: request.chain === GLOBAL_CHAIN ? null : request.chain,
  };
  const { edges, fileBytes } = await sqlite.exclusive(() => ({
    edges: connection
      .prepare(CHAIN_EDGES_SQL)
      .raw()
      .get({ chain: query.chain, workspace: query.workspaceId, after: query.afterSeq }) as unknown[],
    fileBytes:
      (connection.pragma('page_count', { simple: true }) as number) *
      (connection.pragma('page_size', { simple: true }) as number),
  }));
  const [first, last] = edges;
  const checker = createRangeChecker(sqlite, CHAIN_GROUP_SQL, query, options);
  try {
    const join = createChainJoin();
    if (first !== null || last !== null) {
      // A seq that is no integer (a tampered column) sorts before or after all integers;
      // more seqs than the file has room for rows would make ranges without end.
      if (!isSeq(first) || !isSeq(last) || last - first >= fileBytes / MIN_ROW_BYTES) return null;
      const size = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
      const ranges: [number, number][] = [];
      for (let lo = first - 1; lo < last; lo += size) ranges.push([lo, Math.min(last, lo + size)]);
      for (const chunk of await checker.check(ranges)) {
        if (!chunk || !join.add(chunk)) return null;
      }
    }
    // Rows appended while the check ran belong to the chain too.
    join.add(await checker.here(isSeq(last) ? last : query.afterSeq, MAX_SEQ, true), true);
    return join.result();
  } finally {
    checker.close();
  }
}

interface RangeChecker {
  check(ranges: readonly [number, number][]): Promise<(ChunkCheck | null)[]>;
  /** One range in this thread; `whole`: in one query, however large the range. */
  here(lo: number, hi: number, whole?: boolean): Promise<ChunkCheck>;
  close(): void;
}

/** Checks ranges on worker threads when there is a file and more than one CPU, else here. */
function createRangeChecker(
  sqlite: RawSqlite,
  sql: string,
  query: ChainQuery,
  options: SqliteChainCheckOptions,
): RangeChecker {
  const { connection, file } = sqlite;
  const groupRows = options.groupRows ?? DEFAULT_GROUP_ROWS;
  const pinned = new Set(query.pinned);
  let workers: ChainWorkers | undefined;
  const startWorkers = (ranges: number) => {
    const count = Math.min(options.workers ?? availableParallelism(), MAX_WORKERS, ranges);
    return file && count >= 2
      ? startChainWorkers(
          { file, sql, groupRows, busyTimeoutMs: options.busyTimeoutMs ?? 5000 },
          query,
          count,
        )
      : undefined;
  };

  const here: RangeChecker['here'] = async (lo, hi, whole = false) => {
    // A stretch at a time, letting other work run in between.
    await nextTurn();
    return sqlite.exclusive(() => {
      const statement = connection.prepare(sql).raw();
      const group = (from: number, to: number) =>
        statement.get(query.chain, query.workspaceId, query.afterSeq, from, to) as RowGroup;
      return checkGroups(chainGroups(group, lo, hi, whole ? hi - lo : groupRows), pinned, chainDigest);
    });
  };
  return {
    async check(ranges) {
      workers ??= startWorkers(ranges.length);
      const checked = workers && (await workers.check(ranges));
      if (checked) return checked;
      const results: (ChunkCheck | null)[] = ranges.map(() => null);
      for (let i = 0; i < ranges.length; i++) {
        results[i] = await here(...ranges[i]!);
        if (!goOn(results[i]!)) break;
      }
      return results;
    },
    here,
    close() {
      workers?.close();
    },
  };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
