/** Comments and time entries: append-only rows hanging off a task. */
import type { Kysely } from 'kysely';
import type { CommentRepository, TimeEntryRepository } from '../ports.js';
import type { Database } from '../schema.js';
import { fromComment, toComment, toTimeEntry } from './rows.js';

export function createCommentRepository(db: Kysely<Database>): CommentRepository {
  return {
    async insert(c) {
      await db.insertInto('comments').values(fromComment(c)).execute();
    },
    async listByTask(workspaceId, taskId, page) {
      let query = db
        .selectFrom('comments')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('task_id', '=', taskId);
      if (page.afterId !== undefined) query = query.where('id', '>', page.afterId);
      return (await query.orderBy('id').limit(page.limit).execute()).map(toComment);
    },
  };
}

export function createTimeEntryRepository(db: Kysely<Database>): TimeEntryRepository {
  return {
    async insert(e) {
      await db
        .insertInto('time_entries')
        .values({
          id: e.id,
          workspace_id: e.workspaceId,
          task_id: e.taskId,
          member_id: e.memberId,
          date: e.date,
          minutes: e.minutes,
          billable: e.billable ? 1 : 0,
          note: e.note,
          via: e.via,
          created_at: e.createdAt,
        })
        .execute();
    },
    async list(workspaceId, filter, page) {
      let query = db.selectFrom('time_entries').selectAll().where('workspace_id', '=', workspaceId);
      if (filter.taskId !== undefined) query = query.where('task_id', '=', filter.taskId);
      if (filter.memberId !== undefined) query = query.where('member_id', '=', filter.memberId);
      // Only entries of live tasks (a trashed task's time goes with it) in this workspace.
      let tasks = db
        .selectFrom('tasks')
        .select('id')
        .where('workspace_id', '=', workspaceId)
        .where('deleted_at', 'is', null);
      if (filter.projectIds !== undefined) {
        if (filter.projectIds.length === 0) return [];
        tasks = tasks.where('project_id', 'in', [...filter.projectIds]);
      }
      query = query.where('task_id', 'in', tasks);
      if (filter.from !== undefined) query = query.where('date', '>=', filter.from);
      if (filter.to !== undefined) query = query.where('date', '<=', filter.to);
      if (page.afterId !== undefined) query = query.where('id', '>', page.afterId);
      return (await query.orderBy('id').limit(page.limit).execute()).map(toTimeEntry);
    },
  };
}
