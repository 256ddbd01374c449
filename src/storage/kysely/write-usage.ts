/**
 * The write budget's ledger: one row per executed write, carrying the credential's running
 * totals (migration 0021), so the usage in a window is the latest totals minus the totals
 * at the window's start — two index seeks, whatever the budget and however many rows the
 * window holds. Appends happen under the credential's lock (`lockForWrite`), each from
 * the latest row, with `at` never earlier than its `at`: totals then rise with `at`, which
 * is what makes the subtraction exact. A clock behind another instance's only records the
 * write a little later than it happened, so it leaves the window later: the budget errs on
 * the side of refusing, never of letting through. The write's audit comments ride along
 * (`insert`'s third argument): on PostgreSQL a data-modifying WITH in the ledger's statement,
 * as does its audit event when this process knows its chain's head (`insertWithEventAfterHead`).
 */
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { chainOf } from '../../chain/index.js';
import type { AuditEvent, Comment, WriteUsage } from '../../model/index.js';
import type { ChainHead } from '../checkpoint-ports.js';
import type { DatabaseKind } from '../connect.js';
import type { Database } from '../schema.js';
import type { WriteUsageRepository } from '../write-usage-ports.js';
import { appendAfterHead, type Head } from './audit-known-head.js';
import { takeWriteLocks } from './locks.js';
import { COMMENT_COLUMNS, fromComment } from './rows.js';
import { readWriter } from './writer-state.js';

/** The row with the highest totals among those that match: the last one appended. */
const LAST = sql.raw('order by at desc, writes_total desc, deletes_total desc limit 1');

const COMMENT_REFS = sql.join(COMMENT_COLUMNS.map((column) => sql.ref(column)));

/** PostgreSQL: the comments as one JSON parameter, so the text is one for any number of them. */
const withComments = (comments: readonly Comment[]) =>
  sql`with c as (insert into comments (${COMMENT_REFS})
    select ${COMMENT_REFS} from json_populate_recordset(null::comments,
      ${JSON.stringify(comments.map(fromComment))}::json)) `;

type Usage = { writes: number; deletes: number };

/**
 * The ledger row's statement: the new row's totals and `at` come from the credential's last
 * row, and the window's usage is its totals less the last row's at the window's start (the new
 * row's `at` is never before `since`, so that row is never the new one). On PostgreSQL the
 * comments, and `also` (more WITH queries, and what to return of them), ride along.
 */
async function insertLedgerRow(
  db: Kysely<Database>,
  kind: DatabaseKind,
  u: WriteUsage,
  since: string,
  comments: readonly Comment[],
  also?: { readonly ctes: RawBuilder<unknown>; readonly returning: RawBuilder<unknown> },
) {
  if (kind === 'sqlite' && comments.length > 0)
    await db.insertInto('comments').values(comments.map(fromComment)).execute();
  const earlier = (column: 'writes_total' | 'deletes_total') =>
    sql`coalesce((select ${sql.ref(`e.${column}`)} from write_usage as e
      where e.credential_id = ${u.credentialId} and e.at <= ${since}
      order by e.at desc, e.writes_total desc, e.deletes_total desc limit 1), 0)`;
  const prefix =
    kind !== 'postgres'
      ? sql``
      : also
        ? sql`${withComments(comments)}, ${also.ctes} `
        : sql`${withComments(comments)} `;
  const { rows } = await sql<{
    writes: number | string;
    deletes: number | string;
    also?: unknown;
  }>`${prefix}insert into write_usage
      (id, workspace_id, credential_id, writes, deletes, at, writes_total, deletes_total)
    select ${u.id}, ${u.workspaceId}, ${u.credentialId}, cast(${u.writes} as integer),
      cast(${u.deletes} as integer),
      case when prev.at > ${u.at} then prev.at else ${u.at} end,
      coalesce(prev.writes_total, 0) + cast(${u.writes} as integer),
      coalesce(prev.deletes_total, 0) + cast(${u.deletes} as integer)
    from (select 1 as one) as anchor
    left join (select at, writes_total, deletes_total from write_usage
      where credential_id = ${u.credentialId} ${LAST}) as prev on 1 = 1
    returning writes_total - ${earlier('writes_total')} as writes,
      deletes_total - ${earlier('deletes_total')} as deletes${also ? sql`, ${also.returning} as also` : sql``}`.execute(
    db,
  );
  const row = rows[0];
  if (!row) throw new Error('the write ledger returned no row');
  const usage: Usage = { writes: Number(row.writes), deletes: Number(row.deletes) };
  return { usage, also: row.also };
}

/**
 * PostgreSQL, under the credential's lock: the ledger row and its comments as `insert` writes
 * them, and in the same statement the write's audit event after `head`, if that is still its
 * chain's head (audit-known-head.ts) — the event's own round trip while the lock is held is
 * gone. `placed` says where it landed; absent, nothing of the event was written and the caller
 * records it the usual way.
 */
export async function insertWithEventAfterHead(
  db: Kysely<Database>,
  u: WriteUsage,
  since: string,
  comments: readonly Comment[],
  event: AuditEvent,
  head: Head,
): Promise<Usage & { placed?: ChainHead }> {
  const append = appendAfterHead(chainOf(event.workspaceId), head, [event]);
  const { usage, also } = await insertLedgerRow(db, 'postgres', u, since, comments, {
    ctes: append.ctes,
    returning: append.placedIf,
  });
  return also === true ? { ...usage, placed: append.placed[0] } : usage;
}

export function createWriteUsageRepository(db: Kysely<Database>, kind: DatabaseKind): WriteUsageRepository {
  return {
    async lockForWrite(workspaceId, credentialId) {
      await takeWriteLocks(db, kind, workspaceId, credentialId);
      // After the locks: on PostgreSQL a statement sees what committed before it began.
      return readWriter(db, credentialId);
    },
    async insert(u, since, comments = []) {
      return (await insertLedgerRow(db, kind, u, since, comments)).usage;
    },
    async sumSince(credentialId, since) {
      // The latest row, less the last row at or before the window's start (none: nothing before).
      const { rows } = await sql<{ writes: number | string; deletes: number | string }>`select
          latest.writes_total - coalesce(earlier.writes_total, 0) as writes,
          latest.deletes_total - coalesce(earlier.deletes_total, 0) as deletes
        from (select writes_total, deletes_total from write_usage
          where credential_id = ${credentialId} ${LAST}) as latest
        left join (select writes_total, deletes_total from write_usage
          where credential_id = ${credentialId} and at <= ${since} ${LAST}) as earlier on 1 = 1`.execute(db);
      const row = rows[0];
      return row ? { writes: Number(row.writes), deletes: Number(row.deletes) } : { writes: 0, deletes: 0 };
    },
  };
}
