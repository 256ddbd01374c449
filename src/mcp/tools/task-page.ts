/** The filters and the paged answer that `list_tasks` and `search_tasks` share. */
import { z } from 'zod';
import { type Page, reference, singleLine, type TaskView } from '../../domain/index.js';
import { TASK_STATUSES } from '../../model/index.js';
import { cursorIn, dateIn, limitIn, nextCursorOut, taskLine, taskOut, toTaskOut } from '../schemas.js';

export const filters = {
  project: reference(64).optional().describe('project key or id'),
  status: z.array(z.enum(TASK_STATUSES)).max(5).optional(),
  assignee: reference(254).optional().describe('member id or email'),
  dueBefore: dateIn.optional(),
  dueAfter: dateIn.optional(),
  label: singleLine(1, 32).optional(),
  cursor: cursorIn,
  limit: limitIn,
};

export const page = z.object({ tasks: z.array(taskOut), nextCursor: nextCursorOut });

export function toTaskPage(result: Page<TaskView>) {
  const tasks = result.items.map(toTaskOut);
  const next = result.nextCursor;
  const lines = tasks.length ? result.items.map(taskLine).join('\n') : 'No tasks match.';
  return {
    structured: { tasks, nextCursor: next },
    text: `${lines}${next ? `\nMore: call again with cursor "${next}".` : ''}`,
    summary: { count: tasks.length },
  };
}
