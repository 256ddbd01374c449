/**
 * `incident contain`: stops a leaked key and limits what its member's other credentials can
 * still change, in one transaction with its audit events:
 * 1. every key that carries the name (its rotation predecessor in grace and its successor
 *    included, and anything linked to them by rotation) is revoked — dead on the next request;
 * 2. the member's other live keys become dry-run-only and are flagged for review: they still
 *    read, their writes only preview, until an owner replaces them with fresh keys;
 * 3. pending confirmations asked by any of those keys are cancelled, so nobody approves a
 *    queued write of the attacker's afterwards.
 * SECURITY: a workspace freeze would also stop every other member; this stops only the one
 * whose credential leaked. Running it twice changes nothing more, and records nothing more:
 * `incident.contained` is written only by the run that changed something, so fifty clicks on
 * the console's button are one containment in the log. Every event names the member who
 * acted (`actorId`; `null` is the command line's operator).
 */

import type { AuditLog } from '../audit/index.js';
import { AppError, type Clock } from '../core/index.js';
import { oauthClientOf, recordKeyEvent, revokeKeyFamily } from '../credentials/index.js';
import type { ApiKeyRecord, Workspace } from '../model/index.js';
import type { Repositories, Store } from '../storage/index.js';
import { INCIDENT_CONTAINED } from './events.js';

export interface IncidentContainDeps {
  readonly store: Pick<Store, 'transaction'>;
  readonly audit: AuditLog;
  readonly clock: Clock;
}

export interface ContainedKey {
  readonly id: string;
  readonly name: string;
  readonly display: string;
  readonly memberId: string;
}

export interface ContainResult {
  readonly keyName: string;
  /** Keys revoked by this run. */
  readonly revoked: readonly ContainedKey[];
  /** Keys of the name that were revoked already. */
  readonly alreadyRevoked: readonly ContainedKey[];
  /** The member's other keys, made dry-run-only by this run. */
  readonly restricted: readonly ContainedKey[];
  /** The member's other keys that were dry-run-only already. */
  readonly alreadyRestricted: readonly ContainedKey[];
  readonly cancelledActions: readonly {
    readonly id: string;
    readonly tool: string;
    readonly credentialId: string;
  }[];
  readonly members: readonly { readonly id: string; readonly email: string }[];
  /** False when an earlier run had done it all: nothing changed and nothing was recorded. */
  readonly changed: boolean;
}

const view = (k: ApiKeyRecord): ContainedKey => ({
  id: k.id,
  name: k.name,
  display: `${k.prefix}…${k.last4}`,
  memberId: k.memberId,
});

/** A key that could still authenticate at `at`: not revoked, not expired, not rotated out. */
function alive(k: ApiKeyRecord, at: string): boolean {
  if (k.revokedAt !== null || k.expiresAt <= at) return false;
  return k.replacedBy === null || (k.graceUntil !== null && k.graceUntil > at);
}

export function createIncidentContain(deps: IncidentContainDeps) {
  const { store, audit, clock } = deps;

  async function cancelPending(
    repos: Repositories,
    workspace: Workspace,
    keys: ReadonlyMap<string, ApiKeyRecord>,
    at: string,
    actorId: string | null,
  ) {
    const cancelled: { id: string; tool: string; credentialId: string }[] = [];
    for (const action of await repos.pendingActions.listPending(workspace.id, at)) {
      const key = keys.get(action.credentialId);
      if (!key) continue;
      const moved = await repos.pendingActions.transition(workspace.id, action.id, 'pending', {
        status: 'cancelled',
        at,
        by: actorId,
      });
      if (!moved) continue;
      await audit.record(repos, {
        action: 'confirmation.cancelled',
        outcome: 'ok',
        workspaceId: workspace.id,
        memberId: action.memberId,
        credentialId: key.id,
        credentialName: key.name,
        environment: key.environment,
        tool: action.tool,
        confirmation: action.id,
        detail: { reason: 'incident containment', ...(actorId !== null && { by: actorId }) },
      });
      cancelled.push({ id: action.id, tool: action.tool, credentialId: key.id });
    }
    return cancelled;
  }

  return async function contain(
    workspace: Workspace,
    keyName: string,
    options: { readonly actorId?: string | null } = {},
  ): Promise<ContainResult> {
    const actorId = options.actorId ?? null;
    return store.transaction(async (repos) => {
      const at = clock.now().toISOString();
      await repos.apiKeys.lockForChange(workspace.id);
      const all = await repos.apiKeys.list(workspace.id);
      // The same family `keys revoke` takes, revoked and audited by the same code.
      const { family: named, revoked } = await revokeKeyFamily(
        audit,
        repos,
        workspace,
        keyName,
        at,
        { by: INCIDENT_CONTAINED },
        actorId,
      );
      if (named.length === 0)
        throw new AppError('not_found', `no key named ${keyName} in workspace ${workspace.slug}`);
      const reason = `incident containment of ${keyName}`;
      const memberIds = new Set(named.map((k) => k.memberId));
      const namedIds = new Set(named.map((k) => k.id));
      const others = all.filter((k) => memberIds.has(k.memberId) && !namedIds.has(k.id) && alive(k, at));
      const restricted: ApiKeyRecord[] = [];
      for (const key of others) {
        await repos.apiKeys.flag(workspace.id, key.id, { at, reason });
        if (!(await repos.apiKeys.restrictToDryRun(workspace.id, key.id))) continue;
        await recordKeyEvent(
          audit,
          repos,
          workspace,
          key,
          'key.restricted',
          { dryRunOnly: true, reason },
          actorId,
        );
        restricted.push(key);
      }
      const watched = new Map([...named, ...others].map((k) => [k.id, k]));
      const cancelledActions = await cancelPending(repos, workspace, watched, at, actorId);
      const members = [];
      for (const id of memberIds) {
        const member = await repos.members.findById(workspace.id, id);
        members.push({ id, email: member?.email ?? id });
      }
      const result: ContainResult = {
        keyName,
        revoked: revoked.map(view),
        alreadyRevoked: named.filter((k) => !revoked.includes(k)).map(view),
        restricted: restricted.map(view),
        alreadyRestricted: others.filter((k) => !restricted.includes(k)).map(view),
        cancelledActions,
        members,
        changed: revoked.length + restricted.length + cancelledActions.length > 0,
      };
      if (!result.changed) return result;
      await audit.record(repos, {
        action: INCIDENT_CONTAINED,
        outcome: 'ok',
        workspaceId: workspace.id,
        memberId: actorId,
        credentialId: named.at(-1)!.id,
        credentialName: keyName,
        oauthClient: oauthClientOf(named.at(-1)!),
        environment: workspace.environment,
        detail: {
          revoked: result.revoked.map((k) => k.id),
          restricted: result.restricted.map((k) => k.id),
          cancelledActions: cancelledActions.map((a) => a.id),
          members: result.members.map((m) => m.email),
        },
      });
      return result;
    });
  };
}

export type IncidentContain = ReturnType<typeof createIncidentContain>;
