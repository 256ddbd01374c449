/**
 * Audit events: only ever inserted, each appended to its workspace's hash chain inside the
 * caller's transaction. The chain's head row is the lock: on PostgreSQL `for update` makes
 * concurrent writers of one workspace take turns; on SQLite the write transaction
 * (BEGIN IMMEDIATE) already does. The SQLite writer thread places rows by the same rule
 * (src/chain/).
 */
import { type Kysely, type Selectable, sql } from 'kysely';
import {
  AUDIT_COLUMNS,
  CHAIN_HASH,
  CHAIN_PREV_HASH,
  CHAIN_SCAN_COLUMNS,
  CHAIN_SEQ,
  type ChainedRow,
  type ChainValues,
  chainEntry,
  chainOf,
  checkChunk,
  createChainJoin,
  GENESIS_HASH,
  GLOBAL_CHAIN,
  scannedRowIntact,
  type UnchainedRow,
} from '../../chain/index.js';
import type { AuditEvent, AuditOutcome } from '../../model/index.js';
import type { AuditRepository } from '../audit-ports.js';
import type { StoredChainHead } from '../checkpoint-ports.js';
import type { DatabaseKind } from '../connect.js';
import { SQLITE_AUDIT_TABLE_SQL } from '../migrations/0010-audit-body.js';
import type { AuditEventTable, Database } from '../schema.js';
import { type RawSqlite, sqliteChainPages, summarizeSqliteChain } from '../sqlite-chain-check.js';
import { createCheckpointMethods } from './audit-checkpoints.js';

const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));
const parse = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

/** The stored form of an audit event before it is chained; shared with the SQLite writer thread. */
export const toAuditRow = (e: AuditEvent): UnchainedRow => ({
  id: e.id,
  workspace_id: e.workspaceId,
  occurred_at: e.occurredAt,
  action: e.action,
  tool: e.tool,
  outcome: e.outcome,
  error_code: e.errorCode,
  member_id: e.memberId,
  credential_id: e.credentialId,
  credential_name: e.credentialName,
  environment: e.environment,
  params: json(e.params),
  result: json(e.result),
  ip: e.ip,
  user_agent: e.userAgent,
  client_name: e.clientName,
  client_version: e.clientVersion,
  request_id: e.requestId,
  duration_ms: e.durationMs,
  detail: json(e.detail),
  changes: json(e.changes),
  reason: e.reason,
  confirmation: e.confirmation,
});

const toEvent = (row: Selectable<AuditEventTable>): AuditEvent => ({
  id: row.id,
  workspaceId: row.workspace_id,
  occurredAt: row.occurred_at,
  action: row.action,
  tool: row.tool,
  outcome: row.outcome as AuditOutcome,
  errorCode: row.error_code,
  memberId: row.member_id,
  credentialId: row.credential_id,
  credentialName: row.credential_name,
  environment: row.environment,
  params: parse(row.params),
  result: parse(row.result),
  ip: row.ip,
  userAgent: row.user_agent,
  clientName: row.client_name,
  clientVersion: row.client_version,
  requestId: row.request_id,
  durationMs: row.duration_ms,
  detail: parse(row.detail),
  changes: parse(row.changes),
  reason: row.reason,
  confirmation: row.confirmation,
  seq: row.seq,
  prevHash: row.prev_hash,
  hash: row.hash,
});

/**
 * The key of the unique index `audit_events_chain_seq_uq` (migration 0006): a chain's rows
 * in `seq` order are one walk of that index, where `workspace_id` alone leaves a sort of the
 * whole workspace per page. Written exactly as the index is, so both databases match it.
 */
const CHAIN_KEY = sql<string>`coalesce(workspace_id, ${sql.lit(GLOBAL_CHAIN)})`;

// Pages of the row-by-row check where SQLite's own is not at hand (PostgreSQL).
const CHAIN_CHECK_PAGE = 5000;
const SCAN_CHECK_COLUMNS = { seq: CHAIN_SEQ, prevHash: CHAIN_PREV_HASH, hash: CHAIN_HASH };

