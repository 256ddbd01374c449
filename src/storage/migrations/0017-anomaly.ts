/**
 * Anomaly detection (issue 16): per credential, the baseline its rules compare each call
 * with (known networks and clients, the hourly EWMA, the windows of its bursts, last seen),
 * kept in the database so that every instance judges a key by the same history; the alerts
 * the rules raise; and a key's suspension, in columns of its own so that lifting it restores
 * exactly the rights the key had (its read-only and dry-run-only flags are never touched).
 */
import type { Kysely, Migration } from 'kysely';

export const anomaly: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('key_baselines')
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('credential_id', 'text', (c) => c.notNull().references('api_keys.id'))
      // The rules' state as JSON (networks, clients, EWMA, windows): new rules need no migration.
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('key_baselines_pk', ['credential_id'])
      .execute();
    await db.schema
      .createTable('alerts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('rule', 'text', (c) => c.notNull())
      .addColumn('credential_id', 'text')
      .addColumn('severity', 'text', (c) => c.notNull())
      .addColumn('summary', 'text', (c) => c.notNull())
      .addColumn('evidence', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('acknowledged_at', 'text')
      .addColumn('acknowledged_by', 'text')
      .addColumn('resolved_at', 'text')
      .addColumn('resolved_by', 'text')
      .execute();
    await db.schema
      .createIndex('alerts_workspace_open')
      .on('alerts')
      .columns(['workspace_id', 'resolved_at', 'created_at'])
      .execute();
    for (const column of ['suspended_at', 'suspended_mode', 'suspended_reason', 'suspended_by']) {
      await db.schema.alterTable('api_keys').addColumn(column, 'text').execute();
    }
  },
};
