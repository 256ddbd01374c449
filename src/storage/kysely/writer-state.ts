/**
 * What a write's checks read under its locks (write-usage-ports.ts, `lockForWrite`): the key
 * with its workspace and member, and the workspace's policy, in one precompiled statement.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database, WorkspacePolicyTable } from '../schema.js';
import type { WriterState } from '../write-usage-ports.js';
import { ownedQuery, toKey } from './keys-audit.js';
import { toPolicy } from './policies.js';
import { precompiled } from './precompiled.js';
import { toOwner } from './rows.js';

// Every column, or it does not compile: a column the policy gains is read here too.
const POLICY_COLUMN_SET: Record<keyof WorkspacePolicyTable, true> = {
  workspace_id: true,
  create_tier: true,
  update_tier: true,
  delete_tier: true,
  bulk_tier: true,
  require_reason: true,
  require_read_first: true,
  require_oauth: true,
  approver: true,
  write_budget: true,
  delete_budget: true,
  budget_window_minutes: true,
  frozen_at: true,
  frozen_until: true,
  frozen_by: true,
  frozen_reason: true,
  updated_at: true,
  updated_by: true,
};
const POLICY_COLUMNS = Object.keys(POLICY_COLUMN_SET) as (keyof WorkspacePolicyTable)[];

const writerById = precompiled(1, (db: Kysely<Database>, id: string) =>
  ownedQuery(db)
    .leftJoin('workspace_policies as p', 'p.workspace_id', 'k.workspace_id')
    .select((eb) => POLICY_COLUMNS.map((column) => eb.ref(`p.${column}`).as(`p_${column}`)))
    .where('k.id', '=', id),
);

export async function readWriter(db: Kysely<Database>, credentialId: string): Promise<WriterState> {
  const row = (await db.executeQuery(writerById(db, credentialId))).rows[0];
  if (!row) return { owned: undefined, policy: undefined };
  const prefixed = row as unknown as Record<string, unknown>;
  const policy =
    prefixed.p_workspace_id === null
      ? undefined
      : toPolicy(
          Object.fromEntries(
            POLICY_COLUMNS.map((column) => [column, prefixed[`p_${column}`]]),
          ) as Selectable<WorkspacePolicyTable>,
        );
  return { owned: { key: toKey(row), ...toOwner(row) }, policy };
}
