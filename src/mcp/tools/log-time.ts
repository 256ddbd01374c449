/** `log_time`: time spent on a task, for the member the credential acts for. */
import { z } from 'zod';
import { multiLine } from '../../domain/index.js';
import type { ObjectChange } from '../../model/index.js';
import { defineWriteTool, WRITE, writeArgs } from '../define-write-tool.js';
import { dateIn } from '../schemas.js';
import { taskRef } from './task-fields.js';

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
