/** `list_tasks`: tasks by project, status, assignee, due date or label, paged. */
import { z } from 'zod';
import { defineTool, READ_ONLY } from '../define-tool.js';
import { filters, page, toTaskPage } from './task-page.js';

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
