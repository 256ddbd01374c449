/**
 * The PostgreSQL pool and the kysely driver over it, built so that no database fault can
 * take the process down or hold a request for ever:
 * - every pool and every client has an `'error'` listener (pg emits one when the server
 *   restarts, fails over or terminates a backend; without a listener Node exits);
 * - connecting, waiting for a pooled connection and each statement are bounded in time, on
 *   the server (`statement_timeout`, `idle_in_transaction_session_timeout`) and in the client
 *   (a paused or unreachable server cannot cancel anything);
 * - an outage becomes `AppError('unavailable')` here, and the connection it happened on is
 *   thrown away rather than handed to the next request.
 * The pool reconnects on demand, so service resumes by itself when the database is back.
 */
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  PostgresDialect,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import pg from 'pg';
import { databaseUnavailable, isDatabaseOutage, toStorageError } from './database-outage.js';
import { isStalePlan, StatementNames } from './postgres-prepared.js';

export interface PostgresTimeouts {
  /** New connection, or a free one from the pool. */
  readonly connectMs: number;
  /** Server-side `statement_timeout`; 0 turns it (and the client-side bound) off. */
  readonly statementMs: number;
  /** Server-side `idle_in_transaction_session_timeout`; 0 turns it off. */
  readonly idleInTransactionMs: number;
}

export const POOL_SIZE = 10;
/** The client gives up this long after the server should have cancelled the statement. */
export const CLIENT_GRACE_MS = 1000;

export interface PoolLogger {
  warn(obj: unknown, msg: string): void;
}

export function createPool(
  connectionString: string,
  options: {
    schema: string | null;
    timeouts: PostgresTimeouts;
    logger?: PoolLogger;
    /** Commit without waiting for the WAL flush: only for data a crash may lose (counters). */
    asyncCommit?: boolean;
  },
): pg.Pool {
  const { timeouts } = options;
  const settings = [
    ...(options.schema ? [`-c search_path=${options.schema}`] : []),
    ...(options.asyncCommit ? ['-c synchronous_commit=off'] : []),
  ];
  const pool = new pg.Pool({
    connectionString,
    max: POOL_SIZE,
    ...(settings.length > 0 && { options: settings.join(' ') }),
    connectionTimeoutMillis: timeouts.connectMs,
    ...(timeouts.statementMs > 0 && {
      statement_timeout: timeouts.statementMs,
      query_timeout: timeouts.statementMs + CLIENT_GRACE_MS,
    }),
    ...(timeouts.idleInTransactionMs > 0 && {
      idle_in_transaction_session_timeout: timeouts.idleInTransactionMs,
    }),
    // A peer that vanished (network black hole) is noticed by TCP, not only by the timeouts.
    keepAlive: true,
  });
  const report = (error: Error) => options.logger?.warn({ err: error }, 'PostgreSQL connection lost');
  // An idle client's error reaches the pool, which drops that client; a checked-out client's
  // error reaches only the client (its query fails with it too). Both would otherwise crash.
  pool.on('error', report);
  pool.on('connect', (client) => client.on('error', report));
  return pool;
}

/** kysely's PostgreSQL dialect with our driver; the introspector is the caller's to choose. */
export class ResilientPostgresDialect extends PostgresDialect {
  readonly #pool: pg.Pool;
  constructor(pool: pg.Pool) {
    super({ pool });
    this.#pool = pool;
  }
  override createDriver(): Driver {
    return new ResilientPostgresDriver(this.#pool);
  }
}

class ResilientPostgresDriver implements Driver {
  readonly #pool: pg.Pool;
  readonly #names = new StatementNames();
  /** Per connection, the names a schema change made unusable there. */
  readonly #stale = new WeakMap<pg.PoolClient, Set<string>>();
  #ended = false;
  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#ended) throw new Error('the database connection is closed');
    try {
      const client = await this.#pool.connect();
      const stale = this.#stale.get(client) ?? new Set<string>();
      this.#stale.set(client, stale);
      return new PoolConnection(client, this.#names, stale);
    } catch (error) {
      throw toStorageError(error);
    }
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    let text = settings.isolationLevel || settings.accessMode ? 'start transaction' : 'begin';
    if (settings.isolationLevel) text += ` isolation level ${settings.isolationLevel}`;
    if (settings.accessMode) text += ` ${settings.accessMode}`;
    await connection.executeQuery(CompiledQuery.raw(text));
    (connection as PoolConnection).inTransaction = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    (connection as PoolConnection).inTransaction = false;
    const { rows } = await connection.executeQuery<{ command?: string }>(CompiledQuery.raw('commit'));
    // PostgreSQL answers COMMIT of an aborted transaction with ROLLBACK: nothing was written.
    if (rows[0]?.command === 'ROLLBACK') throw new Error('the transaction was rolled back');
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    (connection as PoolConnection).inTransaction = false;
    try {
      await connection.executeQuery(CompiledQuery.raw('rollback'));
    } catch (error) {
      // A connection whose transaction state is unknown must never serve another request.
      (connection as PoolConnection).discard(error);
      throw error;
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    (connection as PoolConnection).release();
  }

  async destroy(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    await this.#pool.end();
  }
}

class PoolConnection implements DatabaseConnection {
  readonly #client: pg.PoolClient;
  readonly #names: StatementNames;
  readonly #stale: Set<string>;
  #broken: Error | undefined;
  inTransaction = false;
  constructor(client: pg.PoolClient, names: StatementNames, stale: Set<string>) {
    this.#client = client;
    this.#names = names;
    this.#stale = stale;
  }

  async #run(text: string, values: unknown[]): Promise<pg.QueryResult> {
    const name = this.#names.nameOf(text, values.length);
    if (name === undefined || this.#stale.has(name)) return this.#client.query(text, values);
    try {
      return await this.#client.query({ name, text, values });
    } catch (error) {
      if (!isStalePlan(error)) throw error;
      this.#stale.add(name);
      // The error aborted the open transaction: that call fails (executeQuery), its retry runs unnamed.
      if (this.inTransaction) throw error;
      return this.#client.query(text, values);
    }
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    if (this.#broken) throw toStorageError(this.#broken);
    try {
      const result = await this.#run(compiled.sql, [...compiled.parameters]);
      const { command, rowCount, rows } = result;
      if (command === 'ROLLBACK' || command === 'COMMIT') return { rows: [{ command } as R] };
      const changed =
        command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE';
      return { ...(changed && { numAffectedRows: BigInt(rowCount ?? 0) }), rows: (rows ?? []) as R[] };
    } catch (error) {
      // The transaction it aborted fails as a passing outage (its retry runs unnamed); the
      // connection itself is sound and stays in use.
      if (isStalePlan(error)) throw databaseUnavailable(error);
      if (isDatabaseOutage(error)) this.discard(error);
      throw toStorageError(error);
    }
  }

  // biome-ignore lint/correctness/useYield: kysely's interface; streaming is never used
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported');
  }

  discard(error: unknown): void {
    this.#broken ??= error instanceof Error ? error : new Error(String(error));
  }

  /**
   * Back to the pool, or — after an outage or a client-side timeout, when the statement may
   * still be running on a paused server — closed, so no later request waits behind it.
   */
  release(): void {
    this.#client.release(this.#broken);
  }
}
