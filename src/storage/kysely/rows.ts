/** Row <-> record conversion: JSON text, 0/1 booleans and string unions live only here. */
import type { Selectable } from 'kysely';
import type { Environment } from '../../config/index.js';
import type {
  Comment,
  Member,
  Project,
  Role,
  Task,
  TaskChange,
  TimeEntry,
  Via,
  Workspace,
} from '../../model/index.js';
import type {
  CommentTable,
  MemberTable,
  ProjectTable,
  TaskChangeTable,
  TaskTable,
  TimeEntryTable,
  WorkspaceTable,
} from '../schema.js';

export const toWorkspace = (row: Selectable<WorkspaceTable>): Workspace => ({
  id: row.id,
  slug: row.slug,
  name: row.name,
  environment: row.environment as Environment,
  keyRotationDays: row.key_rotation_days,
  createdAt: row.created_at,
});

export const toMember = (row: Selectable<MemberTable>): Member => ({
  id: row.id,
  workspaceId: row.workspace_id,
  email: row.email,
  name: row.name,
  role: row.role as Role,
  createdAt: row.created_at,
  ...(row.removed_at !== null && { removedAt: row.removed_at }),
});

export const toProject = (row: Selectable<ProjectTable>): Project => ({
  id: row.id,
  workspaceId: row.workspace_id,
  key: row.key,
  name: row.name,
  description: row.description,
  archived: row.archived === 1,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export const toTask = (row: Selectable<TaskTable>): Task => ({
  id: row.id,
  workspaceId: row.workspace_id,
  projectId: row.project_id,
  number: row.number,
  title: row.title,
  description: row.description,
  status: row.status as Task['status'],
  priority: row.priority as Task['priority'],
  assigneeId: row.assignee_id,
  dueDate: row.due_date,
  labels: JSON.parse(row.labels) as string[],
  version: row.version,
  createdAt: row.created_at,
  createdBy: row.created_by,
  createdVia: row.created_via as Via,
  updatedAt: row.updated_at,
  updatedBy: row.updated_by,
  updatedVia: row.updated_via as Via,
  deletedAt: row.deleted_at,
  deletedBy: row.deleted_by,
});

export const fromTask = (task: Task): TaskTable => ({
  id: task.id,
  workspace_id: task.workspaceId,
  project_id: task.projectId,
  number: task.number,
  title: task.title,
  description: task.description,
  status: task.status,
  priority: task.priority,
  assignee_id: task.assigneeId,
  due_date: task.dueDate,
  labels: JSON.stringify(task.labels),
  version: task.version,
  created_at: task.createdAt,
  created_by: task.createdBy,
  created_via: task.createdVia,
  updated_at: task.updatedAt,
  updated_by: task.updatedBy,
  updated_via: task.updatedVia,
  deleted_at: task.deletedAt,
  deleted_by: task.deletedBy,
});

/**
 * Every column of a table, in order, for statements that name them (an INSERT … SELECT): the
 * compiler checks the literal names each column and no other, so a new one is not left out.
 */
const columnsOf = <T>(all: Record<keyof T, true>) => Object.keys(all) as (keyof T & string)[];

export const TASK_CHANGE_COLUMNS = columnsOf<TaskChangeTable>({
  id: true,
  workspace_id: true,
  task_id: true,
  version: true,
  changes: true,
  changed_by: true,
  changed_via: true,
  credential_name: true,
  changed_at: true,
});

export const fromTaskChange = (c: TaskChange): TaskChangeTable => ({
  id: c.id,
  workspace_id: c.workspaceId,
  task_id: c.taskId,
  version: c.version,
  changes: JSON.stringify(c.changes),
  changed_by: c.changedBy,
  changed_via: c.changedVia,
  credential_name: c.credentialName,
  changed_at: c.changedAt,
});

export const toTaskChange = (row: Selectable<TaskChangeTable>): TaskChange => ({
  id: row.id,
  workspaceId: row.workspace_id,
  taskId: row.task_id,
  version: row.version,
  changes: JSON.parse(row.changes) as TaskChange['changes'],
  changedBy: row.changed_by,
  changedVia: row.changed_via as Via,
  credentialName: row.credential_name,
  changedAt: row.changed_at,
});

export const COMMENT_COLUMNS = columnsOf<CommentTable>({
  id: true,
  workspace_id: true,
  task_id: true,
  author_id: true,
  body: true,
  via: true,
  credential_name: true,
  created_at: true,
});

export const fromComment = (c: Comment): CommentTable => ({
  id: c.id,
  workspace_id: c.workspaceId,
  task_id: c.taskId,
  author_id: c.authorId,
  body: c.body,
  via: c.via,
  credential_name: c.credentialName,
  created_at: c.createdAt,
});

export const toComment = (row: Selectable<CommentTable>): Comment => ({
  id: row.id,
  workspaceId: row.workspace_id,
  taskId: row.task_id,
  authorId: row.author_id,
  body: row.body,
  via: row.via as Via,
  credentialName: row.credential_name,
  createdAt: row.created_at,
});

export const toTimeEntry = (row: Selectable<TimeEntryTable>): TimeEntry => ({
  id: row.id,
  workspaceId: row.workspace_id,
  taskId: row.task_id,
  memberId: row.member_id,
  date: row.date,
  minutes: row.minutes,
  billable: row.billable === 1,
  note: row.note,
  via: row.via as Via,
  createdAt: row.created_at,
});

/**
 * The workspace (`w`) and member (`m`) a credential or session belongs to, selected beside
 * it in one joined query: the columns to select, and how to read them back.
 */
export const OWNER_COLUMNS = [
  'w.slug as w_slug',
  'w.name as w_name',
  'w.environment as w_environment',
  'w.key_rotation_days as w_key_rotation_days',
  'w.created_at as w_created_at',
  'm.email as m_email',
  'm.name as m_name',
  'm.role as m_role',
  'm.created_at as m_created_at',
] as const;

export interface OwnerRow {
  readonly workspace_id: string;
  readonly member_id: string;
  readonly w_slug: string;
  readonly w_name: string;
  readonly w_environment: string;
  readonly w_key_rotation_days: number;
  readonly w_created_at: string;
  readonly m_email: string;
  readonly m_name: string;
  readonly m_role: string;
  readonly m_created_at: string;
}

export const toOwner = (row: OwnerRow): { workspace: Workspace; member: Member } => ({
  workspace: toWorkspace({
    id: row.workspace_id,
    slug: row.w_slug,
    name: row.w_name,
    environment: row.w_environment,
    key_rotation_days: row.w_key_rotation_days,
    created_at: row.w_created_at,
  }),
  member: toMember({
    id: row.member_id,
    workspace_id: row.workspace_id,
    email: row.m_email,
    name: row.m_name,
    role: row.m_role,
    created_at: row.m_created_at,
    // Owner lookups join on `removed_at is null`: a removed member never owns a credential.
    removed_at: null,
  }),
});
