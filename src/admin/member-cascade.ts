/**
 * What removing a member or lowering their role does to their credentials, computed once for
 * the preview and for the change itself, so the two cannot disagree about the rules:
 * - removal revokes every key and OAuth connection they hold (whole rotation families, the
 *   predecessor in its grace window included) and cancels their pending actions;
 * - a lower role narrows each credential to the new role's ceiling (`roleCeiling`), a viewer's
 *   becoming read-only; a credential left with no scope at all is revoked instead.
 * SECURITY: the authenticator already intersects a credential with its member's role at each
 * request; narrowing the stored rights as well means a later promotion does not silently
 * give old credentials back what the member lost. Pure.
 */
import { createHash } from 'node:crypto';
import { beyondRole, expandScopes, isScope, roleCeiling, type Scope } from '../credentials/index.js';
import type { ApiKeyRecord, Member, PendingAction, Role } from '../model/index.js';

export type MemberChange = { readonly kind: 'remove' } | { readonly kind: 'role'; readonly role: Role };

export interface CredentialItem {
  readonly id: string;
  readonly name: string;
  /** `api_key`, or `oauth` for a connection. */
  readonly kind: ApiKeyRecord['kind'];
  readonly display: string;
}

export interface NarrowedCredential extends CredentialItem {
  readonly scopesBefore: readonly string[];
  readonly scopes: readonly Scope[];
  readonly readOnlyBefore: boolean;
  readonly readOnly: boolean;
}

export interface CancelledAction {
  readonly id: string;
  readonly tool: string;
  readonly credentialId: string;
}

/** Exactly what a change would do (preview) or did (apply). */
export interface CascadePlan {
  readonly revoke: readonly CredentialItem[];
  readonly narrow: readonly NarrowedCredential[];
  readonly cancel: readonly CancelledAction[];
}

export const itemOf = (k: ApiKeyRecord): CredentialItem => ({
  id: k.id,
  name: k.name,
  kind: k.kind,
  display: k.kind === 'oauth' ? `connection ${k.name}` : `${k.prefix}…${k.last4}`,
});

/**
 * The member's live credentials and every live key linked to one of them by rotation: a
 * rotation keeps the member, but following the links as `rotationFamily` does means a
 * successor or predecessor is never left alive whoever it was minted for.
 */
export function liveFamilies(all: readonly ApiKeyRecord[], memberId: string): ApiKeyRecord[] {
  const ids = new Set(all.filter((k) => k.memberId === memberId).map((k) => k.id));
  for (let grew = true; grew; ) {
    grew = false;
    for (const k of all) {
      const group = [k.id, k.replaces, k.replacedBy].filter((id): id is string => id !== null);
      if (group.some((id) => ids.has(id)) && group.some((id) => !ids.has(id))) {
        for (const id of group) ids.add(id);
        grew = true;
      }
    }
  }
  return all.filter((k) => ids.has(k.id) && k.revokedAt === null).sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** A credential's rights under `role`, or `undefined` when they already fit. */
function narrowed(key: ApiKeyRecord, role: Role): { scopes: Scope[]; readOnly: boolean } | undefined {
  const granted = key.scopes.filter(isScope);
  const readOnly = key.readOnly || role === 'viewer';
  const unknown = granted.length !== key.scopes.length;
  if (!unknown && beyondRole(granted, role).length === 0 && readOnly === key.readOnly) return undefined;
  const ceiling = new Set(roleCeiling(role));
  const scopes = expandScopes(granted).filter((s) => ceiling.has(s));
  return { scopes, readOnly };
}

export function planCascade(
  member: Member,
  change: MemberChange,
  keys: readonly ApiKeyRecord[],
  pending: readonly PendingAction[],
): CascadePlan {
  const live = liveFamilies(keys, member.id);
  if (change.kind === 'remove') {
    const liveIds = new Set(live.map((k) => k.id));
    return {
      revoke: live.map(itemOf),
      narrow: [],
      cancel: pending
        .filter((a) => a.memberId === member.id || liveIds.has(a.credentialId))
        .map((a) => ({ id: a.id, tool: a.tool, credentialId: a.credentialId })),
    };
  }
  const revoke: CredentialItem[] = [];
  const narrow: NarrowedCredential[] = [];
  for (const key of live.filter((k) => k.memberId === member.id)) {
    const rights = narrowed(key, change.role);
    if (!rights) continue;
    if (rights.scopes.length === 0) revoke.push(itemOf(key));
    else
      narrow.push({
        ...itemOf(key),
        scopesBefore: key.scopes,
        scopes: rights.scopes,
        readOnlyBefore: key.readOnly,
        readOnly: rights.readOnly,
      });
  }
  return { revoke, narrow, cancel: [] };
}

const ids = (plan: CascadePlan) =>
  [
    ...plan.revoke.map((k) => `revoke:${k.id}`),
    ...plan.narrow.map((k) => `narrow:${k.id}:${k.scopes.join(',')}:${k.readOnly}`),
    ...plan.cancel.map((a) => `cancel:${a.id}`),
  ].sort();

/** Whether two plans would do the same thing (a preview against what was applied). */
export function samePlan(a: CascadePlan, b: CascadePlan): boolean {
  const [x, y] = [ids(a), ids(b)];
  return x.length === y.length && x.every((id, i) => id === y[i]);
}

/**
 * A short fingerprint of what a plan does, for a form to carry the preview a person saw
 * (the console) and the change to compare against it: equal exactly when `samePlan` is.
 */
export function planDigest(plan: CascadePlan): string {
  return createHash('sha256').update(ids(plan).join('\n')).digest('base64url').slice(0, 22);
}
