/** Pending actions: the state behind confirmations (the write budget's ledger is in write-usage.ts). */
import type { Kysely, Selectable } from 'kysely';
import type { ActionStatus, PendingAction } from '../../model/index.js';
import type { PendingActionRepository } from '../ports.js';
import type { Database, PendingActionTable } from '../schema.js';

const toAction = (row: Selectable<PendingActionTable>): PendingAction => ({
  id: row.id,
  workspaceId: row.workspace_id,
  credentialId: row.credential_id,
  memberId: row.member_id,
  tool: row.tool,
  args: JSON.parse(row.args) as Record<string, unknown>,
  digest: row.digest,
  risk: row.risk,
  tier: row.tier as PendingAction['tier'],
  plan: JSON.parse(row.plan) as unknown,
  status: row.status as ActionStatus,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  decidedAt: row.decided_at,
  decidedBy: row.decided_by,
  result: row.result === null ? null : (JSON.parse(row.result) as unknown),
});

export function createPendingActionRepository(db: Kysely<Database>): PendingActionRepository {
  return {
    async insert(a) {
      await db
        .insertInto('pending_actions')
        .values({
          id: a.id,
          workspace_id: a.workspaceId,
          credential_id: a.credentialId,
          member_id: a.memberId,
          tool: a.tool,
          args: JSON.stringify(a.args),
          digest: a.digest,
          risk: a.risk,
          tier: a.tier,
          plan: JSON.stringify(a.plan),
          status: a.status,
          created_at: a.createdAt,
          expires_at: a.expiresAt,
          decided_at: a.decidedAt,
          decided_by: a.decidedBy,
          result: a.result === null || a.result === undefined ? null : JSON.stringify(a.result),
        })
        .execute();
    },
    async findById(workspaceId, id) {
      const row = await db
        .selectFrom('pending_actions')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toAction(row);
    },
    async transition(workspaceId, id, from, decision) {
      const result = await db
        .updateTable('pending_actions')
        .set({
          status: decision.status,
          decided_at: decision.at,
          decided_by: decision.by,
          ...(decision.result !== undefined && { result: JSON.stringify(decision.result) }),
        })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .where('status', '=', from)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async listPending(workspaceId, now) {
      const rows = await db
        .selectFrom('pending_actions')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('status', '=', 'pending')
        .where('expires_at', '>', now)
        .orderBy('id')
        .execute();
      return rows.map(toAction);
    },
    async listDecided(workspaceId, query) {
      let q = db
        .selectFrom('pending_actions')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('tier', '=', query.tier)
        .where('status', '!=', 'pending')
        .where('decided_at', 'is not', null);
      if (query.memberId !== undefined) q = q.where('member_id', '=', query.memberId);
      const after = query.after;
      if (after) {
        q = q.where((eb) =>
          eb.or([
            eb('decided_at', '<', after.decidedAt),
            eb.and([eb('decided_at', '=', after.decidedAt), eb('id', '<', after.id)]),
          ]),
        );
      }
      const rows = await q.orderBy('decided_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
      return rows.map(toAction);
    },
  };
}
