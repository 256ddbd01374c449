/**
 * Versioned migrations, kept in code (not read from a folder) so that the built `dist/`
 * carries them. Names sort in order of application; never edit one that has shipped.
 */
import { type Kysely, type Migration, type MigrationResultSet, Migrator, PostgresAdapter, sql } from 'kysely';
import { AppError } from '../../core/index.js';
import type { Database } from '../schema.js';
import { initial } from './0001-initial.js';
import { keysAndAudit } from './0002-keys-and-audit.js';
import { workspacePolicy } from './0003-workspace-policy.js';
import { memberSignIn } from './0004-member-sign-in.js';
import { pendingActions } from './0005-pending-actions.js';
import { auditChain } from './0006-audit-chain.js';
import { auditIndexes } from './0007-audit-indexes.js';
import { oauthModels } from './0008-oauth-models.js';
import { oauthConnections } from './0009-oauth-connections.js';
import { auditBody } from './0010-audit-body.js';
import { checkpointChain } from './0011-checkpoint-chain.js';
import { memberRemoval } from './0012-member-removal.js';
import { usageIndex } from './0013-usage-index.js';
import { auditActionIndex } from './0014-audit-action-index.js';
import { monitoringSettings } from './0015-monitoring-settings.js';
import { rateLimits } from './0016-rate-limits.js';
import { anomaly } from './0017-anomaly.js';
import { notifications } from './0018-notifications.js';
import { taskNumberIndex } from './0019-task-number-index.js';
import { authEpoch } from './0020-auth-epoch.js';
import { writeUsageTotals } from './0021-write-usage-totals.js';

export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-initial': initial,
  '0002-keys-and-audit': keysAndAudit,
  '0003-workspace-policy': workspacePolicy,
  '0004-member-sign-in': memberSignIn,
  '0005-pending-actions': pendingActions,
  '0006-audit-chain': auditChain,
  '0007-audit-indexes': auditIndexes,
  '0008-oauth-models': oauthModels,
  '0009-oauth-connections': oauthConnections,
  '0010-audit-body': auditBody,
  '0011-checkpoint-chain': checkpointChain,
  '0012-member-removal': memberRemoval,
  '0013-usage-index': usageIndex,
  '0014-audit-action-index': auditActionIndex,
  '0015-monitoring-settings': monitoringSettings,
  '0016-rate-limits': rateLimits,
  '0017-anomaly': anomaly,
  '0018-notifications': notifications,
  '0019-task-number-index': taskNumberIndex,
  '0020-auth-epoch': authEpoch,
  '0021-write-usage-totals': writeUsageTotals,
};

export interface MigrationReport {
  readonly applied: readonly string[];
}

async function migratorFor(db: Kysely<Database>): Promise<Migrator> {
  return new Migrator({
    db,
    provider: { getMigrations: async () => ({ ...MIGRATIONS }) },
    ...(await migrationSchema(db)),
  });
}

/** MIGRATIONS not among `executed`, in the order they apply. */
const notAmong = (executed: readonly string[]): string[] => {
  const done = new Set(executed);
  return Object.keys(MIGRATIONS)
    .sort()
    .filter((name) => !done.has(name));
};

/**
 * The migrations this database has not had yet (read-only: for readiness checks). Read from
 * kysely's table directly: its Migrator first looks for that table among every table and
 * column the catalog holds, 80–125 ms on PostgreSQL, and `/readyz` asks on every probe.
 */
export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  return notAmong(await executedMigrations(db));
}

/**
 * What migrating would apply, after refusing a schema newer than this code. Every start-up
 * but an upgrade's finds nothing: then no Migrator, none of its catalog reads. A migration
 * another instance is applying is not committed, so it still shows as pending here, and
 * the Migrator waits for that instance's lock.
 */
export async function migrationsToApply(db: Kysely<Database>): Promise<string[]> {
  return notAmong(await assertKnownMigrations(db));
}

export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationReport> {
  if (!(await migrationsToApply(db)).length) return { applied: [] };
  const migrator = await migratorFor(db);
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new AppError('unavailable', `database migration ${failed} failed`, { cause: result.error });
  }
  const applied = (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  if (applied.length) await analyzePostgres(db);
  return { applied };
}

/**
 * A database that a newer Taskgate has migrated has migrations this code does not know; run
 * against it, old code would read and write tables whose shape it does not expect (kysely
 * itself refuses only with "corrupted migrations"). Checked before migrating, on every store;
 * returns the names already applied.
 */
export async function assertKnownMigrations(db: Kysely<Database>): Promise<string[]> {
  const executed = await executedMigrations(db);
  const unknown = executed.filter((name) => !(name in MIGRATIONS));
  if (!unknown.length) return executed;
  const names = unknown.sort().join(', ');
  throw new AppError(
    'unavailable',
    `the database schema is newer than this version of Taskgate: it has migration ${names}, which this version does not know. Upgrade Taskgate to the version that migrated the database (or newer); an older version must not run against it.`,
    { detail: { unknownMigrations: unknown } },
  );
}

/** The names in kysely's migration table, or none when it does not exist yet (a fresh database). */
async function executedMigrations(db: Kysely<Database>): Promise<string[]> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const exists = postgres
    ? sql<{ t: string | null }>`select to_regclass('kysely_migration')::text as t`
    : sql<{
        t: string | null;
      }>`select name as t from sqlite_master where type = 'table' and name = 'kysely_migration'`;
  const found = (await exists.execute(db)).rows[0]?.t;
  if (!found) return [];
  const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
  return rows.map((row) => row.name);
}

/**
 * After a migration ran, PostgreSQL gets fresh table statistics. A migration can add or drop
 * an index or rewrite a table, and without statistics (autovacuum off, or not yet run) the
 * planner guesses row counts: it once chose the wrong index for the task lookup, costing
 * 8 ms per call after 23k tasks. Only this schema's tables (the database may hold others),
 * and only when something ran: a start-up with nothing to apply stays as fast as before.
 */
async function analyzePostgres(db: Kysely<Database>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  const { rows } = await sql<{ name: string }>`select tablename as name from pg_tables
    where schemaname = current_schema()`.execute(db);
  if (!rows.length) return;
  await sql`analyze ${sql.join(rows.map((row) => sql.id(row.name)))}`.execute(db);
}

/**
 * On PostgreSQL, kysely looks for its migration tables in every schema it can see unless it
 * is told which one: with a second Taskgate schema in the database (`?schema=`, parallel
 * tests) it would find that one's tables, skip creating its own and fail. Pin the current one.
 */
async function migrationSchema(db: Kysely<Database>): Promise<{ migrationTableSchema?: string }> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return {};
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  return rows[0]?.schema ? { migrationTableSchema: rows[0].schema } : {};
}
