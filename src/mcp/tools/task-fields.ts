/** Input pieces the task tools share, so a task reference or field reads the same in every tool. */
import { z } from 'zod';
import { multiLine, reference, singleLine } from '../../domain/index.js';
import { TASK_PRIORITIES, TASK_STATUSES } from '../../model/index.js';
import { dateIn } from '../schemas.js';

export const taskRef = reference(64).describe('task key (e.g. APO-12) or id');

export const version = z
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
