/**
 * The fields an update changed, before and after: what a plan previews, what an approval
 * page shows and what the audit viewer shows of a recorded change. Pure; written once here
 * so the guard (plans) and the audit layer (the Activity detail) agree on what "changed" is.
 */
import type { ObjectChange } from '../model/index.js';

export interface FieldDiff {
  readonly field: string;
  readonly before: unknown;
  readonly after: unknown;
}

// Every update moves these; showing them would bury the fields a person changed.
const BOOKKEEPING = new Set(['version', 'updatedAt', 'deletedAt']);

export function fieldDiff(change: ObjectChange): FieldDiff[] {
  if (!change.before || !change.after) return [];
  const fields = new Set([...Object.keys(change.before), ...Object.keys(change.after)]);
  return [...fields]
    .filter(
      (f) => !BOOKKEEPING.has(f) && JSON.stringify(change.before?.[f]) !== JSON.stringify(change.after?.[f]),
    )
    .map((field) => ({
      field,
      before: change.before?.[field] ?? null,
      after: change.after?.[field] ?? null,
    }));
}
