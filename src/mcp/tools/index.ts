/** The tool catalogue, in the order clients list it. */
import type { ToolDefinition } from '../define-tool.js';
import type { WriteToolDefinition } from '../define-write-tool.js';
import { addComment } from './add-comment.js';
import { bulkUpdateTasks } from './bulk-update-tasks.js';
import { createProject } from './create-project.js';
import { createTask } from './create-task.js';
import { deleteTask } from './delete-task.js';
import { getProject } from './get-project.js';
import { getTask } from './get-task.js';
import { listComments } from './list-comments.js';
import { listMembers } from './list-members.js';
import { listProjects } from './list-projects.js';
import { listTasks } from './list-tasks.js';
import { listTimeEntries } from './list-time-entries.js';
import { logTime } from './log-time.js';
import { restoreTask } from './restore-task.js';
import { searchTasks } from './search-tasks.js';
import { updateProject } from './update-project.js';
import { updateTask } from './update-task.js';
import { whoami } from './whoami.js';

export const TOOLS: readonly ToolDefinition[] = [
  whoami,
  listProjects,
  getProject,
  listTasks,
  getTask,
  searchTasks,
  listComments,
  listTimeEntries,
  listMembers,
];

export const WRITE_TOOLS: readonly WriteToolDefinition[] = [
  createTask,
  updateTask,
  deleteTask,
  restoreTask,
  bulkUpdateTasks,
  addComment,
  logTime,
  createProject,
  updateProject,
];
