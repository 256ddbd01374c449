/** The tool catalogue, in the order clients list it. */
import type { ToolDefinition } from '../define-tool.js';
import { listComments, listMembers, listTimeEntries } from './people-time.js';
import { getProject, listProjects } from './projects.js';
import { getTask, listTasks, searchTasks } from './tasks.js';
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
