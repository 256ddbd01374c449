/**
 * A removed member keeps their row: tasks, comments, time and audit events point at it, and
 * history must still say who did what. `removed_at` marks them gone; every sign-in and
 * credential lookup joins on `removed_at is null`, so nothing of theirs authenticates again.
 */
import type { Kysely, Migration } from 'kysely';

export const memberRemoval: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('members').addColumn('removed_at', 'text').execute();
  },
};