export function createAuditRepository(
  db: Kysely<Database>,
  kind: DatabaseKind,
  sqlite?: RawSqlite,
): AuditRepository {
  const toHead = (row: { chain: string; seq: number; hash: string; linked_from: number }) => ({
    chain: row.chain,
    seq: row.seq,
    hash: row.hash,
    linkedFrom: row.linked_from,
  });

  const selectHead = (chain: string) => {
    const query = db.selectFrom('audit_heads').selectAll().where('chain', '=', chain);
    return kind === 'postgres' ? query.forUpdate() : query;
  };

  async function lockHead(chain: string): Promise<StoredChainHead> {
    // The head exists but for a chain's first event: look first, so the usual event makes
    // one statement fewer (a round trip on PostgreSQL).
    const found = await selectHead(chain).executeTakeFirst();
    if (found) return toHead(found);
    await db
      .insertInto('audit_heads')
      .values({ chain, seq: 0, hash: GENESIS_HASH })
      .onConflict((oc) => oc.column('chain').doNothing())
      .execute();
    return toHead(await selectHead(chain).executeTakeFirstOrThrow());
  }

  async function chainRows(chain: string, afterSeq: number, limit: number): Promise<ChainedRow[]> {
    // The columns by name: on SQLite `select *` would add the stored `body` (migration 0010).
    let q = db.selectFrom('audit_events').select(AUDIT_COLUMNS).where(CHAIN_KEY, '=', chain);
    q = chain === chainOf(null) ? q.where('workspace_id', 'is', null) : q.where('workspace_id', '=', chain);
    return (await q.where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute()) as ChainedRow[];
  }

  const scanChain: AuditRepository['scanChain'] = async (chain, afterSeq, pageSize, onPage) => {
    const page = sqlite
      ? sqliteChainPages(sqlite, chain, pageSize)
      : async (after: number): Promise<ChainValues[]> =>
          (await chainRows(chain, after, pageSize)).map((row) =>
            CHAIN_SCAN_COLUMNS.map((column) => row[column]),
          );
    for (let after = afterSeq; ; ) {
      const rows = await page(after);
      if (!rows.length || (await onPage(rows)) === false) return;
      after = rows[rows.length - 1]![CHAIN_SEQ] as number;
    }
  };

  return {
    async insert(e) {
      const chain = chainOf(e.workspaceId);
      const { row, body } = chainEntry(toAuditRow(e), await lockHead(chain));
      const moveHead = db
        .updateTable('audit_heads')
        .set({ seq: row.seq, hash: row.hash })
        .where('chain', '=', chain);
      if (kind === 'sqlite') {
        // The columns are read out of `body` (migration 0010).
        await sql`insert into audit_events (body, prev_hash, hash)
          values (${body}, ${row.prev_hash}, ${row.hash})`.execute(db);
        await moveHead.execute();
      } else {
        // One round trip for the row and the head that now points past it (as audit-batch.ts).
        await sql`with inserted as (${db.insertInto('audit_events').values(row)}) ${moveHead}`.execute(db);
      }
      return { chain, seq: row.seq, hash: row.hash };
    },
    async list(workspaceId, query) {
      let q = db.selectFrom('audit_events').selectAll();
      q =
        workspaceId === null
          ? q.where('workspace_id', 'is', null)
          : q.where('workspace_id', '=', workspaceId);
      if (query.id !== undefined) q = q.where('id', '=', query.id);
      if (query.credentialId !== undefined) q = q.where('credential_id', '=', query.credentialId);
      if (query.credentialName !== undefined) q = q.where('credential_name', '=', query.credentialName);
      if (query.memberId !== undefined) q = q.where('member_id', '=', query.memberId);
      if (query.tool !== undefined) q = q.where('tool', '=', query.tool);
      if (query.action !== undefined) q = q.where('action', '=', query.action);
      if (query.outcome !== undefined) q = q.where('outcome', '=', query.outcome);
      if (query.ip !== undefined) q = q.where('ip', '=', query.ip);
      if (query.since !== undefined) q = q.where('occurred_at', '>=', query.since);
      if (query.until !== undefined) q = q.where('occurred_at', '<', query.until);
      const order = query.order ?? 'desc';
      if (query.cursor !== undefined) q = q.where('id', order === 'desc' ? '<' : '>', query.cursor);
      return (await q.orderBy('id', order).limit(query.limit).execute()).map(toEvent);
    },
    async heads(chain) {
      let q = db.selectFrom('audit_heads').selectAll();
      if (chain !== undefined) q = q.where('chain', '=', chain);
      return (await q.orderBy('chain').execute()).map(toHead);
    },
    lockedHead: lockHead,
    chainRows,
    scanChain,
    async summarizeChain(chain, afterSeq, pinned) {
      if (sqlite) return summarizeSqliteChain(sqlite, { chain, afterSeq, pinned });
      const join = createChainJoin();
      const pinnedSeqs = new Set(pinned);
      await scanChain(chain, afterSeq, CHAIN_CHECK_PAGE, (rows) =>
        join.add(checkChunk(rows, SCAN_CHECK_COLUMNS, pinnedSeqs, scannedRowIntact)),
      );
      return join.result();
    },
    async tableDamage() {
      if (kind !== 'sqlite') return null;
      const { rows } = await sql<{ sql: string }>`select sql from sqlite_master
        where type = 'table' and name = 'audit_events'`.execute(db);
      return rows[0]?.sql === SQLITE_AUDIT_TABLE_SQL
        ? null
        : 'the table audit_events is no longer defined as migration 0010 left it: its columns may show other values than the verified events hold';
    },
    ...createCheckpointMethods(db),
    async prune(chain, throughSeq) {
      let q = db.deleteFrom('audit_events').where('seq', '<=', throughSeq);
      q = chain === chainOf(null) ? q.where('workspace_id', 'is', null) : q.where('workspace_id', '=', chain);
      return Number((await q.executeTakeFirst()).numDeletedRows);
    },
  };
}
