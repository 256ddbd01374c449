/** `search_tasks`: tasks whose title or description contains a query. */
import { z } from 'zod';
import { singleLine } from '../../domain/index.js';
import { defineTool, READ_ONLY } from '../define-tool.js';
import { filters, page, toTaskPage } from './task-page.js';

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
