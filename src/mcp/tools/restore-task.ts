/** `restore_task`: bring one task back from the trash. */
import { z } from 'zod';
import { defineWriteTool, taskChange, WRITE, writeArgs } from '../define-write-tool.js';
import { taskLine } from '../schemas.js';
import { taskRef } from './task-fields.js';

export const restoreTask = defineWriteTool({
  name: 'restore_task',
  title: 'Restore a task from the trash',
  description: 'Bring a task back from the trash, with its comments and time entries.',
  scopes: ['tasks:write'],
  annotations: { ...WRITE, title: 'Restore a task', destructiveHint: false, idempotentHint: true },
  input: z.object({ task: taskRef, ...writeArgs }).strict(),
  risk: 'update',
  async apply(domain, actor, { task: ref }, repos) {
    const before = await domain.tasks.get(actor, ref, { includeTrashed: true }, repos);
    const { task, dependents } = await domain.tasks.restore(actor, ref, repos);
    return {
      changes: [{ ...taskChange('restore', before, task), dependents }],
      result: { task: task.key, version: task.version },
      text: `Restored ${taskLine(task)}`,
    };
  },
});
