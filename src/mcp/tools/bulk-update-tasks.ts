/** `bulk_update_tasks`: the same fields set on many tasks, all or nothing. */
import { z } from 'zod';
import type { TaskView } from '../../domain/index.js';
import type { ObjectChange } from '../../model/index.js';
import { defineWriteTool, taskChange, WRITE, writeArgs } from '../define-write-tool.js';
import { taskFields, taskRef } from './task-fields.js';

export const MAX_BULK_TASKS = 50;

export const bulkUpdateTasks = defineWriteTool({
  name: 'bulk_update_tasks',
  title: 'Update many tasks',
  description: `Set the same fields on up to ${MAX_BULK_TASKS} tasks at once, all or nothing. Pass each task with the version you last read.`,
  scopes: ['tasks:write'],
  annotations: { ...WRITE, title: 'Update many tasks', destructiveHint: true, idempotentHint: true },
  input: z
    .object({
      tasks: z
        .array(z.object({ task: taskRef, version: z.number().int().positive().optional() }).strict())
        .min(1)
        .max(MAX_BULK_TASKS)
        .describe(`1-${MAX_BULK_TASKS} tasks, each with the version you last read`),
      set: z
        .object({
          status: taskFields.status.optional(),
          priority: taskFields.priority.optional(),
          assignee: taskFields.assignee.optional(),
          dueDate: taskFields.dueDate.optional(),
          labels: taskFields.labels.optional(),
        })
        .strict()
        .refine((set) => Object.keys(set).length > 0, 'name at least one field to set'),
      ...writeArgs,
    })
    .strict(),
  risk: 'bulk',
  missingVersions: (args) =>
    args.tasks.flatMap((item, i) => (item.version === undefined ? [`tasks.${i}.version`] : [])),
  async apply(domain, actor, { tasks, set }, repos) {
    const found: { item: (typeof tasks)[number]; before: TaskView }[] = [];
    const seen = new Set<string>();
    for (const item of tasks) {
      const before = await domain.tasks.get(actor, item.task, {}, repos);
      if (seen.has(before.id)) continue;
      seen.add(before.id);
      found.push({ item, before });
    }
    // Each update locks its task's row until the commit: in one order, by id, for every call,
    // or two calls naming the same tasks in opposite orders wait for each other (a deadlock on
    // PostgreSQL, whose victim would fail).
    const after = new Map<string, TaskView>();
    for (const { item, before } of [...found].sort((a, b) => (a.before.id < b.before.id ? -1 : 1))) {
      const updated = await domain.tasks.update(
        actor,
        item.task,
        { ...set, ...(item.version !== undefined && { version: item.version }) },
        repos,
      );
      after.set(before.id, updated);
    }
    const changes: ObjectChange[] = [];
    for (const { before } of found) {
      const updated = after.get(before.id);
      if (!updated || updated.version === before.version) continue;
      const dependents = await domain.tasks.dependents(actor, updated.id, repos);
      changes.push({ ...taskChange('update', before, updated), dependents });
    }
    return {
      changes,
      result: { updated: changes.map((c) => c.ref) },
      text: changes.length
        ? `Updated ${changes.length} task(s): ${changes.map((c) => c.ref).join(', ')}`
        : 'No change',
    };
  },
});
