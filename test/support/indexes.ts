/** The indexes of `audit_events` as the database reports them, and SQLite's plan for a query. */
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { StoreKind } from './stores.js';

export async function auditIndexNames<DB>(kind: StoreKind, db: Kysely<DB>): Promise<string[]> {
  const names =
    kind === 'sqlite'
      ? await sql<{ name: string }>`select name from sqlite_master
          where type = 'index' and tbl_name = 'audit_events'`.execute(db)
      : await sql<{ name: string }>`select indexname as name from pg_indexes
          where tablename = 'audit_events' and schemaname = current_schema()`.execute(db);
  return names.rows.map((r) => r.name);
}

/** SQLite's `explain query plan` of `query`, one step per line. */
export async function sqlitePlan<DB>(db: Kysely<DB>, query: RawBuilder<unknown>): Promise<string> {
  const plan = await sql<{ detail: string }>`explain query plan ${query}`.execute(db);
  return plan.rows.map((r) => r.detail).join('\n');
}
