/**
 * The task lookup of every task tool (`workspace_id`, `project_id`, `number`) gets an index
 * that matches its predicate exactly. With no table statistics (a fresh or bulk-loaded
 * PostgreSQL, autovacuum off) the planner took `tasks_workspace_project_idx` and filtered a
 * whole project for `number`: 8 ms per call after 23k tasks. A unique index on all three
 * columns leaves it no other choice. It also serves every query the old index served (its
 * two columns are this one's prefix), so that one goes and a write keeps its index count.
 */
import type { Kysely, Migration } from 'kysely';

export const taskNumberIndex: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createIndex('tasks_workspace_project_number_uq')
      .on('tasks')
      .columns(['workspace_id', 'project_id', 'number'])
      .unique()
      .execute();
    await db.schema.dropIndex('tasks_workspace_project_idx').execute();
  },
};
