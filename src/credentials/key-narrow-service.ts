/**
 * The key actions' own services: `narrow` (take rights away from a key and the live keys of
 * its rotation family, one `key.narrowed` event each, with before/after, in one transaction)
 * and `forAction` (the key an action's form is about, with the family it will touch).
 * `keys narrow` and the console's narrow page call the same `narrow`.
 * SECURITY: what the actor may act on is key-actor.ts's; a key they may not touch is
 * `not_found`, as if it did not exist. The rules of a narrowing are key-narrow.ts's.
 */
import type { AuditLog } from '../audit/index.js';
import { AppError, type Clock, type FieldIssue, invalidInput, parseTimeInput } from '../core/index.js';
import { canSeeAllProjects, quoteText, resolveWorkspace } from '../domain/index.js';
import type { ApiKeyRecord, Member, Project, Workspace } from '../model/index.js';
import type { Repositories, Store } from '../storage/index.js';
import { parseCidr } from './ip-allow.js';
import { actingMember, findKey, type KeyActor } from './key-actor.js';
import { recordKeyEvent, rotationFamily } from './key-family.js';
import { meetRights, type NarrowChange, type NarrowField, narrowRights, rightsOf } from './key-narrow.js';
import { type KeyView, keyStatus, toKeyView } from './key-view.js';

export interface KeyNarrowingDeps {
  readonly store: Pick<Store, 'apiKeys' | 'members' | 'projects' | 'transaction' | 'workspaces'>;
  readonly clock: Clock;
  readonly audit: AuditLog;
}

/** What `keys narrow` and the console's form ask for, as typed. */
export interface NarrowKeyInput {
  readonly removeScopes?: readonly string[];
  /** Project keys (`WEB`). */
  readonly removeProjects?: readonly string[];
  readonly readOnly?: boolean;
  readonly dryRunOnly?: boolean;
  /** A duration from now (`7d`) or an ISO-8601 time. */
  readonly expires?: string;
  readonly ip?: readonly string[];
}

export interface KeyNarrowing {
  readonly key: KeyView;
  readonly changed: readonly NarrowField[];
  /** Every key narrowed: the key and any older key of its family still in grace. */
  readonly narrowed: readonly KeyView[];
}

export type KeyActionName = 'rotate' | 'revoke' | 'narrow';

export interface KeyForAction {
  readonly key: KeyView;
  /** The live keys of its rotation family (itself included): what a revoke stops. */
  readonly family: readonly KeyView[];
  /** The projects its member can see, for the narrow form. */
  readonly projects: readonly Pick<Project, 'id' | 'key' | 'name'>[];
}

const live = (key: ApiKeyRecord, now: Date) => ['active', 'grace'].includes(keyStatus(key, now));

