/**
 * Transaction-scoped locks on a name, for read-check-write sequences that no row lock
 * covers: a sum over the write ledger, a policy row that may not exist yet. PostgreSQL
 * (READ COMMITTED) takes an advisory lock that commit or rollback releases. SQLite has
 * nothing to do: every transaction begins IMMEDIATE, so it already holds the one write lock.
 */
import { type Kysely, sql } from 'kysely';
import type { DatabaseKind } from '../connect.js';
import type { Database } from '../schema.js';

/** Waits until no other transaction holds `name`; only meaningful inside a transaction. */
export async function lockName(db: Kysely<Database>, kind: DatabaseKind, name: string): Promise<void> {
  if (kind !== 'postgres') return;
  // A 64-bit hash of the name: two names that collide only wait for each other, never mix data.
  await sql`select pg_advisory_xact_lock(hashtextextended(${name}, 0))`.execute(db);
}
