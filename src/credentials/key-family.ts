/**
 * A key's rotation family and its revocation, written once for `keys revoke` and
 * `incident contain`. A rotation keeps the name, so "the key called X" is every key that
 * carries X plus anything linked to one of them by rotation: the predecessor still in its
 * grace window and the successor. SECURITY: revoking one member of a family and leaving
 * another alive leaves the leaked secret (or its replacement) working.
 */
import type { AuditLog } from '../audit/index.js';
import type { ApiKeyRecord, Workspace } from '../model/index.js';
import type { Repositories } from '../storage/index.js';
import { oauthClientOf } from './authenticate.js';

/** The keys of the name plus every key linked to one of them by rotation, transitively. */
export function rotationFamily(all: readonly ApiKeyRecord[], name: string): ApiKeyRecord[] {
  const ids = new Set(all.filter((k) => k.name === name).map((k) => k.id));
  for (let grew = true; grew; ) {
    grew = false;
    for (const k of all) {
      const links = [k.replaces, k.replacedBy].filter((id): id is string => id !== null);
      const group = [k.id, ...links];
      if (group.some((id) => ids.has(id)) && group.some((id) => !ids.has(id))) {
        for (const id of group) ids.add(id);
        grew = true;
      }
    }
  }
  return all.filter((k) => ids.has(k.id));
}

export interface FamilyRevocation {
  /** Every key of the family, oldest first. */
  readonly family: readonly ApiKeyRecord[];
  /** The keys this call revoked (each with its `key.revoked` event). */
  readonly revoked: readonly ApiKeyRecord[];
  readonly alreadyRevoked: readonly ApiKeyRecord[];
}

/** What a `key.revoked` event says: who revoked it, and which family it was revoked with. */
export interface RevocationDetail {
  readonly by: string;
  readonly reason?: string;
}

/**
 * Records one event about `key` (`key.revoked`, `key.restricted`…), naming its client when
 * it is an OAuth connection and the member who did it (`null`: the command line's operator).
 */
export function recordKeyEvent(
  audit: AuditLog,
  repos: Repositories,
  workspace: Workspace,
  key: ApiKeyRecord,
  action: string,
  detail: Readonly<Record<string, unknown>>,
  actorMemberId: string | null = null,
) {
  return audit.record(repos, {
    action,
    outcome: 'ok',
    workspaceId: workspace.id,
    memberId: actorMemberId,
    credentialId: key.id,
    credentialName: key.name,
    environment: key.environment,
    oauthClient: oauthClientOf(key),
    detail,
  });
}

export const recordKeyRevoked = (
  audit: AuditLog,
  repos: Repositories,
  workspace: Workspace,
  key: ApiKeyRecord,
  detail: Readonly<Record<string, unknown>>,
  actorMemberId: string | null = null,
) => recordKeyEvent(audit, repos, workspace, key, 'key.revoked', detail, actorMemberId);

/**
 * Revokes every live key of the family of `name`, each with its `key.revoked` event, inside
 * the caller's transaction. Keys revoked already are left as they are and reported.
 */
export async function revokeKeyFamily(
  audit: AuditLog,
  repos: Repositories,
  workspace: Workspace,
  name: string,
  at: string,
  detail: RevocationDetail,
  actorMemberId: string | null = null,
): Promise<FamilyRevocation> {
  // A rotation committing between this read and the revocations would leave its new key alive.
  await repos.apiKeys.lockForChange(workspace.id);
  const family = rotationFamily(await repos.apiKeys.list(workspace.id), name).sort((a, b) =>
    a.id < b.id ? -1 : 1,
  );
  const ids = family.map((k) => k.id);
  const revoked: ApiKeyRecord[] = [];
  for (const key of family) {
    if (!(await repos.apiKeys.revoke(workspace.id, key.id, at))) continue;
    await recordKeyRevoked(
      audit,
      repos,
      workspace,
      key,
      { ...detail, family: { name, keys: ids } },
      actorMemberId,
    );
    revoked.push(key);
  }
  return { family, revoked, alreadyRevoked: family.filter((k) => !revoked.includes(k)) };
}
