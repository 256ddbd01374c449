/** Tasks, their change history and the trash. */
import { type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import type { Task, TaskChange } from '../../model/index.js';
import type { DatabaseKind } from '../connect.js';
import type { TaskRepository } from '../ports.js';
import type { Database, TaskTable } from '../schema.js';
import { precompiled } from './precompiled.js';
import { fromTask, fromTaskChange, TASK_CHANGE_COLUMNS, toProject, toTask, toTaskChange } from './rows.js';

/** A history row's values for an INSERT … SELECT whose task comes from the `t` above it. */
const changeValues = (c: TaskChange) => {
  const row = fromTaskChange(c);
  return TASK_CHANGE_COLUMNS.map((column) =>
    column === 'task_id'
      ? sql.ref('t.id')
      : column === 'version'
        ? sql`cast(${row.version} as integer)`
        : sql`${row[column]}`,
  );
};

/** Project and task by key, on every `get_task`: built once (precompiled.ts). */
const taskByKey = precompiled(
  3,
  (db: Kysely<Database>, workspaceId: string, projectKey: string, number: number) =>
    db
      .selectFrom('projects as p')
      .leftJoin('tasks as t', (join) =>
        join
          .onRef('t.workspace_id', '=', 'p.workspace_id')
          .onRef('t.project_id', '=', 'p.id')
          .on('t.number', '=', number),
      )
      .selectAll('t')
      .select([
        'p.id as p_id',
        'p.workspace_id as p_workspace_id',
        'p.key as p_key',
        'p.name as p_name',
        'p.description as p_description',
        'p.archived as p_archived',
        'p.next_task_number as p_next_task_number',
        'p.created_at as p_created_at',
        'p.updated_at as p_updated_at',
      ])
      .where('p.workspace_id', '=', workspaceId)
      .where('p.key', '=', projectKey),
);

export function createTaskRepository(db: Kysely<Database>, kind: DatabaseKind): TaskRepository {
  /** The project's counter moves by one; the row lock (PostgreSQL) or write lock (SQLite) makes it atomic. */
  const takeNumber = (workspaceId: string, projectId: string) =>
    db
      .updateTable('projects')
      .set((eb) => ({ next_task_number: eb('next_task_number', '+', 1) }))
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', projectId)
      .returning(sql<number>`next_task_number - 1`.as('number'));

  const insertChange = async (c: TaskChange) => {
    await db.insertInto('task_changes').values(fromTaskChange(c)).execute();
  };

  const insert = async (task: Task) => {
    await db.insertInto('tasks').values(fromTask(task)).execute();
  };

  const findById = async (workspaceId: string, id: string) => {
    const row = await db
      .selectFrom('tasks')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toTask(row);
  };

  const setIfVersion = async (
    workspaceId: string,
    id: string,
    expectedVersion: number,
    set: Updateable<TaskTable>,
  ) => {
    const row = await db
      .updateTable('tasks')
      .set((eb) => ({ ...set, version: eb('version', '+', 1) }))
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .returningAll()
      .executeTakeFirst();
    return row && toTask(row);
  };

  return {
    findById,
    insert,
    async insertNumbered(unnumbered, created) {
      if (kind === 'sqlite') {
        // SQLite allows no UPDATE in a WITH: one statement each under the one write lock.
        const { number } = await takeNumber(
          unnumbered.workspaceId,
          unnumbered.projectId,
        ).executeTakeFirstOrThrow();
        const task = { ...unnumbered, number };
        await insert(task);
        if (created) await insertChange(created);
        return task;
      }
      // PostgreSQL: one round trip for the number, the row that takes it and its first history
      // row — a round trip fewer while the project's counter row is locked (issue 17).
      const row = fromTask({ ...unnumbered, number: 0 });
      const columns = Object.keys(row) as (keyof typeof row)[];
      const values = columns.map((column) =>
        column === 'number'
          ? sql.ref('n.number')
          : typeof row[column] === 'number'
            ? sql`cast(${row[column]} as integer)`
            : sql`${row[column]}`,
      );
      const history = created
        ? sql`, h as (insert into task_changes (${sql.join(TASK_CHANGE_COLUMNS.map((c) => sql.ref(c)))})
            select ${sql.join(changeValues(created))} from t)`
        : sql``;
      const { rows } = await sql<{
        number: number;
      }>`with n as (${takeNumber(unnumbered.workspaceId, unnumbered.projectId)}),
        t as (insert into tasks (${sql.join(columns.map((column) => sql.ref(column)))})
          select ${sql.join(values)} from n returning number, id)${history}
        select number from t`.execute(db);
      if (!rows[0]) throw new Error(`project ${unnumbered.projectId} not found`);
      return { ...unnumbered, number: rows[0].number };
    },
    async findByProjectKey(workspaceId, projectKey, number) {
      const { rows } = await db.executeQuery(taskByKey(db, workspaceId, projectKey, number));
      const row = rows[0];
      if (!row) return undefined;
      const project = toProject({
        id: row.p_id,
        workspace_id: row.p_workspace_id,
        key: row.p_key,
        name: row.p_name,
        description: row.p_description,
        archived: row.p_archived,
        next_task_number: row.p_next_task_number,
        created_at: row.p_created_at,
        updated_at: row.p_updated_at,
      });
      return { project, task: row.id === null ? undefined : toTask(row as Selectable<TaskTable>) };
    },
    async list(workspaceId, filter, page) {
      let query = db.selectFrom('tasks').selectAll().where('workspace_id', '=', workspaceId);
      if (filter.projectIds !== undefined) {
        if (filter.projectIds.length === 0) return [];
        query = query.where('project_id', 'in', [...filter.projectIds]);
      }
      if (filter.statuses?.length) query = query.where('status', 'in', [...filter.statuses]);
      if (filter.assigneeId !== undefined) query = query.where('assignee_id', '=', filter.assigneeId);
      if (filter.dueBefore !== undefined) query = query.where('due_date', '<', filter.dueBefore);
      if (filter.dueAfter !== undefined) query = query.where('due_date', '>', filter.dueAfter);
      // Labels are validated to [a-z0-9-], so the quoted form cannot contain LIKE wildcards.
      if (filter.label !== undefined)
        query = query.where('labels', 'like', `%${JSON.stringify(filter.label)}%`);
      if (filter.text !== undefined) {
        const pattern = `%${escapeLike(filter.text.toLowerCase())}%`;
        // An explicit ESCAPE: SQLite has no default escape character, PostgreSQL uses backslash.
        query = query.where(
          sql<boolean>`(lower(title) like ${pattern} escape '\\' or lower(description) like ${pattern} escape '\\')`,
        );
      }
      query =
        filter.deleted === 'only'
          ? query.where('deleted_at', 'is not', null)
          : query.where('deleted_at', 'is', null);
      if (page.afterId !== undefined) query = query.where('id', '>', page.afterId);
      return (await query.orderBy('id').limit(page.limit).execute()).map(toTask);
    },
    async updateIfVersion(workspaceId, id, expectedVersion, update) {
      const f = update.fields;
      return setIfVersion(workspaceId, id, expectedVersion, {
        ...(f.title !== undefined && { title: f.title }),
        ...(f.description !== undefined && { description: f.description }),
        ...(f.status !== undefined && { status: f.status }),
        ...(f.priority !== undefined && { priority: f.priority }),
        ...(f.assigneeId !== undefined && { assignee_id: f.assigneeId }),
        ...(f.dueDate !== undefined && { due_date: f.dueDate }),
        ...(f.labels !== undefined && { labels: JSON.stringify(f.labels) }),
        updated_at: update.updatedAt,
        updated_by: update.updatedBy,
        updated_via: update.updatedVia,
      });
    },
    async setDeletedIfVersion(workspaceId, id, expectedVersion, deleted, update) {
      return setIfVersion(workspaceId, id, expectedVersion, {
        deleted_at: deleted?.at ?? null,
        deleted_by: deleted?.by ?? null,
        updated_at: update.updatedAt,
        updated_by: update.updatedBy,
        updated_via: update.updatedVia,
      });
    },
    insertChange,
    async listChanges(workspaceId, taskId, afterVersion) {
      const rows = await db
        .selectFrom('task_changes')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('task_id', '=', taskId)
        .where('version', '>', afterVersion)
        .orderBy('version')
        .execute();
      return rows.map(toTaskChange);
    },
    async countDependents(workspaceId, taskId) {
      const count = async (table: 'comments' | 'time_entries') => {
        const row = await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .where('workspace_id', '=', workspaceId)
          .where('task_id', '=', taskId)
          .executeTakeFirstOrThrow();
        return Number(row.n);
      };
      return { comments: await count('comments'), timeEntries: await count('time_entries') };
    },
    async purgeDeletedBefore(workspaceId, before) {
      const doomed = db
        .selectFrom('tasks')
        .select('id')
        .where('workspace_id', '=', workspaceId)
        .where('deleted_at', 'is not', null)
        .where('deleted_at', '<', before);
      await db.deleteFrom('comments').where('task_id', 'in', doomed).execute();
      await db.deleteFrom('time_entries').where('task_id', 'in', doomed).execute();
      await db.deleteFrom('task_changes').where('task_id', 'in', doomed).execute();
      const result = await db
        .deleteFrom('tasks')
        .where('workspace_id', '=', workspaceId)
        .where('deleted_at', 'is not', null)
        .where('deleted_at', '<', before)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async countDeletedBefore(workspaceId, before) {
      const row = await db
        .selectFrom('tasks')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('workspace_id', '=', workspaceId)
        .where('deleted_at', 'is not', null)
        .where('deleted_at', '<', before)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}
