/**
 * The Activity page's query string, read as typed: the filter boxes, the cursor and the page
 * size. SECURITY: the address bar is attacker-editable, so nothing is cleaned up here — a
 * field given twice is refused (never "the first one wins"), and every value goes to the
 * Activity service as it came, which checks it and names the field it refuses.
 */
import type { Context } from 'hono';
import type { ActivityFilterText } from '../audit/index.js';
import type { FieldIssue } from '../core/index.js';

export const FILTER_FIELDS = ['key', 'member', 'tool', 'action', 'outcome', 'ip', 'since', 'until'] as const;
export type FilterField = (typeof FILTER_FIELDS)[number];

export interface ActivityQuery {
  /** The filters as the service takes them; an empty box is no filter. */
  readonly filters: ActivityFilterText;
  /** What the form shows again: exactly what was typed. */
  readonly values: Readonly<Partial<Record<FilterField, string>>>;
  readonly cursor: string | undefined;
  readonly limit: number | undefined;
  /** Problems found before the service is asked (a repeated or malformed parameter). */
  readonly issues: readonly FieldIssue[];
}

function single(c: Context, name: string, issues: FieldIssue[]): string | undefined {
  const all = c.req.queries(name);
  if (!all || all.length === 0) return undefined;
  if (all.length > 1) issues.push({ field: name, message: 'was given more than once' });
  return all[0];
}

export function readActivityQuery(c: Context): ActivityQuery {
  const issues: FieldIssue[] = [];
  const filters: Record<string, string> = {};
  const values: Partial<Record<FilterField, string>> = {};
  for (const field of FILTER_FIELDS) {
    const value = single(c, field, issues);
    if (value === undefined || value === '') continue;
    filters[field] = value;
    values[field] = value;
  }
  const cursorText = single(c, 'cursor', issues);
  const limitText = single(c, 'limit', issues);
  let limit: number | undefined;
  if (limitText !== undefined && limitText !== '') {
    if (/^[0-9]{1,4}$/.test(limitText)) limit = Number(limitText);
    else issues.push({ field: 'limit', message: 'must be a whole number from 1 to 1000' });
  }
  return {
    filters,
    values,
    cursor: cursorText === '' ? undefined : cursorText,
    limit,
    issues,
  };
}

/** The query string of a view: its filters (as typed) and, when given, a cursor or a format. */
export function viewQuery(
  values: ActivityQuery['values'],
  extra: Readonly<Record<string, string | number | undefined>> = {},
): string {
  const params = new URLSearchParams();
  for (const field of FILTER_FIELDS) {
    const value = values[field];
    if (value !== undefined) params.set(field, value);
  }
  for (const [name, value] of Object.entries(extra)) if (value !== undefined) params.set(name, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}
