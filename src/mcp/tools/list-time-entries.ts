/** `list_time_entries`: logged time by task, member or date range. */
import { z } from 'zod';
import { reference } from '../../domain/index.js';
import { defineTool, READ_ONLY } from '../define-tool.js';
import { cursorIn, dateIn, limitIn, nextCursorOut, timeEntryOut, toTimeEntryOut } from '../schemas.js';

export const listTimeEntries = defineTool({
  name: 'list_time_entries',
  title: 'List time entries',
  description: 'List logged time, by task, member or date range.',
  scopes: ['time:read'],
  annotations: { ...READ_ONLY, title: 'List time entries' },
  input: z
    .object({
      task: reference(64).optional(),
      member: reference(254).optional(),
      from: dateIn.optional(),
      to: dateIn.optional(),
      cursor: cursorIn,
      limit: limitIn,
    })
    .strict(),
  output: z.object({
    entries: z.array(timeEntryOut),
    totalMinutes: z.number().int(),
    nextCursor: nextCursorOut,
  }),
  async run({ actor, domain }, input) {
    const page = await domain.timeEntries.list(actor, input);
    const entries = page.items.map(toTimeEntryOut);
    const totalMinutes = entries.reduce((sum, e) => sum + e.minutes, 0);
    const text = entries.length
      ? `${entries.map((e) => `${e.date} ${e.minutes} min${e.billable ? ' (billable)' : ''} on ${e.taskId}`).join('\n')}\nTotal on this page: ${totalMinutes} min`
      : 'No time entries.';
    return {
      structured: { entries, totalMinutes, nextCursor: page.nextCursor },
      text,
      summary: { count: entries.length },
    };
  },
});
