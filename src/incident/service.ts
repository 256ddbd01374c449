/**
 * Incident response as one service for the command line and the console: find the credential
 * an incident is about, contain it, report it, plan and apply its revert. The command line is
 * the operator of the database (`actor` null: it acts as the workspace owner); in the console
 * the signed-in member acts, and each change records them.
 * SECURITY: only an owner or admin responds to an incident; to anyone else the credential is
 * `not_found`, exactly like one that does not exist (issue 15, "Rules").
 */
import type { AuditLog } from '../audit/index.js';
import { AppError, type Clock, type IdGenerator, isId } from '../core/index.js';
import { keyStatus } from '../credentials/index.js';
import { type Actor, canManageMembers, type Domain } from '../domain/index.js';
import type { Member, Workspace } from '../model/index.js';
import type { Store } from '../storage/index.js';
import { type ContainResult, createIncidentContain } from './contain.js';
import type { IncidentScope } from './events.js';
import { createIncidentReporter, type IncidentReport } from './report.js';
import { createIncidentRevert, type RevertRun } from './revert.js';

export interface IncidentServiceDeps {
  readonly store: Pick<Store, 'members' | 'apiKeys' | 'audit' | 'tasks' | 'projects' | 'transaction'>;
  readonly domain: Pick<Domain, 'tasks' | 'projects'>;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

/** The credential an incident page is about: an API key or an OAuth connection. */
export interface IncidentSubject {
  readonly id: string;
  readonly kind: 'api_key' | 'oauth';
  /** The name the incident commands take: every key that carried it is covered. */
  readonly name: string;
  readonly display: string;
  readonly member: { readonly id: string; readonly email: string } | null;
  readonly status: string;
  readonly dryRunOnly: boolean;
}

export type IncidentService = ReturnType<typeof createIncidentService>;

export function createIncidentService(deps: IncidentServiceDeps) {
  const { store, clock } = deps;
  const containRun = createIncidentContain(deps);
  const reportRun = createIncidentReporter(deps);
  const revertRun = createIncidentRevert(deps);

  /** The acting member as stored now (a role lowered since sign-in counts at once). */
  async function responder(workspace: Workspace, actor: Member | null): Promise<Member> {
    const current =
      actor === null
        ? (await store.members.list(workspace.id)).find((m) => m.role === 'owner')
        : await store.members.findById(workspace.id, actor.id);
    if (!current || current.removedAt || !canManageMembers(current.role))
      throw new AppError('not_found', 'no such page');
    return current;
  }

  const asActor = (workspace: Workspace, member: Member, cli: boolean): Actor => ({
    workspaceId: workspace.id,
    memberId: member.id,
    role: member.role,
    via: cli ? 'cli' : 'web',
  });

  return {
    /** The key (`api_key`) or connection (`oauth`) with this id, for an owner or admin. */
    async subject(
      workspace: Workspace,
      id: string,
      kind: IncidentSubject['kind'],
      actor: Member | null,
    ): Promise<IncidentSubject> {
      await responder(workspace, actor);
      const known = isId(kind === 'oauth' ? 'connection' : 'apiKey', id);
      const key = known ? await store.apiKeys.findById(workspace.id, id) : undefined;
      if (!key || key.kind !== kind) throw new AppError('not_found', 'no such page');
      const member = await store.members.findById(workspace.id, key.memberId);
      return {
        id: key.id,
        kind,
        name: key.name,
        display: `${key.prefix}…${key.last4}`,
        member: member ? { id: member.id, email: member.email } : null,
        status: keyStatus(key, clock.now()),
        dryRunOnly: key.dryRunOnly,
      };
    },

    /** incident.ts `contain`: revoke the name, restrict the member's other keys, cancel. */
    async contain(workspace: Workspace, keyName: string, actor: Member | null): Promise<ContainResult> {
      const member = await responder(workspace, actor);
      return containRun(workspace, keyName, { actorId: actor === null ? null : member.id });
    },

    async report(workspace: Workspace, scope: IncidentScope, actor: Member | null): Promise<IncidentReport> {
      await responder(workspace, actor);
      return reportRun(workspace, scope);
    },

    /** Plans (`dryRun`) or applies the revert; conflicts are reported and skipped, never forced. */
    async revert(
      workspace: Workspace,
      scope: IncidentScope,
      actor: Member | null,
      options: { readonly dryRun: boolean },
    ): Promise<RevertRun> {
      const member = await responder(workspace, actor);
      return revertRun(workspace, asActor(workspace, member, actor === null), scope, options);
    },
  };
}
