/** `list_comments`, `list_time_entries` and `list_members`. */
import { z } from 'zod';
import { quoteText, reference } from '../../domain/index.js';
import { defineTool, READ_ONLY } from '../define-tool.js';
import {
  commentOut,
  cursorIn,
  dateIn,
  limitIn,
  memberOut,
  nextCursorOut,
  timeEntryOut,
  toCommentOut,
  toMemberOut,
  toTimeEntryOut,
} from '../schemas.js';

export const listComments = defineTool({
  name: 'list_comments',
  title: 'List comments',
  description: 'List the comments on a task, oldest first.',
  scopes: ['comments:read'],
  annotations: { ...READ_ONLY, title: 'List comments' },
  input: z
    .object({ task: reference(64).describe('task key or id'), cursor: cursorIn, limit: limitIn })
    .strict(),
  output: z.object({ comments: z.array(commentOut), nextCursor: nextCursorOut }),
  async run({ actor, domain }, input) {
    const page = await domain.comments.list(actor, input);
    const comments = page.items.map(toCommentOut);
    const text = comments.length
      ? comments
          .map(
            (c) =>
              `${c.createdAt} ${c.authorId}${c.credentialName ? ` via ${quoteText(c.credentialName)}` : ''}: ${quoteText(c.body)}`,
          )
          .join('\n')
      : 'No comments.';
    return {
      structured: { comments, nextCursor: page.nextCursor },
      text,
      summary: { count: comments.length },
    };
  },
});

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

export const listMembers = defineTool({
  name: 'list_members',
  title: 'List members',
  description: 'List the members of the workspace and their roles.',
  scopes: ['members:read'],
  annotations: { ...READ_ONLY, title: 'List members' },
  input: z.object({}).strict(),
  output: z.object({ members: z.array(memberOut) }),
  async run({ actor, domain }) {
    const members = (await domain.workspaces.listMembers(actor)).map(toMemberOut);
    return {
      structured: { members },
      text: members.map((m) => `${quoteText(m.name)} <${m.email}> ${m.role}`).join('\n'),
      summary: { count: members.length },
    };
  },
});
