/**
 * An index for the Activity filter on `action`, and for the Overview's "last verified"
 * (`audit.verified`, read on every Overview): without it both walk `(workspace_id, id)`
 * newest first until a match, which reads a whole workspace that was never verified. Leads
 * with the workspace and ends with `id`, like 0007's, so a page stops after its rows.
 * Numbered 0013 to leave 0012 to a migration written beside it.
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
