/** Workspace safe-write policies: one row per workspace that departs from the defaults. */
import type { Kysely, Selectable } from 'kysely';
import type { Approver, ConfirmationTier, WorkspacePolicyRecord } from '../../model/index.js';
import type { DatabaseKind } from '../connect.js';
import type { PolicyRepository } from '../ports.js';
import type { Database, WorkspacePolicyTable } from '../schema.js';
import { lockName, policyLock } from './locks.js';

const tier = (value: string | null) => value as ConfirmationTier | null;

export const toPolicy = (row: Selectable<WorkspacePolicyTable>): WorkspacePolicyRecord => ({
  workspaceId: row.workspace_id,
  tiers: {
    create: tier(row.create_tier),
    update: tier(row.update_tier),
    delete: tier(row.delete_tier),
    bulk: tier(row.bulk_tier),
  },
  requireReason: row.require_reason === 1,
  requireReadFirst: row.require_read_first === 1,
  requireOauth: row.require_oauth === 1,
  approver: row.approver as Approver,
  writeBudget: row.write_budget,
  deleteBudget: row.delete_budget,
  budgetWindowMinutes: row.budget_window_minutes,
  frozenAt: row.frozen_at,
  frozenUntil: row.frozen_until,
  frozenBy: row.frozen_by,
  frozenReason: row.frozen_reason,
  updatedAt: row.updated_at,
  updatedBy: row.updated_by,
});

const fromPolicy = (p: WorkspacePolicyRecord): WorkspacePolicyTable => ({
  workspace_id: p.workspaceId,
  create_tier: p.tiers.create,
  update_tier: p.tiers.update,
  delete_tier: p.tiers.delete,
  bulk_tier: p.tiers.bulk,
  require_reason: p.requireReason ? 1 : 0,
  require_read_first: p.requireReadFirst ? 1 : 0,
  require_oauth: p.requireOauth ? 1 : 0,
  approver: p.approver,
  write_budget: p.writeBudget,
  delete_budget: p.deleteBudget,
  budget_window_minutes: p.budgetWindowMinutes,
  frozen_at: p.frozenAt,
  frozen_until: p.frozenUntil,
  frozen_by: p.frozenBy,
  frozen_reason: p.frozenReason,
  updated_at: p.updatedAt,
  updated_by: p.updatedBy,
});

export function createPolicyRepository(db: Kysely<Database>, kind: DatabaseKind): PolicyRepository {
  return {
    lock: (workspaceId) => lockName(db, kind, policyLock(workspaceId)),
    async find(workspaceId) {
      const row = await db
        .selectFrom('workspace_policies')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .executeTakeFirst();
      return row && toPolicy(row);
    },
    async upsert(record) {
      const { workspace_id, ...rest } = fromPolicy(record);
      await db
        .insertInto('workspace_policies')
        .values({ workspace_id, ...rest })
        .onConflict((oc) => oc.column('workspace_id').doUpdateSet(rest))
        .execute();
    },
  };
}
