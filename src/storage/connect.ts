/**
 * Opens the database named by a URL: `sqlite:<file>` (better-sqlite3, WAL) or
 * `postgres://…[?schema=name]` (pg pool). Returns a kysely instance plus what the rest
 * of the system needs to know about it. The only file that knows both drivers.
 */
import SQLite from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Driver,
  Kysely,
  type LogEvent,
  type SqliteDatabase,
  SqliteDialect,
  SqliteDriver,
  sql,
} from 'kysely';
import { DATABASE_TIMEOUT_DEFAULTS_MS } from '../config/index.js';
import { AppError } from '../core/index.js';
import {
  createPool,
  type PoolLogger,
  type PostgresTimeouts,
  ResilientPostgresDialect,
} from './postgres-pool.js';
import type { Database } from './schema.js';
import { configureSqlite, openSqliteFile, SQLITE_BUSY_TIMEOUT_MS } from './sqlite-open.js';

export { SQLITE_BUSY_TIMEOUT_MS };

export type DatabaseKind = 'sqlite' | 'postgres';

export interface DatabaseHandle {
  readonly kind: DatabaseKind;
  readonly db: Kysely<Database>;
  /** The SQLite file, when the database is one (not `:memory:`). */
  readonly sqliteFile?: string;
  /**
   * The SQLite connection under `db`, for the few bulk reads where kysely's object per row
   * costs more than the work on it (audit chain scans). Never for writes.
   */
  readonly rawSqlite?: SQLite.Database;
  /** True when opening created the SQLite file (a new, empty database). */
  readonly created?: boolean;
  /** The PostgreSQL pool's connections (metrics); absent on SQLite, which has one. */
  readonly pool?: { readonly totalCount: number; readonly idleCount: number; readonly waitingCount: number };
  close(): Promise<void>;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function databaseKind(url: string): DatabaseKind {
  if (url.startsWith('sqlite:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgres';
  throw new AppError('invalid_input', 'database: must be sqlite:<path> or postgres://…');
}

export interface OpenDatabaseOptions {
  /**
   * Whether a missing SQLite file (and its directory) may be created; default true. Read-only
   * commands pass false, so a mistyped path is an error rather than a new, empty database.
   */
  readonly create?: boolean;
  /** PostgreSQL only; defaults to the documented defaults of the settings. */
  readonly timeouts?: PostgresTimeouts;
  /** Where a lost PostgreSQL connection is reported (it never ends the process). */
  readonly logger?: PoolLogger;
  /** Told of every query after it ran (tracing); the SQL has its values bound, not inlined. */
  readonly onQuery?: QueryObserver;
}

export type QueryObserver = (event: {
  readonly system: DatabaseKind;
  readonly sql: string;
  readonly durationMs: number;
  readonly error?: unknown;
}) => void;

function queryLog(
  system: DatabaseKind,
  observer: QueryObserver | undefined,
): { log?: (event: LogEvent) => void } {
  if (!observer) return {};
  return {
    log: (event) =>
      observer({
        system,
        sql: event.query.sql,
        durationMs: event.queryDurationMillis,
        ...(event.level === 'error' && { error: event.error }),
      }),
  };
}

export const DEFAULT_POSTGRES_TIMEOUTS: PostgresTimeouts = {
  connectMs: DATABASE_TIMEOUT_DEFAULTS_MS.connect,
  statementMs: DATABASE_TIMEOUT_DEFAULTS_MS.statement,
  idleInTransactionMs: DATABASE_TIMEOUT_DEFAULTS_MS.idleInTransaction,
};

export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<DatabaseHandle> {
  return databaseKind(url) === 'sqlite'
    ? openSqlite(url.slice('sqlite:'.length), options.create ?? true, options.onQuery)
    : openPostgres(url, options);
}

function openSqlite(file: string, create: boolean, onQuery?: QueryObserver): DatabaseHandle {
  const { connection, created } = file === ':memory:' ? openMemory() : openSqliteFile(file, create);
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: withStatementCache(connection) }),
    ...queryLog('sqlite', onQuery),
  });
  return {
    kind: 'sqlite',
    db,
    ...(file !== ':memory:' && { sqliteFile: file }),
    rawSqlite: connection,
    created,
    close: () => db.destroy(),
  };
}

