/**
 * `incident revert`: undoes what a key name changed, newest first, through the domain
 * services. Each step runs in its own transaction that re-checks the object (see
 * revert-chain.ts) and commits together with its `incident.reverted` audit event, whose
 * detail names the event it undoes. An object somebody else changed after the key is a
 * conflict: reported, skipped, never overwritten. A dry run plans every step and writes nothing.
 */

import type { AuditLog } from '../audit/index.js';
import { type Clock, type IdGenerator, isAppError } from '../core/index.js';
import type { Actor, Domain } from '../domain/index.js';
import type { ObjectChange, Workspace } from '../model/index.js';
import type { Repositories, Store } from '../storage/index.js';
import {
  changesOf,
  describeTaskChange,
  INCIDENT_REVERTED,
  type IncidentScope,
  type KeyChange,
  listKeyEvents,
  listReverts,
  revertDetail,
} from './events.js';
import {
  type ChainLink,
  checkRevert,
  fieldsToRestore,
  type ObjectState,
  type RevertAction,
  revertActionOf,
  simulate,
} from './revert-chain.js';

export type StepStatus = 'planned' | 'applied' | 'conflict' | 'manual' | 'already_reverted' | 'failed';

export interface RevertStep {
  /** The audit event whose change this step undoes. */
  readonly eventId: string;
  readonly at: string;
  readonly tool: string | null;
  readonly kind: ObjectChange['kind'];
  readonly op: ObjectChange['op'];
  readonly id: string | null;
  readonly ref: string;
  readonly action: RevertAction;
  /** For `restore_fields`: each field with the value the key left and the value restored. */
  readonly fields: Record<string, { now: unknown; restore: unknown }>;
  readonly status: StepStatus;
  readonly reason: string | null;
  /** The `incident.reverted` event of an applied step. */
  readonly revertEventId: string | null;
}

export interface RevertRun {
  readonly workspace: { readonly id: string; readonly slug: string };
  readonly keyName: string;
  readonly since: string | null;
  readonly dryRun: boolean;
  readonly steps: readonly RevertStep[];
  readonly counts: Readonly<Record<StepStatus, number>>;
}

