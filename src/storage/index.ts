/**
 * Storage: the ports the domain uses, their kysely implementation over SQLite and
 * PostgreSQL, and the migrations. `openStore(url)` is the one way in.
 */
import { AppError } from '../core/index.js';
import { type DatabaseHandle, openDatabase } from './connect.js';
import { createKyselyStore } from './kysely/store.js';
import { migrateToLatest } from './migrations/index.js';
import type { Store } from './ports.js';

export * from './audit-chain.js';
export type * from './checkpoint-ports.js';
export { type DatabaseHandle, type DatabaseKind, databaseKind, openDatabase } from './connect.js';
export { createKyselyStore } from './kysely/store.js';
export { MIGRATIONS, type MigrationReport, migrateToLatest } from './migrations/index.js';
export type * from './oauth-ports.js';
export type * from './ports.js';
export * from './records.js';

export interface OpenStoreOptions {
  /** Apply pending migrations before returning (default true). */
  readonly migrate?: boolean;
}

/** Opens the database at `url`, migrates it, and returns the Store over it. */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  const handle: DatabaseHandle = await openDatabase(url);
  try {
    if (options.migrate !== false) await migrateToLatest(handle.db);
  } catch (error) {
    await handle.close();
    throw error instanceof AppError
      ? error
      : new AppError('unavailable', 'database migration failed', { cause: error });
  }
  return createKyselyStore(handle);
}
