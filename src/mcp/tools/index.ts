/** The tool catalogue, in the order clients list it. */
import type { ToolDefinition } from '../define-tool.js';
import type { WriteToolDefinition } from '../define-write-tool.js';
import { listComments, listMembers, listTimeEntries } from './people-time.js';
import { getProject, listProjects } from './projects.js';
import { getTask, listTasks, searchTasks } from './tasks.js';
import { whoami } from './whoami.js';
import { addComment, bulkUpdateTasks, createProject, logTime, updateProject } from './write-others.js';
import { createTask, deleteTask, restoreTask, updateTask } from './write-tasks.js';

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
