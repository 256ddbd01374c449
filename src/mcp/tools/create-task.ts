/** `create_task`: a new task in a project. */
import { z } from 'zod';
import { reference } from '../../domain/index.js';
import { defineWriteTool, taskChange, WRITE, writeArgs } from '../define-write-tool.js';
import { taskLine } from '../schemas.js';
import { taskFields } from './task-fields.js';

export const createTask = defineWriteTool({
  name: 'create_task',
  title: 'Create a task',
  description:
    'Create a task in a project. Returns a preview first when the workspace policy asks for a confirmation.',
  scopes: ['tasks:write'],
  annotations: { ...WRITE, title: 'Create a task', destructiveHint: false, idempotentHint: false },
  input: z
    .object({
      project: reference(64).describe('project key or id'),
      title: taskFields.title,
      description: taskFields.description.optional(),
      status: taskFields.status.optional(),
      priority: taskFields.priority.optional(),
      assignee: taskFields.assignee.optional(),
      dueDate: taskFields.dueDate.optional(),
      labels: taskFields.labels.optional(),
      ...writeArgs,
    })
    .strict(),
  risk: 'create',
  async apply(domain, actor, { reason: _r, dry_run: _d, ...fields }, repos) {
    const task = await domain.tasks.create(actor, fields, repos);
    return {
      changes: [taskChange('create', null, task)],
      result: { task: task.key },
      text: `Created ${taskLine(task)}`,
    };
  },
});
