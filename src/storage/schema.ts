/**
 * The relational schema as kysely sees it. One schema serves SQLite and PostgreSQL, so
 * column types stay in the common subset: times are ISO-8601 UTC text, booleans are
 * 0/1 integers, lists are JSON text. `docs/storage.md` describes each table.
 */
import type { Generated } from 'kysely';

export interface WorkspaceTable {
  id: string;
  slug: string;
  name: string;
  environment: string;
  created_at: string;
}

export interface MemberTable {
  id: string;
  workspace_id: string;
  email: string;
  name: string;
  role: string;
  created_at: string;
}

export interface ProjectTable {
  id: string;
  workspace_id: string;
  key: string;
  name: string;
  description: string;
  archived: number;
  next_task_number: Generated<number>;
  created_at: string;
  updated_at: string;
}

export interface ProjectMemberTable {
  project_id: string;
  member_id: string;
}

export interface TaskTable {
  id: string;
  workspace_id: string;
  project_id: string;
  number: number;
  title: string;
  description: string;
  status: string;
  priority: string;
  assignee_id: string | null;
  due_date: string | null;
  labels: string;
  version: number;
  created_at: string;
  created_by: string;
  created_via: string;
  updated_at: string;
  updated_by: string;
  updated_via: string;
  deleted_at: string | null;
  deleted_by: string | null;
}

export interface TaskChangeTable {
  id: string;
  workspace_id: string;
  task_id: string;
  version: number;
  changes: string;
  changed_by: string;
  changed_via: string;
  credential_name: string | null;
  changed_at: string;
}

export interface CommentTable {
  id: string;
  workspace_id: string;
  task_id: string;
  author_id: string;
  body: string;
  via: string;
  credential_name: string | null;
  created_at: string;
}

export interface TimeEntryTable {
  id: string;
  workspace_id: string;
  task_id: string;
  member_id: string;
  date: string;
  minutes: number;
  billable: number;
  note: string | null;
  via: string;
  created_at: string;
}

export interface Database {
  workspaces: WorkspaceTable;
  members: MemberTable;
  projects: ProjectTable;
  project_members: ProjectMemberTable;
  tasks: TaskTable;
  task_changes: TaskChangeTable;
  comments: CommentTable;
  time_entries: TimeEntryTable;
}