export function createKeyNarrowing(deps: KeyNarrowingDeps) {
  const { store, clock, audit } = deps;

  async function context(repos: Pick<Repositories, 'members' | 'projects'>, workspace: Workspace) {
    const members = new Map(
      (await repos.members.list(workspace.id, { includeRemoved: true })).map((m) => [m.id, m]),
    );
    const projects = await repos.projects.list(workspace.id, { includeArchived: true });
    const view = (key: ApiKeyRecord) =>
      toKeyView(key, { now: clock.now(), workspace, member: members.get(key.memberId)!, projects });
    return { members, projects, view };
  }

  async function visibleProjects(repos: Pick<Repositories, 'projects'>, workspace: Workspace, owner: Member) {
    return repos.projects.list(workspace.id, {
      includeArchived: true,
      ...(!canSeeAllProjects(owner.role) && { memberId: owner.id }),
    });
  }

  /** The typed request, resolved; problems are collected as field issues. */
  async function resolve(
    repos: Pick<Repositories, 'projects'>,
    workspace: Workspace,
    visible: readonly Project[],
    input: NarrowKeyInput,
    issues: FieldIssue[],
  ): Promise<NarrowChange> {
    const removeProjectIds: string[] = [];
    for (const ref of input.removeProjects ?? []) {
      const project = await repos.projects.findByKey(workspace.id, ref.toUpperCase());
      if (!project || !visible.some((p) => p.id === project.id))
        issues.push({ field: 'remove-project', message: `no project ${quoteText(ref)} on this key` });
      else removeProjectIds.push(project.id);
    }
    let expiresAt: Date | undefined;
    if (input.expires !== undefined) {
      const parsed = parseTimeInput(input.expires, clock.now(), 1);
      if (parsed.ok) expiresAt = parsed.value;
      else issues.push({ field: 'expires', message: parsed.error });
    }
    let ip: string[] | undefined;
    if (input.ip !== undefined) {
      ip = [];
      for (const raw of input.ip) {
        const parsed = parseCidr(raw);
        if (parsed.ok) ip.push(parsed.cidr);
        else issues.push({ field: 'ip', message: parsed.message });
      }
    }
    return {
      ...(input.removeScopes && { removeScopes: input.removeScopes }),
      removeProjectIds,
      ...(input.readOnly !== undefined && { readOnly: input.readOnly }),
      ...(input.dryRunOnly !== undefined && { dryRunOnly: input.dryRunOnly }),
      ...(expiresAt && { expiresAt }),
      ...(ip && { ip }),
    };
  }

  return {
    /** The key `ref` as `actor` may act on it with `action`, or `not_found`. */
    async forAction(
      workspaceSlug: string,
      ref: string,
      options: { actor: KeyActor; action: KeyActionName },
    ): Promise<KeyForAction> {
      const workspace = await resolveWorkspace(store, workspaceSlug);
      const actor = await actingMember(store, workspace, options.actor);
      const key = await findKey(
        store,
        workspace,
        ref,
        actor,
        options.action === 'rotate' ? 'rotate' : undefined,
      );
      // Connections are the Connections page's.
      if (key.kind !== 'api_key')
        throw new AppError('not_found', `key ${ref} not found in workspace ${workspace.slug}`);
      const { members, view } = await context(store, workspace);
      const now = clock.now();
      const family = rotationFamily(await store.apiKeys.list(workspace.id), key.name).filter((k) =>
        live(k, now),
      );
      const owner = members.get(key.memberId)!;
      const projects = (await visibleProjects(store, workspace, owner)).map(({ id, key: k, name }) => ({
        id,
        key: k,
        name,
      }));
      return { key: view(key), family: family.map(view), projects };
    },

    /**
     * Takes rights away from the key and the live keys of its family. Refused with field
     * issues, and nothing changed, when any part would widen; `conflict` when the key
     * already has no more than that (a second narrowing racing the first).
     */
    async narrow(
      workspaceSlug: string,
      ref: string,
      input: NarrowKeyInput,
      options: { actor?: KeyActor } = {},
    ): Promise<KeyNarrowing> {
      return store.transaction(async (repos) => {
        const workspace = await resolveWorkspace(repos, workspaceSlug);
        // One narrowing (or rotation, or revocation) of the workspace's keys at a time.
        await repos.apiKeys.lockForChange(workspace.id);
        const actor = await actingMember(repos, workspace, options.actor ?? null);
        const key = await findKey(repos, workspace, ref, actor);
        if (key.kind !== 'api_key')
          throw new AppError('not_found', `key ${ref} not found in workspace ${workspace.slug}`);
        const now = clock.now();
        const status = keyStatus(key, now);
        if (status !== 'active' && status !== 'grace')
          throw new AppError('conflict', `key ${key.name} is ${status}: there is nothing left to narrow`);
        const { members, view } = await context(repos, workspace);
        const visible = await visibleProjects(repos, workspace, members.get(key.memberId)!);
        const issues: FieldIssue[] = [];
        const change = await resolve(repos, workspace, visible, input, issues);
        if (issues.length) throw invalidInput(issues);
        const outcome = narrowRights(rightsOf(key), change, {
          now,
          visibleProjectIds: visible.map((p) => p.id),
        });
        if (!outcome.ok) throw invalidInput(outcome.issues);
        if (outcome.changed.length === 0)
          throw new AppError(
            'conflict',
            `key ${key.name} already has no more rights than that; nothing changed`,
          );
        const family = rotationFamily(await repos.apiKeys.list(workspace.id), key.name).filter((k) =>
          live(k, now),
        );
        const narrowed: ApiKeyRecord[] = [];
        for (const member of family) {
          const before = rightsOf(member);
          const after = member.id === key.id ? outcome.after : meetRights(before, outcome.after);
          if (JSON.stringify(before) === JSON.stringify(after)) continue;
          if (!(await repos.apiKeys.narrowRights(workspace.id, member.id, after))) continue;
          await recordKeyEvent(
            audit,
            repos,
            workspace,
            member,
            'key.narrowed',
            { before, after, changed: outcome.changed, by: 'keys.narrow' },
            actor?.id ?? null,
          );
          narrowed.push((await repos.apiKeys.findById(workspace.id, member.id))!);
        }
        const current = (await repos.apiKeys.findById(workspace.id, key.id))!;
        return { key: view(current), changed: outcome.changed, narrowed: narrowed.map(view) };
      });
    },
  };
}

export type KeyNarrowingService = ReturnType<typeof createKeyNarrowing>;
