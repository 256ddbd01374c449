/**
 * Members as owners and admins manage them, from the command line now and the console next:
 * invite (a login link), change a role, remove. A role change or a removal takes its effect
 * on the member's credentials in the same transaction as the change (`member-cascade.ts`), and
 * `preview` says exactly what that will be before it happens.
 * SECURITY: the membership lock is taken before any read, so the last-owner check and the
 * change after it never interleave with another transaction's (PostgreSQL runs READ
 * COMMITTED; SQLite's IMMEDIATE transactions serialise anyway). Every change is audited with
 * the acting member, one event per credential it touched plus one for the change itself.
 */
import type { AuditLog } from '../audit/index.js';
import { AppError, type Clock } from '../core/index.js';
import { type IssuedLoginLink, keyStatus, oauthClientOf } from '../credentials/index.js';
import { resolveWorkspace, type WorkspaceService } from '../domain/index.js';
import type { ApiKeyRecord, Member, Role, Via, Workspace } from '../model/index.js';
import type { Repositories, Store } from '../storage/index.js';
import { type CascadePlan, type MemberChange, planCascade, planDigest, samePlan } from './member-cascade.js';
import {
  type Acting,
  type ActingAs,
  actingLabel,
  actingRole,
  assertKeepsAnOwner,
  assertMayChange,
  assertMayInvite,
  assertMayList,
  parseEmail,
  parseRole,
} from './member-rules.js';

export interface MemberServiceDeps {
  readonly store: Pick<Store, 'transaction' | 'workspaces'>;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly workspaces: Pick<WorkspaceService, 'addMember'>;
  /** The one-time login links of `members login-link`, reused as the invitation. */
  readonly loginLinks: { create(input: { workspace: string; email: string }): Promise<IssuedLoginLink> };
}

export interface MemberTarget {
  readonly workspace: string;
  readonly email: string;
  readonly by: ActingAs;
  /** The channel of the acting party (default `cli`); the console passes `web`. */
  readonly via?: Via;
}

/** A change as a caller asks for it: the role is read strictly (`parseRole`). */
export type MemberChangeRequest =
  | { readonly kind: 'remove' }
  | { readonly kind: 'role'; readonly role: string };

export interface MemberChangeResult extends CascadePlan {
  readonly workspace: string;
  readonly member: { readonly id: string; readonly email: string; readonly role: Role };
  readonly change:
    | { readonly kind: 'remove' }
    | { readonly kind: 'role'; readonly from: Role; readonly to: Role };
  readonly by: string;
  /** `false` for a preview: nothing was changed. */
  readonly applied: boolean;
  /** Web sessions ended (a removal). */
  readonly sessionsEnded: number;
  /**
   * Whether the applied cascade is the one the caller previewed (`undefined` when none was
   * given). If it is not (a key was created meanwhile), the change covered the current set.
   */
  readonly matchedPreview?: boolean;
}

export interface Invitation {
  readonly member: Member;
  /** The member had been removed and is back, with the role of this invitation. */
  readonly reinstated: boolean;
  readonly loginLink: { readonly token: string; readonly expiresAt: string };
}

/** A current member with how many live keys and OAuth connections they hold (the console's list). */
export interface MemberListing {
  readonly member: Member;
  readonly keys: number;
  readonly connections: number;
}

/**
 * What the caller previewed: the plan itself, or its `planDigest` (a form carries the digest
 * of the preview the person saw).
 */
export type ExpectedPlan = CascadePlan | string;

type Outcome = Omit<MemberChangeResult, 'applied' | 'sessionsEnded' | 'matchedPreview'>;

