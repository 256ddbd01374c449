/**
 * A workspace's monitoring settings (rate limits, anomaly rules, notifications): one row per
 * workspace and section, its value the section's JSON as the monitoring layer validated it.
 * A missing row means the section's defaults. Each section's schema lives beside the code
 * that reads it (src/monitoring/), so a new tunable needs no migration.
 */
import type { Kysely, Migration } from 'kysely';

export const monitoringSettings: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('monitoring_settings')
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('section', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text')
      .addPrimaryKeyConstraint('monitoring_settings_pk', ['workspace_id', 'section'])
      .execute();
  },
};
