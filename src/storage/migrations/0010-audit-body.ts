/**
 * On SQLite an audit event is stored as the text its hash covers: `body`, the canonical JSON
 * of the row without its hash (docs/audit-format.md), beside `prev_hash` and `hash`. Every
 * other column is generated from `body`, so no column can say anything the hash does not
 * cover, and `audit verify` hashes the stored bytes instead of writing each
 * row's JSON again. PostgreSQL keeps its columns: nothing changes there.
 *
 * `body` must be JSON text: a blob or malformed JSON would leave the columns read out of it
 * unreadable. `prev_hash` and `hash` are kept as they are, whatever they hold.
 *
 * The table is rebuilt in one transaction. Each body is written by the JavaScript rule the
 * verifier used until now (`canonicalJson` of the row as read), so a row verifies after this
 * migration exactly when it verified before; a tampered row stays tampered.
 */
import { type Kysely, type Migration, SqliteAdapter, sql } from 'kysely';
import { canonicalJson } from '../../core/index.js';

/**
 * The columns read out of `body` (`body ->> '$.<name>'`): name, declared type, constraint.
 * `workspace_id` and `seq` are stored rather than virtual: they key the chain index, and a
 * chain check reads them for every row without parsing its JSON.
 */
const READ_FROM_BODY: readonly (readonly [string, string, string?])[] = [
  ['id', 'text', 'not null'],
  ['workspace_id', 'text'],
  ['occurred_at', 'text', 'not null'],
  ['action', 'text', 'not null'],
  ['tool', 'text'],
  ['outcome', 'text', 'not null'],
  ['error_code', 'text'],
  ['member_id', 'text'],
  ['credential_id', 'text'],
  ['credential_name', 'text'],
  ['environment', 'text'],
  ['params', 'text'],
  ['result', 'text'],
  ['ip', 'text'],
  ['user_agent', 'text'],
  ['client_name', 'text'],
  ['client_version', 'text'],
  ['request_id', 'text'],
  ['duration_ms', 'integer'],
  ['detail', 'text'],
  ['changes', 'text'],
  ['reason', 'text'],
  ['confirmation', 'text'],
  ['seq', 'integer'],
];

const STORED = new Set(['workspace_id', 'seq']);

/**
 * The table as this migration creates it, exactly as SQLite keeps it in `sqlite_master`.
 * SECURITY: the generated columns are what queries, reports and exports show; `audit verify`
 * refuses a table whose definition is not this text (a changed column expression would show
 * other values than the verified bodies hold).
 */
export const SQLITE_AUDIT_TABLE_SQL = `CREATE TABLE "audit_events" (body text not null check (typeof(body) = 'text' and json_valid(body)), prev_hash text, hash text, ${READ_FROM_BODY.map(
  ([name, type, constraint]) =>
    `${name} ${type} generated always as (body ->> '$.${name}') ${STORED.has(name) ? 'stored' : 'virtual'}${constraint ? ` ${constraint}` : ''}`,
).join(', ')})`;

const PAGE = 2000;

export const auditBody: Migration = {
  async up(db: Kysely<unknown>) {
    if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return;
    // A rerun after a crash between this commit and the migration's record finds it done.
    const { rows: done } = await sql<{ n: number }>`select count(*) as n
      from pragma_table_info('audit_events') where name = 'body'`.execute(db);
    if (done[0]!.n > 0) return;
    await db.transaction().execute(async (trx) => {
      const { rows: indexes } = await sql<{ sql: string }>`select sql from sqlite_master
        where type = 'index' and tbl_name = 'audit_events' and sql is not null`.execute(trx);
      await sql.raw(SQLITE_AUDIT_TABLE_SQL.replace('"audit_events"', 'audit_events_body')).execute(trx);
      for (let after = 0; ; ) {
        const { rows } = await sql<Record<string, unknown>>`select rowid as "rowid", * from audit_events
          where rowid > ${after} order by rowid limit ${PAGE}`.execute(trx);
        if (!rows.length) break;
        for (const { rowid, hash, ...content } of rows) {
          after = rowid as number;
          await sql`insert into audit_events_body (body, prev_hash, hash)
            values (${canonicalJson(content)}, ${content.prev_hash}, ${hash})`.execute(trx);
        }
      }
      await sql`drop table audit_events`.execute(trx);
      await sql`alter table audit_events_body rename to audit_events`.execute(trx);
      // The primary key was `id`; a virtual column cannot be one, a unique index can.
      await sql`create unique index audit_events_id_uq on audit_events (id)`.execute(trx);
      for (const { sql: index } of indexes) await sql.raw(index).execute(trx);
    });
  },
};
