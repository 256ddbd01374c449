/**
 * Safe writes: actions waiting for a human confirmation, the per-credential write ledger
 * behind the write budget, a flag on keys that went over it, and the audit fields a write
 * carries (its changes, the stated reason and the confirmation it executed under).
 */
import type { Kysely, Migration } from 'kysely';

export const pendingActions: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('pending_actions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('credential_id', 'text', (c) => c.notNull())
      .addColumn('member_id', 'text', (c) => c.notNull().references('members.id'))
      .addColumn('tool', 'text', (c) => c.notNull())
      .addColumn('args', 'text', (c) => c.notNull())
      .addColumn('digest', 'text', (c) => c.notNull())
      .addColumn('risk', 'text', (c) => c.notNull())
      .addColumn('tier', 'text', (c) => c.notNull())
      .addColumn('plan', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('decided_at', 'text')
      .addColumn('decided_by', 'text')
      .addColumn('result', 'text')
      .execute();
    await db.schema
      .createIndex('pending_actions_status_idx')
      .on('pending_actions')
      .columns(['workspace_id', 'status', 'expires_at'])
      .execute();

    await db.schema
      .createTable('write_usage')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('credential_id', 'text', (c) => c.notNull())
      .addColumn('writes', 'integer', (c) => c.notNull())
      .addColumn('deletes', 'integer', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('write_usage_credential_at_idx')
      .on('write_usage')
      .columns(['credential_id', 'at'])
      .execute();

    await db.schema.alterTable('api_keys').addColumn('flagged_at', 'text').execute();
    await db.schema.alterTable('api_keys').addColumn('flagged_reason', 'text').execute();

    await db.schema.alterTable('audit_events').addColumn('changes', 'text').execute();
    await db.schema.alterTable('audit_events').addColumn('reason', 'text').execute();
    await db.schema.alterTable('audit_events').addColumn('confirmation', 'text').execute();
  },
};
