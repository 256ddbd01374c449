/** The workspace core: workspaces, members, projects, tasks (with change history), comments, time. */
import type { Kysely, Migration } from 'kysely';

const TIME = 'text';

export const initial: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('workspaces')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('slug', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('environment', 'text', (c) => c.notNull())
      .addColumn('created_at', TIME, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('members')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('created_at', TIME, (c) => c.notNull())
      .addUniqueConstraint('members_workspace_email_uq', ['workspace_id', 'email'])
      .execute();

    await db.schema
      .createTable('projects')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('archived', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_task_number', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_at', TIME, (c) => c.notNull())
      .addColumn('updated_at', TIME, (c) => c.notNull())
      .addUniqueConstraint('projects_workspace_key_uq', ['workspace_id', 'key'])
      .execute();

    await db.schema
      .createTable('project_members')
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
      .addColumn('member_id', 'text', (c) => c.notNull().references('members.id'))
      .addPrimaryKeyConstraint('project_members_pk', ['project_id', 'member_id'])
      .execute();

    await db.schema
      .createTable('tasks')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
      .addColumn('number', 'integer', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('priority', 'text', (c) => c.notNull())
      .addColumn('assignee_id', 'text', (c) => c.references('members.id'))
      .addColumn('due_date', 'text')
      .addColumn('labels', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('created_at', TIME, (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull().references('members.id'))
      .addColumn('created_via', 'text', (c) => c.notNull())
      .addColumn('updated_at', TIME, (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull().references('members.id'))
      .addColumn('updated_via', 'text', (c) => c.notNull())
      .addColumn('deleted_at', TIME)
      .addColumn('deleted_by', 'text', (c) => c.references('members.id'))
      .addUniqueConstraint('tasks_project_number_uq', ['project_id', 'number'])
      .execute();
    await db.schema
      .createIndex('tasks_workspace_project_idx')
      .on('tasks')
      .columns(['workspace_id', 'project_id'])
      .execute();
    await db.schema.createIndex('tasks_assignee_idx').on('tasks').column('assignee_id').execute();

    await db.schema
      .createTable('task_changes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('task_id', 'text', (c) => c.notNull().references('tasks.id'))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('changes', 'text', (c) => c.notNull())
      .addColumn('changed_by', 'text', (c) => c.notNull().references('members.id'))
      .addColumn('changed_via', 'text', (c) => c.notNull())
      .addColumn('credential_name', 'text')
      .addColumn('changed_at', TIME, (c) => c.notNull())
      .addUniqueConstraint('task_changes_task_version_uq', ['task_id', 'version'])
      .execute();

    await db.schema
      .createTable('comments')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('task_id', 'text', (c) => c.notNull().references('tasks.id'))
      .addColumn('author_id', 'text', (c) => c.notNull().references('members.id'))
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('via', 'text', (c) => c.notNull())
      .addColumn('credential_name', 'text')
      .addColumn('created_at', TIME, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('comments_task_idx').on('comments').column('task_id').execute();

    await db.schema
      .createTable('time_entries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('task_id', 'text', (c) => c.notNull().references('tasks.id'))
      .addColumn('member_id', 'text', (c) => c.notNull().references('members.id'))
      .addColumn('date', 'text', (c) => c.notNull())
      .addColumn('minutes', 'integer', (c) => c.notNull())
      .addColumn('billable', 'integer', (c) => c.notNull())
      .addColumn('note', 'text')
      .addColumn('via', 'text', (c) => c.notNull())
      .addColumn('created_at', TIME, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('time_entries_task_idx').on('time_entries').column('task_id').execute();
    await db.schema
      .createIndex('time_entries_member_date_idx')
      .on('time_entries')
      .columns(['member_id', 'date'])
      .execute();
  },
};
