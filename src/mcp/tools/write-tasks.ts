/** `create_task`, `update_task`, `delete_task`, `restore_task`: single-task writes. */
import { z } from 'zod';
import { multiLine, reference, singleLine } from '../../domain/index.js';
import { TASK_PRIORITIES, TASK_STATUSES } from '../../model/index.js';
import { defineWriteTool, taskChange, WRITE, writeArgs } from '../define-write-tool.js';
import { dateIn, taskLine } from '../schemas.js';

const taskRef = reference(64).describe('task key (e.g. APO-12) or id');
const version = z
  .number()
  .int()
  .positive()
  .describe('the version you last read (get_task); a stale one is refused');
export const taskFields = {
  title: singleLine(1, 200),
  description: multiLine(0, 20000),
  status: z.enum(TASK_STATUSES),
  priority: z.enum(TASK_PRIORITIES),
  assignee: reference(254).nullable().describe('member id or email; null to unassign'),
  dueDate: dateIn.nullable(),
  labels: z.array(singleLine(1, 32)).max(20),
};

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

export const deleteTask = defineWriteTool({
  name: 'delete_task',
  title: 'Move a task to the trash',
  description:
    'Move a task to the trash (with its comments and time entries); restore_task brings it back. Pass the version you last read.',
  scopes: ['tasks:delete'],
  annotations: { ...WRITE, title: 'Move a task to the trash', destructiveHint: true, idempotentHint: true },
  input: z.object({ task: taskRef, version: version.optional(), ...writeArgs }).strict(),
  risk: 'delete',
  missingVersions: (args) => (args.version === undefined ? ['version'] : []),
  async apply(domain, actor, { task: ref, version: expected }, repos) {
    const before = await domain.tasks.get(actor, ref, {}, repos);
    const { task, dependents } = await domain.tasks.delete(
      actor,
      ref,
      expected === undefined ? {} : { version: expected },
      repos,
    );
    return {
      changes: [{ ...taskChange('delete', before, task), dependents }],
      result: { task: task.key, version: task.version, trashed: true },
      text: `Moved ${task.key} to the trash with ${dependents.comments} comment(s) and ${dependents.timeEntries} time entr${dependents.timeEntries === 1 ? 'y' : 'ies'}; restore_task brings it back`,
    };
  },
});

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
