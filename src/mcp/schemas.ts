/** Output shapes shared by the tools, and the views that map domain records onto them. */
import { z } from 'zod';
import { quoteText, reference, type TaskView } from '../domain/index.js';
import type { Comment, Member, Project, TimeEntry } from '../model/index.js';

export const projectOut = z.object({
  id: z.string(),
  key: z.string(),
  name: z.string(),
  description: z.string(),
  archived: z.boolean(),
  updatedAt: z.string(),
});

export const taskOut = z.object({
  id: z.string(),
  key: z.string(),
  project: z.string(),
  title: z.string(),
  description: z.string(),
  status: z.string(),
  priority: z.string(),
  assigneeId: z.string().nullable(),
  dueDate: z.string().nullable(),
  labels: z.array(z.string()),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  updatedVia: z.string(),
});

export const commentOut = z.object({
  id: z.string(),
  authorId: z.string(),
  body: z.string(),
  via: z.string(),
  credentialName: z.string().nullable(),
  createdAt: z.string(),
});

export const timeEntryOut = z.object({
  id: z.string(),
  taskId: z.string(),
  memberId: z.string(),
  date: z.string(),
  minutes: z.number().int(),
  billable: z.boolean(),
  note: z.string().nullable(),
});

export const memberOut = z.object({ id: z.string(), email: z.string(), name: z.string(), role: z.string() });

export const dateIn = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .describe('YYYY-MM-DD');
export const cursorIn = reference(200).optional().describe('nextCursor from the previous page');
export const limitIn = z.number().int().min(1).max(100).optional().describe('page size, 1-100 (default 25)');
export const nextCursorOut = z.string().nullable();

export const toProjectOut = (p: Project): z.output<typeof projectOut> => ({
  id: p.id,
  key: p.key,
  name: p.name,
  description: p.description,
  archived: p.archived,
  updatedAt: p.updatedAt,
});

export const toTaskOut = (t: TaskView): z.output<typeof taskOut> => ({
  id: t.id,
  key: t.key,
  project: t.projectKey,
  title: t.title,
  description: t.description,
  status: t.status,
  priority: t.priority,
  assigneeId: t.assigneeId,
  dueDate: t.dueDate,
  labels: [...t.labels],
  version: t.version,
  createdAt: t.createdAt,
  updatedAt: t.updatedAt,
  updatedVia: t.updatedVia,
});

export const toCommentOut = (c: Comment): z.output<typeof commentOut> => ({
  id: c.id,
  authorId: c.authorId,
  body: c.body,
  via: c.via,
  credentialName: c.credentialName,
  createdAt: c.createdAt,
});

export const toTimeEntryOut = (e: TimeEntry): z.output<typeof timeEntryOut> => ({
  id: e.id,
  taskId: e.taskId,
  memberId: e.memberId,
  date: e.date,
  minutes: e.minutes,
  billable: e.billable,
  note: e.note,
});

export const toMemberOut = (m: Member): z.output<typeof memberOut> => ({
  id: m.id,
  email: m.email,
  name: m.name,
  role: m.role,
});

/**
 * SECURITY: every free-text value in a tool's text content is one JSON string literal
 * (`quoteText`), so no title, name or body — stored before control characters were refused
 * included — can end its line and start a line that reads as another object.
 */
export function taskLine(t: TaskView): string {
  const due = t.dueDate ? `, due ${t.dueDate}` : '';
  return `${t.key} [${t.status}${t.priority !== 'none' ? `, ${t.priority}` : ''}${due}] ${quoteText(t.title)} (v${t.version})`;
}

/** A multi-line field on its own line, quoted: `Description: "first\nsecond"`. */
export function quotedField(label: string, value: string | null): string {
  return `${label}: ${value ? quoteText(value) : '(none)'}`;
}
