/**
 * An attacker's edit of one stored audit event, through the database as the schema allows
 * it. On PostgreSQL the columns are updated. On SQLite the columns are read out of the
 * hashed `body` (migration 0010), so the event's body is written again, as canonical JSON,
 * with the changed fields; `prev_hash` is also a column of its own there, and `hash` is one
 * on both. `hash` changes only when given.
 */
import { AUDIT_COLUMNS, type ChainedRow, eventBody, eventHash, GLOBAL_CHAIN } from '../../src/chain/index.js';
import type { DatabaseHandle } from '../../src/storage/index.js';

export async function tamperEvent(
  handle: DatabaseHandle,
  chain: string,
  seq: number,
  set: Partial<ChainedRow>,
): Promise<void> {
  const sqlite = handle.rawSqlite;
  const where = `coalesce(workspace_id, '${GLOBAL_CHAIN}') = ? and seq = ?`;
  if (!sqlite) {
    const result = await handle.db
      .updateTable('audit_events')
      .set(set)
      .where(({ fn, val, eb }) => eb(fn.coalesce('workspace_id', val(GLOBAL_CHAIN)), '=', chain))
      .where('seq', '=', seq)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) throw new Error(`no event ${seq} in chain ${chain}`);
    return;
  }
  const current = sqlite
    .prepare(`select ${AUDIT_COLUMNS.join(', ')} from audit_events where ${where}`)
    .get(chain, seq) as ChainedRow | undefined;
  if (!current) throw new Error(`no event ${seq} in chain ${chain}`);
  const { hash, ...content } = { ...current, ...set };
  sqlite
    .prepare(`update audit_events set body = ?, prev_hash = ?, hash = ? where ${where}`)
    .run(eventBody(content), content.prev_hash, hash, chain, seq);
}

/**
 * An attacker's redefinition of the SQLite audit table: made again with `column` generated
 * from `field` of each body instead of its own, the rows copied over. Every hash still
 * matches its body; only the table's definition shows the change.
 */
export function redefineAuditColumn(handle: DatabaseHandle, column: string, field: string): void {
  const sqlite = handle.rawSqlite!;
  const definition = sqlite
    .prepare(`select sql from sqlite_master where type = 'table' and name = 'audit_events'`)
    .pluck()
    .get() as string;
  sqlite.exec(`alter table audit_events rename to audit_events_old;
    ${definition.replace(`'$.${column}'`, `'$.${field}'`)};
    insert into audit_events (body, prev_hash, hash) select body, prev_hash, hash from audit_events_old;
    drop table audit_events_old`);
}

/**
 * An attacker's rewrite from `fromSeq` to the head: `change` edits the first event, every
 * later hash is recomputed and the head moved to match, as anyone who can write the
 * database (but holds no secret) can. Returns the new head hash.
 */
export async function rewriteFrom(
  handle: DatabaseHandle,
  chain: string,
  fromSeq: number,
  change: Partial<ChainedRow>,
): Promise<string> {
  const rows = await handle.db
    .selectFrom('audit_events')
    .select(AUDIT_COLUMNS)
    .where(({ fn, val, eb }) => eb(fn.coalesce('workspace_id', val(GLOBAL_CHAIN)), '=', chain))
    .where('seq', '>=', fromSeq)
    .orderBy('seq')
    .execute();
  // One transaction: row by row, each commit would cost a sync to disk.
  const rewrite = async (db: DatabaseHandle) => {
    let prev = rows[0]!.prev_hash;
    for (const row of rows) {
      const { hash: _old, ...content } = row as ChainedRow;
      const forged = { ...content, prev_hash: prev, ...(row.seq === fromSeq && change) };
      const hash = eventHash(forged);
      const { seq: _seq, ...set } = forged;
      await tamperEvent(db, chain, row.seq, { ...set, hash });
      prev = hash;
    }
    await db.db.updateTable('audit_heads').set({ hash: prev }).where('chain', '=', chain).execute();
    return prev;
  };
  const sqlite = handle.rawSqlite;
  if (!sqlite) return handle.db.transaction().execute((trx) => rewrite({ ...handle, db: trx }));
  sqlite.exec('begin');
  try {
    const head = await rewrite(handle);
    sqlite.exec('commit');
    return head;
  } catch (error) {
    sqlite.exec('rollback');
    throw error;
  }
}
