/**
 * The group commit's write on PostgreSQL: the events of concurrent requests in one
 * transaction where each chain's head is locked once, the events are chained in JS in the
 * order they came, inserted by one multi-row statement that also moves each head once. Per
 * event that saves the four round trips (head insert, locked select, insert, head update) the
 * one-event path makes; per batch it is a locked select and the insert with its head update.
 *
 * SECURITY: the heads stay the lock of their chains (src/storage/kysely/audit.ts): a writer
 * of one workspace in another instance, or `record` in a domain transaction, waits here as
 * it waits for any other writer, so the chains stay gapless.
 */
import { type Kysely, sql } from 'kysely';
import { type ChainedRow, chainEntry, chainOf, GENESIS_HASH } from '../../chain/index.js';
import type { AuditEvent } from '../../model/index.js';
import type { ChainHead } from '../checkpoint-ports.js';
import type { Database } from '../schema.js';
import { toAuditRow } from './audit.js';

/**
 * Locks the heads of `chains` in the database's order of chain names: every batch writer
 * takes them in that one order, so two instances appending to the same workspaces wait for
 * each other instead of deadlocking. A chain without a head row yet gets one first.
 */
async function lockHeads(
  db: Kysely<Database>,
  chains: readonly string[],
): Promise<Map<string, { seq: number; hash: string }>> {
  const select = () =>
    db
      .selectFrom('audit_heads')
      .select(['chain', 'seq', 'hash'])
      .where('chain', 'in', chains)
      .orderBy('chain')
      .forUpdate()
      .execute();
  let rows = await select();
  if (rows.length < chains.length) {
    // Only the first event of a chain pays this round trip; the usual batch finds its heads.
    await db
      .insertInto('audit_heads')
      .values(chains.map((chain) => ({ chain, seq: 0, hash: GENESIS_HASH })))
      .onConflict((oc) => oc.column('chain').doNothing())
      .execute();
    rows = await select();
  }
  return new Map(rows.map((row) => [row.chain, { seq: row.seq, hash: row.hash }]));
}

/**
 * Appends `events` to their chains inside the caller's transaction (PostgreSQL), in order
 * within each chain; returns where each landed, in the order given.
 */
export async function appendAuditBatch(
  db: Kysely<Database>,
  events: readonly AuditEvent[],
): Promise<ChainHead[]> {
  if (!events.length) return [];
  // The JS sort only dedupes and keeps the head inserts of two writers in one order.
  const chains = [...new Set(events.map((e) => chainOf(e.workspaceId)))].sort();
  const heads = await lockHeads(db, chains);
  const rows: ChainedRow[] = [];
  const placed = events.map((event) => {
    const chain = chainOf(event.workspaceId);
    const head = heads.get(chain);
    if (!head) throw new Error(`audit chain head ${chain} missing after it was created`);
    const { row } = chainEntry(toAuditRow(event), head);
    heads.set(chain, { seq: row.seq, hash: row.hash });
    rows.push(row);
    return { chain, seq: row.seq, hash: row.hash };
  });
  const moved = sql.join(
    chains.map((chain) => {
      const head = heads.get(chain)!;
      return sql`(${chain}, ${head.seq}::integer, ${head.hash})`;
    }),
  );
  // One round trip for both: the rows and the heads that now point past them.
  await sql`with inserted as (${db.insertInto('audit_events').values(rows)})
    update audit_heads as h set seq = v.seq, hash = v.hash
    from (values ${moved}) as v (chain, seq, hash)
    where h.chain = v.chain`.execute(db);
  return placed;
}
