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
} from '../records.js';
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
