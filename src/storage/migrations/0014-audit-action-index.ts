/**
 * An index for events of one action, newest first: the console's Overview and the security
 * checklist ask for the last `audit.verified` of a workspace on every view, and the Activity
 * filter `--action` pages through one action. Without it, a workspace never verified reads its
 * whole log to learn so.
 */
import type { Kysely, Migration } from 'kysely';

export const auditActionIndex: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createIndex('audit_events_action_idx')
      .on('audit_events')
      .columns(['workspace_id', 'action', 'id'])
      .execute();
  },
};