export function createMemberService(deps: MemberServiceDeps) {
  const { store, audit, clock, workspaces, loginLinks } = deps;

  async function resolveActing(repos: Repositories, workspace: Workspace, by: ActingAs): Promise<Acting> {
    if ('operator' in by) return { kind: 'operator' };
    const ref = by.member.trim();
    const member = ref.startsWith('mbr_')
      ? await repos.members.findById(workspace.id, ref)
      : await repos.members.findByEmail(workspace.id, parseEmail(ref, 'as'));
    // A removed member is no member: the same answer as a stranger's.
    if (!member || member.removedAt !== undefined)
      throw new AppError('not_found', `acting member ${ref} not found in ${workspace.slug}`);
    return { kind: 'member', member };
  }

  const record = (repos: Repositories, workspace: Workspace, acting: Acting, draft: AuditDraftLite) =>
    audit.record(repos, {
      outcome: 'ok',
      workspaceId: workspace.id,
      environment: workspace.environment,
      ...(acting.kind === 'member' && { memberId: acting.member.id }),
      ...draft,
      detail: { ...draft.detail, by: actingLabel(acting) },
    });

  const keyDraft = (key: ApiKeyRecord, verb: 'revoked' | 'narrowed', detail: Record<string, unknown>) => ({
    action: `${key.kind === 'oauth' ? 'connection' : 'key'}.${verb}`,
    credentialId: key.id,
    credentialName: key.name,
    environment: key.environment,
    oauthClient: oauthClientOf(key),
    detail,
  });

  async function applyCascade(
    repos: Repositories,
    workspace: Workspace,
    acting: Acting,
    plan: CascadePlan,
    keys: ReadonlyMap<string, ApiKeyRecord>,
    reason: string,
    at: string,
  ) {
    for (const item of plan.revoke) {
      const key = keys.get(item.id)!;
      if (!(await repos.apiKeys.revoke(workspace.id, key.id, at))) continue;
      // A connection's refresh tokens die with it, or the client could mint a new access token.
      if (key.oauthGrantId) await repos.oauthModels.revokeByGrantId(key.oauthGrantId);
      await record(repos, workspace, acting, keyDraft(key, 'revoked', { reason }));
    }
    for (const item of plan.narrow) {
      const key = keys.get(item.id)!;
      if (!(await repos.apiKeys.narrow(workspace.id, key.id, item))) continue;
      const detail = {
        reason,
        scopes: { before: item.scopesBefore, after: item.scopes },
        readOnly: { before: item.readOnlyBefore, after: item.readOnly },
      };
      await record(repos, workspace, acting, keyDraft(key, 'narrowed', detail));
    }
    for (const action of plan.cancel) {
      const decision = {
        status: 'cancelled' as const,
        at,
        by: acting.kind === 'member' ? acting.member.id : null,
      };
      if (!(await repos.pendingActions.transition(workspace.id, action.id, 'pending', decision))) continue;
      const key = keys.get(action.credentialId);
      await record(repos, workspace, acting, {
        action: 'confirmation.cancelled',
        tool: action.tool,
        confirmation: action.id,
        credentialId: action.credentialId,
        ...(key && { credentialName: key.name }),
        detail: { reason },
      });
    }
  }

  /** The change itself, its cascade and its event, inside the caller's locked transaction. */
  async function commit(
    repos: Repositories,
    workspace: Workspace,
    acting: Acting,
    member: Member,
    wanted: MemberChange,
    plan: CascadePlan,
    keys: ReadonlyMap<string, ApiKeyRecord>,
    at: string,
    expected: ExpectedPlan | undefined,
  ) {
    const reason = wanted.kind === 'remove' ? 'member removed' : `role changed to ${wanted.role}`;
    await applyCascade(repos, workspace, acting, plan, keys, reason, at);
    let sessionsEnded = 0;
    if (wanted.kind === 'remove') {
      await repos.members.setRemoved(workspace.id, member.id, at);
      // Reinstated later, they start again from a fresh login link, not an old password.
      await repos.signIn.setPasswordHash(workspace.id, member.id, null);
      sessionsEnded = await repos.sessions.revokeAllForMember(workspace.id, member.id, at);
    } else {
      await repos.members.updateRole(workspace.id, member.id, wanted.role);
    }
    const matchedPreview =
      expected === undefined
        ? undefined
        : typeof expected === 'string'
          ? expected === planDigest(plan)
          : samePlan(expected, plan);
    await record(repos, workspace, acting, {
      action: wanted.kind === 'remove' ? 'member.removed' : 'member.role_changed',
      detail: {
        member: { id: member.id, email: member.email },
        ...(wanted.kind === 'role' && { role: { before: member.role, after: wanted.role } }),
        revoked: plan.revoke.map((k) => k.id),
        narrowed: plan.narrow.map((k) => k.id),
        cancelledActions: plan.cancel.map((a) => a.id),
        sessionsEnded,
        ...(matchedPreview !== undefined && { matchedPreview }),
      },
    });
    return { sessionsEnded, matchedPreview };
  }

  /** Reads, checks and (unless `dryRun`) applies one change, all under the membership lock. */
  async function change(
    target: MemberTarget,
    wanted: MemberChange,
    options: { dryRun: boolean; expected?: ExpectedPlan | undefined },
  ): Promise<MemberChangeResult> {
    const email = parseEmail(target.email);
    const workspace = await resolveWorkspace(store, target.workspace.trim().toLowerCase());
    return store.transaction(async (repos) => {
      await repos.members.lock(workspace.id);
      await repos.apiKeys.lockForChange(workspace.id);
      const acting = await resolveActing(repos, workspace, target.by);
      const member = await repos.members.findByEmail(workspace.id, email);
      if (!member) throw new AppError('not_found', `member ${email} not found in ${workspace.slug}`);
      assertMayChange(acting, member, wanted);
      const current = await repos.members.list(workspace.id);
      assertKeepsAnOwner(
        member,
        wanted,
        current.filter((m) => m.role === 'owner'),
      );
      const at = clock.now().toISOString();
      const keys = await repos.apiKeys.list(workspace.id);
      const plan = planCascade(
        member,
        wanted,
        keys,
        await repos.pendingActions.listPending(workspace.id, at),
      );
      const outcome: Outcome = {
        workspace: workspace.slug,
        member: { id: member.id, email: member.email, role: member.role },
        change: wanted.kind === 'remove' ? wanted : { kind: 'role', from: member.role, to: wanted.role },
        by: actingLabel(acting),
        ...plan,
      };
      if (options.dryRun) return { ...outcome, applied: false, sessionsEnded: 0 };
      const keyMap = new Map(keys.map((k) => [k.id, k]));
      const done = await commit(repos, workspace, acting, member, wanted, plan, keyMap, at, options.expected);
      const { sessionsEnded, matchedPreview } = done;
      return {
        ...outcome,
        applied: true,
        sessionsEnded,
        ...(matchedPreview !== undefined && { matchedPreview }),
      };
    });
  }

  return {
    /** What `changeRole` or `remove` would do now, changing nothing; refused exactly as they would be. */
    preview: async (target: MemberTarget, request: MemberChangeRequest) =>
      change(target, toChange(request), { dryRun: true }),

    changeRole: async (target: MemberTarget & { readonly role: string }, expected?: ExpectedPlan) =>
      change(target, toChange({ kind: 'role', role: target.role }), { dryRun: false, expected }),

    remove: (target: MemberTarget, expected?: ExpectedPlan) =>
      change(target, { kind: 'remove' }, { dryRun: false, expected }),

    /** The current members, each with their live keys and connections counted; owners and admins only. */
    async list(input: Omit<MemberTarget, 'email'>): Promise<MemberListing[]> {
      const workspace = await resolveWorkspace(store, input.workspace.trim().toLowerCase());
      return store.transaction(async (repos) => {
        assertMayList(await resolveActing(repos, workspace, input.by));
        const now = clock.now();
        const live = (await repos.apiKeys.list(workspace.id)).filter((k) =>
          ['active', 'grace'].includes(keyStatus(k, now)),
        );
        const members = await repos.members.list(workspace.id);
        return members.map((member) => {
          const held = live.filter((k) => k.memberId === member.id);
          const connections = held.filter((k) => k.kind === 'oauth').length;
          return { member, keys: held.length - connections, connections };
        });
      });
    },

    /** Adds (or brings back) a member and issues their one-time login link. */
    async invite(
      input: MemberTarget & { readonly role: string; readonly name?: string | undefined },
    ): Promise<Invitation> {
      const role = parseRole(input.role);
      const email = parseEmail(input.email);
      const workspace = await resolveWorkspace(store, input.workspace.trim().toLowerCase());
      const { member, reinstated } = await store.transaction(async (repos) => {
        await repos.members.lock(workspace.id);
        const acting = await resolveActing(repos, workspace, input.by);
        assertMayInvite(acting, role);
        const known = await repos.members.findByEmail(workspace.id, email, { includeRemoved: true });
        if (known && known.removedAt === undefined) {
          throw new AppError('conflict', `email: ${email} is already a member (${known.role})`, {
            detail: { fields: [{ field: 'email', message: 'is already a member' }] },
          });
        }
        let invited: Member;
        if (known) {
          await repos.members.setRemoved(workspace.id, known.id, null);
          await repos.members.updateRole(workspace.id, known.id, role);
          invited = (await repos.members.findById(workspace.id, known.id))!;
        } else {
          // The rules were checked above for the acting party; the domain validates the rest.
          const actor = {
            workspaceId: workspace.id,
            memberId: acting.kind === 'member' ? acting.member.id : 'operator',
            role: actingRole(acting),
            via: input.via ?? 'cli',
          };
          const fields = { email, role, ...(input.name !== undefined && { name: input.name }) };
          invited = await workspaces.addMember(actor, fields, repos);
        }
        await record(repos, workspace, acting, {
          action: 'member.invited',
          detail: { member: { id: invited.id, email: invited.email }, role, reinstated: known !== undefined },
        });
        return { member: invited, reinstated: known !== undefined };
      });
      const link = await loginLinks.create({ workspace: workspace.slug, email: member.email });
      return { member, reinstated, loginLink: { token: link.token, expiresAt: link.expiresAt } };
    },
  };
}

const toChange = (request: MemberChangeRequest): MemberChange =>
  request.kind === 'remove' ? request : { kind: 'role', role: parseRole(request.role) };

interface AuditDraftLite {
  readonly action: string;
  readonly detail: Readonly<Record<string, unknown>>;
  readonly credentialId?: string;
  readonly credentialName?: string;
  readonly environment?: ApiKeyRecord['environment'];
  readonly oauthClient?: { readonly id: string; readonly name: string } | null;
  readonly tool?: string;
  readonly confirmation?: string;
}

export type MemberService = ReturnType<typeof createMemberService>;
