/**
 * A workspace's monitoring settings, one section per concern (rate limits, anomaly rules,
 * notifications), each defined beside the code that reads it with its zod schema and
 * defaults. A stored section is read through its schema (a value written by an older
 * version falls back field by field to the defaults); a change is validated whole before
 * anything is written, holds the section's lock, and commits with its audit event
 * (`monitoring.settings_changed`, each changed field with its `before` and `after`).
 * Owners and admins change settings; `null` is the local command line.
 */
import type { z } from 'zod';
import type { AuditLog } from '../audit/index.js';
import { type Clock, type FieldIssue, invalidInput } from '../core/index.js';
import { assertManager, resolveWorkspace } from '../domain/index.js';
import type { Workspace } from '../model/index.js';
import type { Repositories, Store } from '../storage/index.js';

export const SETTINGS_CHANGED_ACTION = 'monitoring.settings_changed';

/** One section: its name, its whole-value schema (every field defaulted) and a patch schema. */
export interface SettingsSection<T extends object> {
  readonly name: string;
  /** Parses a whole value; every field must have a default, so `{}` parses to the defaults. */
  readonly schema: z.ZodType<T, unknown>;
}

export interface MonitoringSettingsDeps {
  readonly store: Pick<Store, 'workspaces' | 'members' | 'monitoringSettings' | 'transaction'>;
  readonly audit: AuditLog;
  readonly clock: Clock;
}

function toIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) =>
    issue.code === 'unrecognized_keys'
      ? { field: issue.keys.join(', '), message: 'is not a setting of this section' }
      : { field: issue.path.length ? issue.path.join('.') : 'input', message: issue.message },
  );
}

/**
 * Parsed values by section and stored text. The row is still read on every call (a change is
 * seen at once); only parsing the same text again is skipped — a zod parse on every call of
 * the anomaly watch and the rate limits. Frozen, so no reader can change another's value.
 */
const parsedBySection = new WeakMap<object, Map<string | undefined, object>>();
const PARSED_PER_SECTION = 256;

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** A stored value read through the schema; one that no longer parses reads as the defaults. */
export function readStored<T extends object>(section: SettingsSection<T>, text: string | undefined): T {
  let parsed = parsedBySection.get(section);
  if (!parsed) {
    parsed = new Map();
    parsedBySection.set(section, parsed);
  }
  const known = parsed.get(text);
  if (known) return known as T;
  let stored: unknown = {};
  try {
    stored = text === undefined ? {} : JSON.parse(text);
  } catch {
    stored = {};
  }
  const result = section.schema.safeParse(stored);
  const value = deepFreeze(result.success ? result.data : section.schema.parse({}));
  // Oldest first out: one entry per workspace's distinct text, kept small.
  if (parsed.size >= PARSED_PER_SECTION) parsed.delete(parsed.keys().next().value);
  parsed.set(text, value);
  return value;
}

function changedFields(before: object, after: object): Record<string, { before: unknown; after: unknown }> {
  const changes: Record<string, { before: unknown; after: unknown }> = {};
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  for (const field of Object.keys(a)) {
    if (JSON.stringify(b[field]) !== JSON.stringify(a[field]))
      changes[field] = { before: b[field], after: a[field] };
  }
  return changes;
}

export type MonitoringSettings = ReturnType<typeof createMonitoringSettings>;

export function createMonitoringSettings(deps: MonitoringSettingsDeps) {
  const { store, audit, clock } = deps;

  /** SECURITY: only owners and admins tune monitoring; `null` is the local command line. */
  const assertMayChange = (repos: Repositories, workspace: Workspace, memberId: string | null) =>
    assertManager(repos.members, workspace, memberId, `change the monitoring settings of ${workspace.slug}`);

  return {
    /** The section's effective value for a workspace (defaults where nothing is stored). */
    async read<T extends object>(
      workspaceId: string,
      section: SettingsSection<T>,
      repos: Pick<Repositories, 'monitoringSettings'> = store,
    ): Promise<T> {
      const row = await repos.monitoringSettings.find(workspaceId, section.name);
      return readStored(section, row?.value);
    },

    /**
     * Applies `patch` (some fields of the section) for `memberId` (`null`: the command line);
     * returns the new value. Unknown fields and invalid values are refused, nothing written.
     */
    async change<T extends object>(
      workspaceRef: string,
      section: SettingsSection<T>,
      patch: Record<string, unknown>,
      memberId: string | null,
    ): Promise<T> {
      const workspace = await resolveWorkspace(store, workspaceRef);
      return store.transaction(async (repos) => {
        await assertMayChange(repos, workspace, memberId);
        await repos.monitoringSettings.lock(workspace.id, section.name);
        const row = await repos.monitoringSettings.find(workspace.id, section.name);
        const before = readStored(section, row?.value);
        const parsed = section.schema.safeParse({ ...before, ...patch });
        if (!parsed.success) throw invalidInput(toIssues(parsed.error));
        const after = parsed.data;
        const changes = changedFields(before, after);
        if (Object.keys(changes).length === 0) return after;
        const at = clock.now().toISOString();
        await repos.monitoringSettings.upsert(workspace.id, {
          section: section.name,
          value: JSON.stringify(after),
          updatedAt: at,
          updatedBy: memberId,
        });
        await audit.record(repos, {
          action: SETTINGS_CHANGED_ACTION,
          outcome: 'ok',
          workspaceId: workspace.id,
          memberId,
          environment: workspace.environment,
          detail: { section: section.name, changes },
        });
        return after;
      });
    },
  };
}
