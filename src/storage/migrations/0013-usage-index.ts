/**
 * An index for one key's usage (a key's page, `taskgate usage --key`): its events of a time
 * window, without walking every event of the workspace in that window. The whole workspace's
 * usage reads the window through `(workspace_id, occurred_at)` (0007). Measured in
 * docs/benchmarks.md (`bench/usage-query.mjs`).
 */
import type { Kysely, Migration } from 'kysely';

export const usageIndex: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createIndex('audit_events_credential_time_idx')
      .on('audit_events')
      .columns(['workspace_id', 'credential_id', 'occurred_at'])
      .execute();
  },
};
