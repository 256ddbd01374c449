/** `update_task`: change fields of one task, guarded by the version last read. */
import { z } from 'zod';
import { defineWriteTool, taskChange, WRITE, writeArgs } from '../define-write-tool.js';
import { taskLine } from '../schemas.js';
import { taskFields, taskRef, version } from './task-fields.js';

export const updateTask = defineWriteTool({
  name: 'update_task',
  title: 'Update a task',
  description:
    'Change fields of a task. Pass the version you last read: if the task changed since, nothing is written and the current task is returned.',
  scopes: ['tasks:write'],
  annotations: { ...WRITE, title: 'Update a task', destructiveHint: true, idempotentHint: true },
  input: z
    .object({
      task: taskRef,
      version: version.optional(),
      title: taskFields.title.optional(),
      description: taskFields.description.optional(),
      status: taskFields.status.optional(),
      priority: taskFields.priority.optional(),
      assignee: taskFields.assignee.optional(),
      dueDate: taskFields.dueDate.optional(),
      labels: taskFields.labels.optional(),
      ...writeArgs,
    })
    .strict(),
  risk: 'update',
  missingVersions: (args) => (args.version === undefined ? ['version'] : []),
  async apply(domain, actor, { task: ref, reason: _r, dry_run: _d, ...fields }, repos) {
    const before = await domain.tasks.get(actor, ref, {}, repos);
    const after = await domain.tasks.update(actor, ref, fields, repos);
    const changed = after.version !== before.version;
    return {
      changes: changed ? [taskChange('update', before, after)] : [],
      result: { task: after.key, version: after.version },
      text: changed ? `Updated ${taskLine(after)}` : `No change: ${after.key} already has these values`,
    };
  },
});
