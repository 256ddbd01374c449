/**
 * Suspending a key (an anomaly rule's `suspend` action, a budget overrun) and lifting it (a
 * human, in the console or with `taskgate keys lift`). Both are audited: `key.suspended`,
 * `key.unsuspended` (detail: mode, reason, rule, alert id). A suspension is stored apart
 * from the key's own rights, so lifting restores exactly what the key had.
 */
import type { AuditLog } from '../audit/index.js';
import { AppError, type Clock } from '../core/index.js';
import { canManageMembers, resolveWorkspace } from '../domain/index.js';
import type { ApiKeyRecord, SuspensionMode, Workspace } from '../model/index.js';
import type { Repositories, Store } from '../storage/index.js';

export const KEY_SUSPENDED = 'key.suspended';
export const KEY_UNSUSPENDED = 'key.unsuspended';

export interface SuspendInput {
  readonly workspaceId: string;
  readonly environment: string;
  readonly credential: {
    readonly id: string;
    readonly name: string;
    readonly oauthClient?: { readonly id: string; readonly name: string } | null;
  };
  readonly mode: SuspensionMode;
  readonly reason: string;
  readonly rule: string;
  readonly alertId: string;
}

/** Who suspended: stored as `rule:<rule>:<alert id>` so the lift can say what it undoes. */
const suspendedBy = (rule: string, alertId: string) => `rule:${rule}:${alertId}`;

function origin(by: string): { rule: string | null; alertId: string | null } {
  const [kind, rule, alertId] = by.split(':');
  return kind === 'rule' ? { rule: rule ?? null, alertId: alertId ?? null } : { rule: null, alertId: null };
}

export interface SuspensionDeps {
  readonly store: Pick<Store, 'workspaces' | 'members' | 'apiKeys' | 'keySuspensions' | 'transaction'>;
  readonly audit: AuditLog;
  readonly clock: Clock;
}

/** Inside the caller's transaction; returns whether the key was suspended now (not already). */
export async function suspendKey(
  repos: Repositories,
  audit: AuditLog,
  at: string,
  input: SuspendInput,
): Promise<boolean> {
  const done = await repos.keySuspensions.suspend(input.workspaceId, input.credential.id, {
    at,
    mode: input.mode,
    reason: input.reason,
    by: suspendedBy(input.rule, input.alertId),
  });
  if (!done) return false;
  await audit.record(repos, {
    action: KEY_SUSPENDED,
    outcome: 'ok',
    workspaceId: input.workspaceId,
    environment: input.environment,
    credentialId: input.credential.id,
    credentialName: input.credential.name,
    oauthClient: input.credential.oauthClient ?? null,
    detail: { mode: input.mode, reason: input.reason, rule: input.rule, alertId: input.alertId },
  });
  return true;
}

export type Suspensions = ReturnType<typeof createSuspensions>;

export function createSuspensions(deps: SuspensionDeps) {
  const { store, audit, clock } = deps;

  async function findKey(repos: Repositories, workspace: Workspace, ref: string): Promise<ApiKeyRecord> {
    const key =
      (await repos.apiKeys.findById(workspace.id, ref)) ??
      (await repos.apiKeys.findCurrentByName(workspace.id, ref));
    if (!key) throw new AppError('not_found', `key ${ref} not found in ${workspace.slug}`);
    return key;
  }

  return {
    /**
     * SECURITY: only owners and admins lift (`null`: the local command line): a suspension
     * stands until someone who may revoke the key has looked at what it did.
     */
    async lift(workspaceRef: string, keyRef: string, memberId: string | null): Promise<ApiKeyRecord> {
      const workspace = await resolveWorkspace(store, workspaceRef);
      return store.transaction(async (repos) => {
        if (memberId !== null) {
          const member = await repos.members.findById(workspace.id, memberId);
          if (!member || !canManageMembers(member.role))
            throw new AppError(
              'forbidden',
              `your role cannot lift a suspension in ${workspace.slug}; ask an owner or admin`,
            );
        }
        await repos.apiKeys.lockForChange(workspace.id);
        const key = await findKey(repos, workspace, keyRef);
        const suspension = key.suspension;
        if (!suspension) throw new AppError('conflict', `key ${key.name} is not suspended; nothing to lift`);
        await repos.keySuspensions.lift(workspace.id, key.id);
        await audit.record(repos, {
          action: KEY_UNSUSPENDED,
          outcome: 'ok',
          workspaceId: workspace.id,
          environment: workspace.environment,
          memberId,
          credentialId: key.id,
          credentialName: key.name,
          detail: {
            mode: suspension.mode,
            reason: suspension.reason,
            ...origin(suspension.by),
            suspendedAt: suspension.at,
          },
        });
        return { ...key, suspension: null };
      });
    },
    now: () => clock.now().toISOString(),
  };
}
