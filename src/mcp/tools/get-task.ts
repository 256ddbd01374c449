/** `get_task`: one task by key or id, with the version an update passes back. */
import { z } from 'zod';
import { quoteText } from '../../domain/index.js';
import { defineTool, READ_ONLY } from '../define-tool.js';
import { quotedField, taskLine, taskOut, toTaskOut } from '../schemas.js';
import { taskRef } from './task-fields.js';

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
