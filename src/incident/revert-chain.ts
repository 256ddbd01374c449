/**
 * The pure part of `incident revert`: what undoes a change, and whether anyone else touched
 * the object after it. An object's versions form a chain; the key's own changes and revert
 * steps are the links we expect. Walking back from the object's current version, every link
 * must end where the next one starts; a gap means somebody else changed it in between, and
 * that change is never overwritten.
 */
import type { ObjectChange } from '../model/index.js';
import type { KeyChange } from './events.js';

export type Version = number | string | null;

/** One expected change of an object: a write by the key, or a revert step. */
export interface ChainLink {
  readonly eventId: string;
  readonly before: Version;
  readonly after: Version;
}

export type RevertAction =
  | 'trash'
  | 'archive'
  | 'restore_fields'
  | 'restore_from_trash'
  | 'trash_again'
  | 'manual';

/** The state of an object now, as far as reverting it is concerned. */
export interface ObjectState {
  readonly version: Version;
  readonly deletedAt: string | null;
  /** The fields a revert can restore, with their current values. */
  readonly values: Readonly<Record<string, unknown>>;
}

export const RESTORABLE: Readonly<Record<string, readonly string[]>> = {
  task: ['title', 'description', 'status', 'priority', 'assigneeId', 'dueDate', 'labels'],
  project: ['name', 'description', 'archived'],
};

/** The inverse of a change: create → trash/archive, update → old values, delete ↔ restore. */
export function revertActionOf(change: Pick<ObjectChange, 'kind' | 'op' | 'id'>): RevertAction {
  if (change.id === null || (change.kind !== 'task' && change.kind !== 'project')) return 'manual';
  switch (change.op) {
    case 'create':
      return change.kind === 'task' ? 'trash' : 'archive';
    case 'update':
      return 'restore_fields';
    case 'delete':
      return change.kind === 'task' ? 'restore_from_trash' : 'manual';
    case 'restore':
      return change.kind === 'task' ? 'trash_again' : 'manual';
  }
}

/** The restorable fields a change changed: each with the value it left and the value before. */
export function fieldsToRestore(change: ObjectChange): Record<string, { now: unknown; restore: unknown }> {
  const fields: Record<string, { now: unknown; restore: unknown }> = {};
  for (const name of RESTORABLE[change.kind] ?? []) {
    const before = change.before?.[name] ?? null;
    const after = change.after?.[name] ?? null;
    if (JSON.stringify(before) !== JSON.stringify(after)) fields[name] = { now: after, restore: before };
  }
  return fields;
}

/**
 * Whether the chain from `eventId`'s link to the current version is unbroken: walking back
 * from `current`, each link must end where the walk stands. `links` are oldest first.
 */
export function chainIntact(links: readonly ChainLink[], eventId: string, current: Version): boolean {
  let at = current;
  for (let i = links.length - 1; i >= 0; i--) {
    const link = links[i]!;
    if (link.after !== at) return false;
    if (link.eventId === eventId) return true;
    at = link.before;
  }
  return false;
}

export type Verdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly changedAfterwards: boolean; readonly reason: string };

const refuse = (reason: string, changedAfterwards = false): Verdict => ({
  ok: false,
  changedAfterwards,
  reason,
});

/**
 * Checks that `change` can be undone on `state`: the object still exists, nobody else changed
 * it since (the chain), and it holds what the key left.
 */
export function checkRevert(
  change: KeyChange,
  action: RevertAction,
  state: ObjectState | undefined,
  links: readonly ChainLink[],
): Verdict {
  if (!state) return refuse(`${change.ref} no longer exists (purged from the trash?)`);
  if (!chainIntact(links, change.eventId, state.version)) {
    return refuse(`${change.ref} was changed afterwards by someone else`, true);
  }
  const trashed = state.deletedAt !== null;
  if ((action === 'trash' || action === 'trash_again' || action === 'restore_fields') && trashed)
    return refuse(`${change.ref} is in the trash`);
  if (action === 'restore_from_trash' && !trashed) return refuse(`${change.ref} is not in the trash`);
  if (action === 'restore_fields') {
    for (const [name, { now }] of Object.entries(fieldsToRestore(change))) {
      const current = state.values[name] ?? null;
      if (JSON.stringify(current) !== JSON.stringify(now)) {
        return refuse(
          `${change.ref} ${name} is ${JSON.stringify(current)}, not the ${JSON.stringify(now)} the key left`,
          true,
        );
      }
    }
  }
  return { ok: true };
}

/** The state a planned step would leave (a dry run plans older steps on top of it). */
export function simulate(
  state: ObjectState,
  change: ObjectChange,
  action: RevertAction,
  version: Version,
): ObjectState {
  const values: Record<string, unknown> = { ...state.values };
  if (action === 'restore_fields') {
    for (const [name, { restore }] of Object.entries(fieldsToRestore(change))) values[name] = restore;
  }
  if (action === 'archive') values.archived = true;
  let deletedAt = state.deletedAt;
  if (action === 'trash' || action === 'trash_again') deletedAt = 'trashed by this revert';
  if (action === 'restore_from_trash') deletedAt = null;
  return { version, deletedAt, values };
}
