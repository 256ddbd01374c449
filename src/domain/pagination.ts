/**
 * Opaque cursors over id-ordered lists. A cursor is the base64url of the last id seen;
 * it is validated on the way back in, so a tampered cursor is an input error, not a query.
 */
import { type IdKind, isId } from '../core/index.js';
import { fieldError } from './validation.js';

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

export function decodeCursor(kind: IdKind, cursor: string | undefined): string | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!isId(kind, id)) throw fieldError('cursor', 'is not a cursor this list returned');
  return id;
}

/** `rows` was fetched with `limit + 1`; the extra row only says whether there is more. */
export function toPage<T extends { id: string }, V = T>(
  rows: T[],
  limit: number,
  view?: (row: T) => V,
): Page<V> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  const nextCursor = rows.length > limit && last ? Buffer.from(last.id, 'utf8').toString('base64url') : null;
  return { items: view ? items.map(view) : (items as unknown as V[]), nextCursor };
}
