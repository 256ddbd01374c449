/** `add_comment`, `log_time`, `create_project`, `update_project` and `bulk_update_tasks`. */
import { z } from 'zod';
import { multiLine, quoteText, reference, singleLine } from '../../domain/index.js';
import type { ObjectChange } from '../../model/index.js';
import { defineWriteTool, projectSnapshot, taskChange, WRITE, writeArgs } from '../define-write-tool.js';
import { dateIn } from '../schemas.js';
import { taskFields } from './write-tasks.js';

export const MAX_BULK_TASKS = 50;
const taskRef = reference(64).describe('task key (e.g. APO-12) or id');

export const addComment = defineWriteTool({
  name: 'add_comment',
  title: 'Comment on a task',
  description: 'Add a comment to a task.',
  scopes: ['comments:write'],
  annotations: { ...WRITE, title: 'Comment on a task', destructiveHint: false, idempotentHint: false },
  input: z.object({ task: taskRef, body: multiLine(1, 10000), ...writeArgs }).strict(),
  risk: 'create',
  async apply(domain, actor, { task, body }, repos) {
    const comment = await domain.comments.add(actor, { task, body }, repos);
    const view = await domain.tasks.get(actor, task, {}, repos);
    const change: ObjectChange = {
      kind: 'comment',
      op: 'create',
      id: comment.id,
      ref: view.key,
      before: null,
      after: { task: view.key, body: comment.body },
      beforeVersion: null,
      afterVersion: null,
    };
    return {
      changes: [change],
      result: { comment: comment.id, task: view.key },
      text: `Commented on ${view.key}`,
    };
  },
});

export const logTime = defineWriteTool({
  name: 'log_time',
  title: 'Log time on a task',
  description: 'Record time spent on a task, for the member this credential acts for.',
  scopes: ['time:write'],
  annotations: { ...WRITE, title: 'Log time', destructiveHint: false, idempotentHint: false },
  input: z
    .object({
      task: taskRef,
      date: dateIn,
      minutes: z.number().int().min(1).max(1440),
      billable: z.boolean().optional(),
      note: multiLine(0, 1000).nullable().optional(),
      ...writeArgs,
    })
    .strict(),
  risk: 'create',
  async apply(domain, actor, { reason: _r, dry_run: _d, ...input }, repos) {
    const entry = await domain.timeEntries.log(actor, input, repos);
    const view = await domain.tasks.get(actor, input.task, {}, repos);
    const change: ObjectChange = {
      kind: 'time_entry',
      op: 'create',
      id: entry.id,
      ref: view.key,
      before: null,
      after: {
        task: view.key,
        date: entry.date,
        minutes: entry.minutes,
        billable: entry.billable,
        note: entry.note,
      },
      beforeVersion: null,
      afterVersion: null,
    };
    return {
      changes: [change],
      result: { timeEntry: entry.id, task: view.key },
      text: `Logged ${entry.minutes} min on ${view.key} for ${entry.date}`,
    };
  },
});

export const createProject = defineWriteTool({
  name: 'create_project',
  title: 'Create a project',
  description: 'Create a project (owners and admins). Its key prefixes task keys, e.g. APO in APO-12.',
  scopes: ['projects:write'],
  annotations: { ...WRITE, title: 'Create a project', destructiveHint: false, idempotentHint: false },
  input: z
    .object({
      key: singleLine(2, 10).describe('2-10 letters or digits, starting with a letter'),
      name: singleLine(1, 100),
      description: multiLine(0, 5000).optional(),
      members: z.array(reference(254)).max(200).optional().describe('member ids or emails'),
      ...writeArgs,
    })
    .strict(),
  risk: 'create',
  async apply(domain, actor, { reason: _r, dry_run: _d, ...input }, repos) {
    const project = await domain.projects.create(actor, input, repos);
    const change: ObjectChange = {
      kind: 'project',
      op: 'create',
      id: project.id,
      ref: project.key,
      before: null,
      after: projectSnapshot(project),
      beforeVersion: null,
      afterVersion: project.updatedAt,
    };
    return {
      changes: [change],
      result: { project: project.key },
      text: `Created project ${project.key} ${quoteText(project.name)}`,
    };
  },
});

export const updateProject = defineWriteTool({
  name: 'update_project',
  title: 'Update a project',
  description: 'Rename a project, change its description, or archive / unarchive it (owners and admins).',
  scopes: ['projects:write'],
  annotations: { ...WRITE, title: 'Update a project', destructiveHint: true, idempotentHint: true },
  input: z
    .object({
      project: reference(64).describe('project key or id'),
      name: singleLine(1, 100).optional(),
      description: multiLine(0, 5000).optional(),
      archived: z.boolean().optional(),
      ...writeArgs,
    })
    .strict(),
  risk: 'update',
  async apply(domain, actor, { project: ref, reason: _r, dry_run: _d, ...input }, repos) {
    const before = await domain.projects.get(actor, ref, repos);
    const after = await domain.projects.update(actor, ref, input, repos);
    const same =
      JSON.stringify({ ...projectSnapshot(before), updatedAt: 0 }) ===
      JSON.stringify({ ...projectSnapshot(after), updatedAt: 0 });
    const change: ObjectChange = {
      kind: 'project',
      op: 'update',
      id: after.id,
      ref: after.key,
      before: projectSnapshot(before),
      after: projectSnapshot(after),
      beforeVersion: before.updatedAt,
      afterVersion: after.updatedAt,
    };
    return {
      changes: same ? [] : [change],
      result: { project: after.key },
      text: same
        ? `No change: project ${after.key} already has these values`
        : `Updated project ${after.key}`,
    };
  },
});

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
    const changes: ObjectChange[] = [];
    const seen = new Set<string>();
    for (const item of tasks) {
      const before = await domain.tasks.get(actor, item.task, {}, repos);
      if (seen.has(before.id)) continue;
      seen.add(before.id);
      const after = await domain.tasks.update(
        actor,
        item.task,
        { ...set, ...(item.version !== undefined && { version: item.version }) },
        repos,
      );
      if (after.version === before.version) continue;
      const dependents = await domain.tasks.dependents(actor, after.id, repos);
      changes.push({ ...taskChange('update', before, after), dependents });
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
