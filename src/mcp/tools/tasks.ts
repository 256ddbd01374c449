/** `list_tasks`, `get_task` and `search_tasks`. */
import { z } from 'zod';
import { type Page, quoteText, reference, singleLine, type TaskView } from '../../domain/index.js';
import { TASK_STATUSES } from '../../model/index.js';
import { defineTool, READ_ONLY } from '../define-tool.js';
import {
  cursorIn,
  dateIn,
  limitIn,
  nextCursorOut,
  quotedField,
  taskLine,
  taskOut,
  toTaskOut,
} from '../schemas.js';

const taskRef = reference(64).describe('task key (e.g. APO-12) or id');
const filters = {
  project: reference(64).optional().describe('project key or id'),
  status: z.array(z.enum(TASK_STATUSES)).max(5).optional(),
  assignee: reference(254).optional().describe('member id or email'),
  dueBefore: dateIn.optional(),
  dueAfter: dateIn.optional(),
  label: singleLine(1, 32).optional(),
  cursor: cursorIn,
  limit: limitIn,
};
const page = z.object({ tasks: z.array(taskOut), nextCursor: nextCursorOut });

function toTaskPage(result: Page<TaskView>) {
  const tasks = result.items.map(toTaskOut);
  const next = result.nextCursor;
  const lines = tasks.length ? result.items.map(taskLine).join('\n') : 'No tasks match.';
  return {
    structured: { tasks, nextCursor: next },
    text: `${lines}${next ? `\nMore: call again with cursor "${next}".` : ''}`,
    summary: { count: tasks.length },
  };
}

export const listTasks = defineTool({
  name: 'list_tasks',
  title: 'List tasks',
  description: 'List tasks, filtered by project, status, assignee, due date or label; paged with nextCursor.',
  scopes: ['tasks:read'],
  annotations: { ...READ_ONLY, title: 'List tasks' },
  input: z.object(filters).strict(),
  output: page,
  async run({ actor, domain }, input) {
    return toTaskPage(await domain.tasks.list(actor, input));
  },
});

export const searchTasks = defineTool({
  name: 'search_tasks',
  title: 'Search tasks',
  description: 'Find tasks whose title or description contains the query (case-insensitive).',
  scopes: ['tasks:read'],
  annotations: { ...READ_ONLY, title: 'Search tasks' },
  input: z.object({ query: singleLine(1, 200), ...filters }).strict(),
  output: page,
  async run({ actor, domain }, { query, ...rest }) {
    return toTaskPage(await domain.tasks.list(actor, { ...rest, text: query }));
  },
});

export const getTask = defineTool({
  name: 'get_task',
  title: 'Get a task',
  description: 'Get one task by key (APO-12) or id, with its current version (pass it back when updating).',
  scopes: ['tasks:read'],
  annotations: { ...READ_ONLY, title: 'Get a task' },
  input: z.object({ task: taskRef }).strict(),
  output: z.object({ task: taskOut }),
  async run({ actor, domain }, input) {
    const view = await domain.tasks.get(actor, input.task);
    const task = toTaskOut(view);
    return {
      structured: { task },
      text: `${taskLine(view)}\nLabels: ${task.labels.map(quoteText).join(', ') || 'none'}\n${quotedField('Description', task.description)}`,
      summary: { id: task.id, version: task.version },
    };
  },
});