export interface IncidentRevertDeps {
  readonly store: Pick<Store, 'members' | 'tasks' | 'projects' | 'audit' | 'transaction'>;
  readonly domain: Pick<Domain, 'tasks' | 'projects'>;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

/** Raised inside a step's transaction to roll it back and report a conflict. */
class StepConflict extends Error {
  constructor(
    message: string,
    readonly changedAfterwards = false,
  ) {
    super(message);
  }
}

const MANUAL: Record<string, string> = {
  comment: 'a comment cannot be undone automatically (Taskgate has no comment delete); review it by hand',
  time_entry: 'a time entry cannot be undone automatically; review it by hand',
  project: 'a project cannot be trashed or restored; review it by hand',
};

async function readState(
  repos: Pick<Repositories, 'tasks' | 'projects'>,
  workspaceId: string,
  change: KeyChange,
): Promise<ObjectState | undefined> {
  if (change.kind === 'task') {
    const t = await repos.tasks.findById(workspaceId, change.id!);
    if (!t) return undefined;
    const { title, description, status, priority, assigneeId, dueDate } = t;
    return {
      version: t.version,
      deletedAt: t.deletedAt,
      values: { title, description, status, priority, assigneeId, dueDate, labels: [...t.labels] },
    };
  }
  const p = await repos.projects.findById(workspaceId, change.id!);
  return (
    p && {
      version: p.updatedAt,
      deletedAt: null,
      values: { name: p.name, description: p.description, archived: p.archived },
    }
  );
}

const snapshot = (change: KeyChange, state: ObjectState): Record<string, unknown> =>
  change.kind === 'task'
    ? { key: change.ref, ...state.values, version: state.version, deletedAt: state.deletedAt }
    : { key: change.ref, ...state.values, updatedAt: state.version };

const REVERT_OP: Record<Exclude<RevertAction, 'manual'>, ObjectChange['op']> = {
  trash: 'delete',
  archive: 'update',
  restore_fields: 'update',
  restore_from_trash: 'restore',
  trash_again: 'delete',
};

export function createIncidentRevert(deps: IncidentRevertDeps) {
  const { store, domain, audit, ids, clock } = deps;

  /** Performs one step through the domain inside `repos`' transaction. */
  async function perform(
    repos: Repositories,
    actor: Actor,
    change: KeyChange,
    action: RevertAction,
    state: ObjectState,
  ) {
    const id = change.id!;
    if (change.kind === 'task') {
      const version = state.version as number;
      if (action === 'trash' || action === 'trash_again')
        await domain.tasks.delete(actor, id, { version }, repos);
      else if (action === 'restore_from_trash') {
        const { task } = await domain.tasks.restore(actor, id, repos);
        if (task.version !== version + 1)
          throw new StepConflict(`${change.ref} changed while it was being restored`);
      } else {
        const input: Record<string, unknown> = { version };
        for (const [name, { restore }] of Object.entries(fieldsToRestore(change)))
          input[name === 'assigneeId' ? 'assignee' : name] = restore;
        await domain.tasks.update(actor, id, input, repos);
      }
    } else if (action === 'archive') await domain.projects.update(actor, id, { archived: true }, repos);
    else {
      const input: Record<string, unknown> = {};
      for (const [name, { restore }] of Object.entries(fieldsToRestore(change))) input[name] = restore;
      await domain.projects.update(actor, id, input, repos);
    }
    return (await readState(repos, actor.workspaceId, change))!;
  }

  /** Who changed a task after the key, from its history, for the conflict message. */
  async function explain(
    workspaceId: string,
    change: KeyChange,
    links: readonly ChainLink[],
  ): Promise<string> {
    if (change.kind !== 'task' || typeof change.afterVersion !== 'number')
      return 'its last update is not one the key or a revert made';
    const expected = new Set(links.map((l) => l.after));
    const history = await store.tasks.listChanges(workspaceId, change.id!, change.afterVersion);
    const members = new Map(
      (await store.members.list(workspaceId, { includeRemoved: true })).map((m) => [m.id, m.email]),
    );
    const others = history.filter((h) => !expected.has(h.version));
    return others.length
      ? others.map((h) => describeTaskChange(h, members.get(h.changedBy))).join('; ')
      : 'its version moved on';
  }

  async function applyStep(
    workspace: Workspace,
    actor: Actor,
    scope: IncidentScope,
    change: KeyChange,
    action: RevertAction,
    links: readonly ChainLink[],
  ) {
    return store.transaction(async (repos) => {
      const state = await readState(repos, workspace.id, change);
      const verdict = checkRevert(change, action, state, links);
      if (!verdict.ok) throw new StepConflict(verdict.reason, verdict.changedAfterwards);
      const after = await perform(repos, actor, change, action, state!);
      const event = await audit.record(repos, {
        action: INCIDENT_REVERTED,
        outcome: 'ok',
        workspaceId: workspace.id,
        memberId: actor.memberId,
        environment: workspace.environment,
        reason: `undo the ${change.op} of ${change.ref} by ${scope.keyName}`,
        detail: {
          undoes: change.eventId,
          key: scope.keyName,
          object: change.id,
          ref: change.ref,
          revert: action,
          via: actor.via,
        },
        changes: [
          {
            kind: change.kind,
            op: REVERT_OP[action as Exclude<RevertAction, 'manual'>],
            id: change.id,
            ref: change.ref,
            before: snapshot(change, state!),
            after: snapshot(change, after),
            beforeVersion: state!.version,
            afterVersion: after.version,
          },
        ],
      });
      if (change.kind === 'task') {
        await repos.comments.insert({
          id: ids('comment'),
          workspaceId: workspace.id,
          taskId: change.id!,
          authorId: actor.memberId,
          body: `Reverted by incident response: undid the ${change.op} by ${scope.keyName} (${change.eventId})`,
          via: actor.via,
          credentialName: null,
          createdAt: clock.now().toISOString(),
        });
      }
      return { event, link: { eventId: event.id, before: state!.version, after: after.version } };
    });
  }

  /** Plans (dry run) or applies one step; `links` and `virtual` carry what earlier steps did. */
  async function runStep(
    workspace: Workspace,
    actor: Actor,
    scope: IncidentScope,
    change: KeyChange,
    run: { dryRun: boolean; done: Set<string>; links: Links; virtual: Map<string, ObjectState> },
  ): Promise<RevertStep> {
    const action = revertActionOf(change);
    const step = (status: StepStatus, reason: string | null = null, revertEventId: string | null = null) =>
      toStep(change, action, status, reason, revertEventId);
    if (action === 'manual') return step('manual', MANUAL[change.kind] ?? 'cannot be undone automatically');
    const id = change.id!;
    if (run.done.has(`${change.eventId}:${id}`)) return step('already_reverted');
    const chain = run.links.get(id);
    const conflict = async (reason: string, changedAfterwards: boolean) =>
      step(
        'conflict',
        changedAfterwards ? `${reason}: ${await explain(workspace.id, change, chain)}` : reason,
      );
    if (run.dryRun) {
      const state = run.virtual.get(id) ?? (await readState(store, workspace.id, change));
      const verdict = checkRevert(change, action, state, chain);
      if (!verdict.ok) return conflict(verdict.reason, verdict.changedAfterwards);
      const next = `planned:${run.virtual.size}:${change.eventId}`;
      run.virtual.set(id, simulate(state!, change, action, next));
      run.links.add(id, { eventId: next, before: state!.version, after: next });
      return step('planned');
    }
    try {
      const applied = await applyStep(workspace, actor, scope, change, action, chain);
      run.links.add(id, applied.link);
      return step('applied', null, applied.event.id);
    } catch (error) {
      if (error instanceof StepConflict) return conflict(error.message, error.changedAfterwards);
      // A domain conflict (a stale version, an archived project): somebody moved first.
      if (isAppError(error) && error.code === 'conflict') return step('conflict', error.publicMessage);
      if (isAppError(error) && error.code !== 'internal' && error.code !== 'unavailable')
        return step('failed', error.publicMessage);
      throw error;
    }
  }

  return async function revert(
    workspace: Workspace,
    actor: Actor,
    scope: IncidentScope,
    options: { dryRun: boolean },
  ): Promise<RevertRun> {
    const changes = changesOf(await listKeyEvents(store, workspace.id, scope));
    const reverts = await listReverts(store, workspace.id, scope);
    const done = new Set(reverts.map((e) => `${revertDetail(e)!.undoes}:${revertDetail(e)!.object}`));
    const links = new Links();
    const expected = [
      ...changes,
      ...reverts.flatMap((e) => (e.changes ?? []).map((c) => ({ ...c, eventId: e.id }))),
    ].sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
    for (const c of expected)
      if (c.id !== null)
        links.add(c.id, { eventId: c.eventId, before: c.beforeVersion, after: c.afterVersion });
    const run = { dryRun: options.dryRun, done, links, virtual: new Map<string, ObjectState>() };
    const steps: RevertStep[] = [];
    for (const change of [...changes].reverse())
      steps.push(await runStep(workspace, actor, scope, change, run));
    const counts = { planned: 0, applied: 0, conflict: 0, manual: 0, already_reverted: 0, failed: 0 };
    for (const s of steps) counts[s.status]++;
    return {
      workspace: { id: workspace.id, slug: workspace.slug },
      keyName: scope.keyName,
      since: scope.since ?? null,
      dryRun: options.dryRun,
      steps,
      counts,
    };
  };
}

/** The expected links of each object's version chain, oldest first. */
class Links {
  private readonly byObject = new Map<string, ChainLink[]>();
  get(id: string): readonly ChainLink[] {
    return this.byObject.get(id) ?? [];
  }
  add(id: string, link: ChainLink): void {
    this.byObject.set(id, [...this.get(id), link]);
  }
}

function toStep(
  change: KeyChange,
  action: RevertAction,
  status: StepStatus,
  reason: string | null,
  revertEventId: string | null,
): RevertStep {
  return {
    eventId: change.eventId,
    at: change.at,
    tool: change.tool,
    kind: change.kind,
    op: change.op,
    id: change.id,
    ref: change.ref,
    action,
    fields: action === 'restore_fields' ? fieldsToRestore(change) : {},
    status,
    reason,
    revertEventId,
  };
}

export type IncidentRevert = ReturnType<typeof createIncidentRevert>;
