/**
 * What a write's checks read under its locks (ports.ts, `lockForWrite`): the key with its
 * workspace and member, and the workspace's policy, in one precompiled statement.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database, WorkspacePolicyTable } from '../schema.js';
import type { WriterState } from '../write-usage-ports.js';
import { ownedQuery, toKey } from './keys-audit.js';
import { toPolicy } from './policies.js';
import { precompiled } from './precompiled.js';
import { toOwner } from './rows.js';

const POLICY_COLUMNS = [
  'workspace_id',
  'create_tier',
  'update_tier',
  'delete_tier',
  'bulk_tier',
  'require_reason',
  'require_read_first',
  'require_oauth',
  'approver',
  'write_budget',
  'delete_budget',
  'budget_window_minutes',
  'frozen_at',
  'frozen_until',
  'frozen_by',
  'frozen_reason',
  'updated_at',
  'updated_by',
] as const satisfies readonly (keyof WorkspacePolicyTable)[];

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
