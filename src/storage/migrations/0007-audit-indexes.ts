/**
 * Indexes for reading the audit log (`taskgate audit query`, `audit export`, incident
 * reports). Each leads with the workspace and ends with `id`, so a filter on one column
 * walks the index in keyset order and stops after one page instead of sorting the table.
 * `(workspace_id, id)` already exists (0002); `credential_id` lookups have their own (0002).
 */
import type { Kysely, Migration } from 'kysely';

export const auditIndexes: Migration = {
  async up(db: Kysely<unknown>) {
    // `--key <name>` filters on the stored name, so a revoked or rotated-out key stays findable.
    await db.schema
      .createIndex('audit_events_credential_name_idx')
      .on('audit_events')
      .columns(['workspace_id', 'credential_name', 'id'])
      .execute();
    await db.schema
      .createIndex('audit_events_member_idx')
      .on('audit_events')
      .columns(['workspace_id', 'member_id', 'id'])
      .execute();
    // Time windows (`--since`, `--until`, exports of a day) without a full scan.
    await db.schema
      .createIndex('audit_events_occurred_idx')
      .on('audit_events')
      .columns(['workspace_id', 'occurred_at'])
      .execute();
  },
};