/** An in-memory database has no file to create or name. */
function openMemory(): { connection: SQLite.Database; created: boolean } {
  const connection = new SQLite(':memory:');
  configureSqlite(connection);
  return { connection, created: false };
}

async function openPostgres(url: string, options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  if (schema !== null && !SCHEMA_NAME.test(schema)) {
    throw new AppError('invalid_input', 'database: schema must be a lower-case SQL identifier');
  }
  const pool = createPool(parsed.toString(), {
    schema,
    timeouts: options.timeouts ?? DEFAULT_POSTGRES_TIMEOUTS,
    ...(options.logger && { logger: options.logger }),
  });
  const db = new Kysely<Database>({
    dialect: new SchemaScopedPostgresDialect(pool),
    ...queryLog('postgres', options.onQuery),
  });
  try {
    // Only create what is missing: a runtime role without CREATE on the database may connect.
    const exists = async (name: string) =>
      (await sql`select 1 from pg_namespace where nspname = ${name}`.execute(db)).rows.length > 0;
    if (schema && !(await exists(schema))) {
      // Instances started at once on a fresh schema race here, and `if not exists` still
      // fails the loser with a unique violation: the schema being there is what counts.
      await sql`create schema if not exists ${sql.id(schema)}`.execute(db).catch(async (error: unknown) => {
        if (!(await exists(schema))) throw error;
      });
    } else await sql`select 1`.execute(db);
  } catch (cause) {
    await db.destroy();
    throw new AppError('unavailable', `database: cannot connect to PostgreSQL at ${parsed.host}`, { cause });
  }
  return { kind: 'postgres', db, pool, close: () => db.destroy() };
}

/**
 * SQLite transactions that take the write lock at BEGIN. A deferred BEGIN that later
 * upgrades to a write fails at once with SQLITE_BUSY when another process (a CLI command
 * beside the server) holds the lock; BEGIN IMMEDIATE waits for the busy timeout instead.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: ConstructorParameters<typeof SqliteDialect>[0];
  constructor(config: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * kysely prepares every query anew; preparing costs more than running most of ours. The SQL
 * text of a kysely query is stable (values are bound), so statements are cached by it, with
 * least-recently-used eviction.
 */
function withStatementCache(connection: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => connection.close(),
    prepare(text: string) {
      let statement = cache.get(text);
      if (statement) cache.delete(text);
      else {
        statement = connection.prepare(text);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      }
      cache.set(text, statement);
      return statement;
    },
  };
}

/**
 * kysely's migrator asks the introspector for every table of the database to see whether
 * its own tables exist. Postgres's introspector reads all schemas, and fails outright when
 * another schema is dropped while it reads (another deployment or test run in the same
 * database). Ours lists only the tables of the connection's own schema, which is all the
 * migrator needs.
 */
class SchemaScopedPostgresDialect extends ResilientPostgresDialect {
  // biome-ignore lint/suspicious/noExplicitAny: the dialect interface's own signature
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return {
      async getSchemas() {
        const rows = await sql<{ name: string }>`select current_schema() as name`.execute(db);
        return rows.rows;
      },
      async getTables() {
        const rows = await sql<{ name: string; schema: string; type: string }>`
          select table_name as name, table_schema as schema, table_type as type
          from information_schema.tables where table_schema = current_schema()`.execute(db);
        return rows.rows.map((r) => ({
          name: r.name,
          schema: r.schema,
          isView: r.type === 'VIEW',
          columns: [],
        }));
      },
      async getMetadata() {
        return { tables: await this.getTables() };
      },
    };
  }
}
