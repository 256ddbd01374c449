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

/** The workspace's policy lock: a policy change or freeze takes it alone (`policies.lock`). */
export const policyLock = (workspaceId: string) => `policy:${workspaceId}`;
/** The workspace's keys lock (32-bit `hashtext`, as it always was): `apiKeys.lockForChange`. */
const keysLock = (workspaceId: string) => `api_keys:${workspaceId}`;

/** The keys lock alone: every rotation, revocation and change to a key's rights. */
export async function lockKeys(db: Kysely<Database>, kind: DatabaseKind, workspaceId: string): Promise<void> {
  if (kind !== 'postgres') return;
  await sql`select pg_advisory_xact_lock(hashtext(${keysLock(workspaceId)}))`.execute(db);
}

/**
 * A write's locks, in one round trip: the workspace's policy lock and its keys' lock shared,
 * then the credential's budget lock. A freeze (`policies.lock`) and every change to a key's
 * rights (`apiKeys.lockForChange`) take theirs alone, first in their transaction: they wait
 * for the writes already inside, and a write that comes after them waits, then reads what
 * they committed. Every holder takes them
 * in this order (policy, keys, credential), so none waits for another in a cycle; the nested
 * `offset 0` subqueries make PostgreSQL take them in that order.
 */
export async function takeWriteLocks(
  db: Kysely<Database>,
  kind: DatabaseKind,
  workspaceId: string,
  credentialId: string,
): Promise<void> {
  if (kind !== 'postgres') return;
  await sql`select pg_advisory_xact_lock(hashtextextended(${`write-budget:${credentialId}`}, 0))
    from (select pg_advisory_xact_lock_shared(hashtext(${keysLock(workspaceId)}))
      from (select pg_advisory_xact_lock_shared(hashtextextended(${policyLock(workspaceId)}, 0))
        offset 0) as policy offset 0) as keys`.execute(db);
}
