/**
 * Versioned migrations, kept in code (not read from a folder) so that the built `dist/`
 * carries them. Names sort in order of application; never edit one that has shipped.
 */
import { type Kysely, type Migration, type MigrationResultSet, Migrator } from 'kysely';
import { AppError } from '../../core/index.js';
import type { Database } from '../schema.js';
import { initial } from './0001-initial.js';
import { keysAndAudit } from './0002-keys-and-audit.js';
import { memberSignIn } from './0004-member-sign-in.js';

export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-initial': initial,
  '0002-keys-and-audit': keysAndAudit,
  '0004-member-sign-in': memberSignIn,
};

export interface MigrationReport {
  readonly applied: readonly string[];
}

export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationReport> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => ({ ...MIGRATIONS }) } });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new AppError('unavailable', `database migration ${failed} failed`, { cause: result.error });
  }
  return {
    applied: (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName),
  };
}
