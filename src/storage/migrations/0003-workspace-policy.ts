/**
 * The safe-write policy of each workspace: confirmation tiers per risk class, the
 * reason/read-first requirements, who approves, write budgets and the freeze switch. A
 * workspace without a row follows its environment's defaults; a null tier does too.
 */
import type { Kysely, Migration } from 'kysely';

export const workspacePolicy: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('workspace_policies')
      .addColumn('workspace_id', 'text', (c) => c.primaryKey().references('workspaces.id'))
      .addColumn('create_tier', 'text')
      .addColumn('update_tier', 'text')
      .addColumn('delete_tier', 'text')
      .addColumn('bulk_tier', 'text')
      .addColumn('require_reason', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('require_read_first', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('approver', 'text', (c) => c.notNull().defaultTo('member'))
      .addColumn('write_budget', 'integer', (c) => c.notNull().defaultTo(60))
      .addColumn('delete_budget', 'integer', (c) => c.notNull().defaultTo(10))
      .addColumn('budget_window_minutes', 'integer', (c) => c.notNull().defaultTo(10))
      .addColumn('frozen_at', 'text')
      .addColumn('frozen_until', 'text')
      .addColumn('frozen_by', 'text')
      .addColumn('frozen_reason', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text')
      .execute();
  },
};
