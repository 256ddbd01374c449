/**
 * API keys (stored only as SHA-256) and the first audit table, plus the workspace key
 * rotation policy. The audit table is append-only; issue 5 adds its hash chain.
 */
import { type Kysely, type Migration, sql } from 'kysely';

export const keysAndAudit: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('workspaces')
      .addColumn('key_rotation_days', 'integer', (c) => c.notNull().defaultTo(90))
      .execute();

    await db.schema
      .createTable('api_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('member_id', 'text', (c) => c.notNull().references('members.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('environment', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull().unique())
      .addColumn('prefix', 'text', (c) => c.notNull())
      .addColumn('last4', 'text', (c) => c.notNull())
      .addColumn('scopes', 'text', (c) => c.notNull())
      .addColumn('project_ids', 'text')
      .addColumn('read_only', 'integer', (c) => c.notNull())
      .addColumn('dry_run_only', 'integer', (c) => c.notNull())
      .addColumn('ip_allow', 'text')
      .addColumn('client', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .addColumn('replaces', 'text')
      .addColumn('replaced_by', 'text')
      .addColumn('replaced_at', 'text')
      .addColumn('grace_until', 'text')
      .addColumn('last_used_at', 'text')
      .addColumn('last_used_ip', 'text')
      .addColumn('last_used_client', 'text')
      .execute();
    // A name is unique among the keys that still count: revoked and rotated-out ones free it.
    await db.schema
      .createIndex('api_keys_current_name_uq')
      .on('api_keys')
      .columns(['workspace_id', 'name'])
      .unique()
      .where(sql.ref('revoked_at'), 'is', null)
      .where(sql.ref('replaced_by'), 'is', null)
      .execute();

    await db.schema
      .createTable('audit_events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text')
      .addColumn('occurred_at', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('tool', 'text')
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('error_code', 'text')
      .addColumn('member_id', 'text')
      .addColumn('credential_id', 'text')
      .addColumn('credential_name', 'text')
      .addColumn('environment', 'text')
      .addColumn('params', 'text')
      .addColumn('result', 'text')
      .addColumn('ip', 'text')
      .addColumn('user_agent', 'text')
      .addColumn('client_name', 'text')
      .addColumn('client_version', 'text')
      .addColumn('request_id', 'text')
      .addColumn('duration_ms', 'integer')
      .addColumn('detail', 'text')
      .execute();
    await db.schema
      .createIndex('audit_events_workspace_idx')
      .on('audit_events')
      .columns(['workspace_id', 'id'])
      .execute();
    await db.schema
      .createIndex('audit_events_credential_idx')
      .on('audit_events')
      .columns(['credential_id', 'id'])
      .execute();
  },
};
