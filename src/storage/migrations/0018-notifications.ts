/**
 * Notifications (issue 16): a workspace's webhook endpoints, the delivery log (one row per
 * notice, channel and target, unique so a notice is queued once however often a job runs),
 * the dispatcher's place in each audit chain, and the schedule of background jobs with the
 * lease that lets one instance of many run each job.
 */
import { type Kysely, type Migration, sql } from 'kysely';

export const notifications: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('webhook_endpoints')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('url', 'text', (c) => c.notNull())
      // The signing secret sealed with a key derived from the instance secret (AES-256-GCM):
      // the server must sign with it, so a hash would not do; a database dump alone cannot.
      .addColumn('secret_sealed', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .execute();
    await db.schema
      .createIndex('webhook_endpoints_workspace_idx')
      .on('webhook_endpoints')
      .column('workspace_id')
      .execute();
    await db.schema
      .createTable('notification_deliveries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('notice', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'text')
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('delivered_at', 'text')
      .execute();
    await db.schema
      .createIndex('notification_deliveries_notice_uq')
      .on('notification_deliveries')
      .columns(['channel', 'target', 'notice'])
      .unique()
      .execute();
    await db.schema
      .createIndex('notification_deliveries_due_idx')
      .on('notification_deliveries')
      .columns(['status', 'next_attempt_at'])
      .execute();
    await db.schema
      .createIndex('notification_deliveries_workspace_idx')
      .on('notification_deliveries')
      .columns(['workspace_id', 'id'])
      .execute();
    await db.schema
      .createTable('notify_cursor')
      .addColumn('chain', 'text', (c) => c.primaryKey())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .execute();
    // An existing log's past is not news: the dispatcher starts at today's heads.
    await sql`insert into notify_cursor (chain, seq) select chain, seq from audit_heads`.execute(db);
    await db.schema
      .createTable('scheduled_jobs')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('next_run_at', 'text', (c) => c.notNull())
      .addColumn('lease_owner', 'text')
      .addColumn('lease_until', 'text')
      .addColumn('last_run_at', 'text')
      .execute();
  },
};
