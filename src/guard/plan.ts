/**
 * Plans: what a write would do, computed by running it in a transaction that is always
 * rolled back, and its digest over tool + canonical arguments + the version of every
 * existing object it touches. Equal digests mean "the same write against the same state".
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/index.js';
import { type Actor, fieldDiff, quoteJson } from '../domain/index.js';
import type { ObjectChange, RiskClass } from '../model/index.js';
import type { Store } from '../storage/index.js';
import type { Applied, WriteArgs, WriteSpec } from './write-spec.js';

/** Moved down to the domain (the audit viewer shows the same diff); still exported here. */
export { fieldDiff };

export interface Plan {
  readonly tool: string;
  readonly risk: RiskClass;
  readonly args: Readonly<Record<string, unknown>>;
  readonly digest: string;
  readonly changes: readonly ObjectChange[];
  /** Human-readable preview: one line per object, with field diffs for updates. */
  readonly preview: string;
}

class Rollback extends Error {
  constructor(readonly applied: Applied) {
    super('plan rollback');
  }
}

/** Arguments as planned and stored: without `dry_run` (it asks for a plan, it is not one). */
export function plannedArgs(args: WriteArgs): Record<string, unknown> {
  const { dry_run: _dryRun, ...rest } = args;
  return JSON.parse(JSON.stringify(rest)) as Record<string, unknown>;
}

export function planDigest(
  tool: string,
  args: Readonly<Record<string, unknown>>,
  changes: readonly ObjectChange[],
) {
  const touched = changes
    .filter((change) => change.op !== 'create')
    .map((change) => [change.kind, change.id, change.beforeVersion]);
  return `sha256:${createHash('sha256').update(canonicalJson({ tool, args, touched })).digest('hex')}`;
}

export function toPlan(spec: WriteSpec, args: WriteArgs, applied: Applied): Plan {
  const stored = plannedArgs(args);
  return {
    tool: spec.name,
    risk: spec.risk(args),
    args: stored,
    digest: planDigest(spec.name, stored, applied.changes),
    changes: applied.changes,
    preview: describeChanges(applied.changes),
  };
}

/** Runs the write and undoes it: the plan is exactly what executing now would do. */
export async function simulate(
  store: Pick<Store, 'transaction'>,
  spec: WriteSpec,
  actor: Actor,
  args: WriteArgs,
): Promise<Plan> {
  try {
    await store.transaction(async (repos) => {
      throw new Rollback(await spec.apply(actor, args, repos));
    });
  } catch (error) {
    if (error instanceof Rollback) return toPlan(spec, args, error.applied);
    throw error;
  }
  throw new Error('unreachable: the plan transaction always rolls back');
}

// SECURITY: one quoted token per value, control and bidi characters escaped (plain-text.ts).
const show = (value: unknown) => (value === null || value === undefined ? '(none)' : quoteJson(value));

const VERB = { create: 'create', update: 'update', delete: 'move to the trash', restore: 'restore' } as const;
const NOUN = {
  task: 'task',
  project: 'project',
  comment: 'comment on',
  time_entry: 'time entry on',
} as const;

export function describeChanges(changes: readonly ObjectChange[]): string {
  if (!changes.length) return 'No change: everything already has the requested values.';
  return changes
    .map((change) => {
      const head = `${VERB[change.op]} ${NOUN[change.kind]} ${change.ref}`;
      if (change.op === 'create') {
        const fields = Object.entries(change.after ?? {})
          .filter(([, value]) => value !== null && value !== '' && !(Array.isArray(value) && !value.length))
          .map(([field, value]) => `${field}=${show(value)}`);
        return `- ${head}: ${fields.join(', ')}`;
      }
      if (change.op === 'update') {
        const lines = fieldDiff(change).map((d) => `    ${d.field}: ${show(d.before)} -> ${show(d.after)}`);
        return [`- ${head} (version ${change.beforeVersion}):`, ...lines].join('\n');
      }
      const dependents = change.dependents
        ? ` with ${change.dependents.comments} comment(s) and ${change.dependents.timeEntries} time entr${change.dependents.timeEntries === 1 ? 'y' : 'ies'}`
        : '';
      return `- ${head}${dependents}`;
    })
    .join('\n');
}
