/**
 * Versioned migrations, kept in code (not read from a folder) so that the built `dist/`
 * carries them. Names sort in order of application; never edit one that has shipped.
 */
import { type Kysely, type Migration, type MigrationResultSet, Migrator } from 'kysely';
import { AppError } from '../../core/index.js';
import type { Database } from '../schema.js';
import { initial } from './0001-initial.js';
import { keysAndAudit } from './0002-keys-and-audit.js';
import { workspacePolicy } from './0003-workspace-policy.js';
import { memberSignIn } from './0004-member-sign-in.js';
import { pendingActions } from './0005-pending-actions.js';
import { auditChain } from './0006-audit-chain.js';

export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-initial': initial,
  '0002-keys-and-audit': keysAndAudit,
  '0003-workspace-policy': workspacePolicy,
  '0005-pending-actions': pendingActions,
  '0006-audit-chain': auditChain,
  '0004-member-sign-in': memberSignIn,
};

export interface MigrationReport {
  readonly applied: readonly string[];
}

/**
 * `schema`: on PostgreSQL, where the migration bookkeeping lives. Without it kysely looks
 * for its tables in every schema of the database, so a second deployment (or test) in
 * another schema of the same database would be taken as already migrated.
 */
export async function migrateToLatest(db: Kysely<Database>, schema?: string): Promise<MigrationReport> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => ({ ...MIGRATIONS }) },
    ...(schema && { migrationTableSchema: schema }),
  });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new AppError('unavailable', `database migration ${failed} failed`, { cause: result.error });
  }
  return {
    applied: (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName),
  };
}
