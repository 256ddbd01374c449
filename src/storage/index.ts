/**
 * Storage: the ports the domain uses, their kysely implementation over SQLite and
 * PostgreSQL, and the migrations. `openStore(url)` is the one way in.
 */
import { resolve } from 'node:path';
import { AppError } from '../core/index.js';
import {
  type DatabaseHandle,
  type DatabaseKind,
  DEFAULT_POSTGRES_TIMEOUTS,
  type OpenDatabaseOptions,
  openDatabase,
} from './connect.js';
import { createKyselyStore } from './kysely/store.js';
import { migrateToLatest, migrationsToApply } from './migrations/index.js';
import type { Store } from './ports.js';
import { toSqliteOpenError } from './sqlite-open.js';

export * from '../model/index.js';
export type * from './anomaly-ports.js';
export type * from './audit-ports.js';
export type * from './auth-epoch-ports.js';
export type * from './checkpoint-ports.js';
export {
  type DatabaseHandle,
  type DatabaseKind,
  DEFAULT_POSTGRES_TIMEOUTS,
  databaseKind,
  type OpenDatabaseOptions,
  openDatabase,
  type QueryObserver,
} from './connect.js';
export {
  DATABASE_UNAVAILABLE_MESSAGE,
  isDatabaseOutage,
  RETRY_AFTER_SECONDS,
} from './database-outage.js';
export { type DeploymentProbe, probeDeployment } from './deployment-probe.js';
export { createKyselyStore } from './kysely/store.js';
export { MIGRATIONS, type MigrationReport, migrateToLatest } from './migrations/index.js';
export type * from './monitoring-ports.js';
export type * from './notify-ports.js';
export type * from './oauth-ports.js';
export type * from './ports.js';
export type { PoolLogger, PostgresTimeouts } from './postgres-pool.js';
export { openRateLimitPool, RATE_LIMIT_TABLE, type RateLimitPool } from './rate-limit-pool.js';
export type * from './session-ports.js';
export { type BackupOutcome, backupDatabase } from './sqlite-backup.js';
export type * from './usage-ports.js';
export type * from './write-usage-ports.js';

export interface OpenStoreOptions extends OpenDatabaseOptions {
  /** Apply pending migrations before returning (default true). */
  readonly migrate?: boolean;
  /** Told the SQLite file's path when opening created it, so a person can see where. */
  readonly onCreated?: (file: string) => void;
}

/** Opens the database at `url`, migrates it, and returns the Store over it. */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  const handle: DatabaseHandle = await openDatabase(url, options);
  if (handle.created && handle.sqliteFile) options.onCreated?.(resolve(handle.sqliteFile));
  try {
    if (options.migrate !== false) {
      if (handle.kind === 'sqlite') await migrateToLatest(handle.db);
      // A connection of its own only when there is something to apply (an upgrade).
      else if ((await migrationsToApply(handle.db)).length) await migratePostgres(url, options);
    }
  } catch (error) {
    await handle.close();
    throw migrationError(handle, error);
  }
  return createKyselyStore(handle);
}

/**
 * A migration may rewrite a large table: on PostgreSQL it runs on a connection of its own
 * without the statement timeouts that bound the requests (the connect timeout still holds).
 */
async function migratePostgres(url: string, options: OpenDatabaseOptions): Promise<void> {
  const timeouts = options.timeouts ?? DEFAULT_POSTGRES_TIMEOUTS;
  const handle = await openDatabase(url, {
    ...options,
    timeouts: { ...timeouts, statementMs: 0, idleInTransactionMs: 0 },
  });
  try {
    await migrateToLatest(handle.db);
  } finally {
    await handle.close();
  }
}

export interface MigrationOutcome {
  readonly database: DatabaseKind;
  readonly applied: readonly string[];
}

/**
 * Applies pending migrations to the database at `url` and closes it. They may rewrite large
 * tables, so no statement timeout (the connect timeout holds).
 */
export async function migrateDatabase(
  url: string,
  options: { readonly connectMs: number; readonly onCreated?: (file: string) => void },
): Promise<MigrationOutcome> {
  const handle = await openDatabase(url, {
    timeouts: { connectMs: options.connectMs, statementMs: 0, idleInTransactionMs: 0 },
  });
  if (handle.created && handle.sqliteFile) options.onCreated?.(resolve(handle.sqliteFile));
  try {
    const report = await migrateToLatest(handle.db);
    return { database: handle.kind, applied: report.applied };
  } finally {
    await handle.close();
  }
}

function migrationError(handle: DatabaseHandle, error: unknown): AppError {
  if (error instanceof AppError) return error;
  // Migrations read most of a SQLite file first: a damaged page shows up here.
  if (handle.sqliteFile) {
    const named = toSqliteOpenError(resolve(handle.sqliteFile), error);
    if (named.code === 'invalid_input') return named;
  }
  return new AppError('unavailable', 'database migration failed', { cause: error });
}
