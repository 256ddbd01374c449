/**
 * Who is acting on a key: the signed-in member in the console, `--as <email>` on the command
 * line, or `null` — the operator of the database, who may do anything (as before). The
 * member is named in the audit event of every key action.
 * SECURITY: owners and admins act on every key; a member or viewer only on their own, and a
 * key of someone else is `not_found` to them, as if it did not exist (issue 15, "Rules").
 */
import { AppError, type FieldIssue, invalidInput } from '../core/index.js';
import { canManageMembers } from '../domain/index.js';
import type { ApiKeyRecord, Member, Workspace } from '../model/index.js';
import type { Repositories } from '../storage/index.js';
import { expandScopes, isScope, isWriteScope, type Scope } from './scopes.js';

/** The member doing a key action; `null` is the command line acting as the operator. */
export type KeyActor = { readonly memberId: string; readonly email: string } | null;

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

/** What `--as` must look like before any lookup: an address with nothing glued to it. */
export function checkActorEmail(email: string, field = 'as'): FieldIssue | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (EMAIL.test(email) && !/[\u0000-\u001f\u007f-\u009f]/.test(email)) return undefined;
  return { field, message: "must be a member's email address, with no spaces or line breaks" };
}

/** The member `email` names in the workspace, as an actor; refused unless they belong to it. */
export async function actorByEmail(
  repos: Pick<Repositories, 'members'>,
  workspace: Workspace,
  email: string,
  field = 'as',
): Promise<NonNullable<KeyActor>> {
  const issue = checkActorEmail(email, field);
  if (issue) throw invalidInput([issue]);
  const member = await repos.members.findByEmail(workspace.id, email.toLowerCase());
  if (!member) {
    throw new AppError('forbidden', `${email} is not a member of ${workspace.slug}`);
  }
  return { memberId: member.id, email: member.email };
}

/** The actor's membership as it is now (a role may have changed since they signed in). */
export async function actingMember(
  repos: Pick<Repositories, 'members'>,
  workspace: Workspace,
  actor: KeyActor,
): Promise<Member | null> {
  if (actor === null) return null;
  const member = await repos.members.findById(workspace.id, actor.memberId);
  if (!member || member.removedAt || member.email !== actor.email.toLowerCase()) {
    throw new AppError('forbidden', `${actor.email} is not a member of ${workspace.slug}`);
  }
  return member;
}

/** Whether `actor` may rotate, revoke or otherwise change a key acting for `ownerId`. */
export const mayActOnKeyOf = (actor: Member | null, ownerId: string): boolean =>
  actor === null || canManageMembers(actor.role) || actor.id === ownerId;

/** Whether a key can write at all: a viewer rotates only keys that cannot (issue 15, "Rules"). */
export const isWriteCapableKey = (key: Pick<ApiKeyRecord, 'readOnly' | 'scopes'>): boolean =>
  !key.readOnly && key.scopes.some((s) => isScope(s) && isWriteScope(s));

/** Whether `actor` may rotate `key`: as `mayActOnKeyOf`, and a viewer only a key that cannot write. */
export const mayRotateKey = (actor: Member | null, key: ApiKeyRecord): boolean =>
  mayActOnKeyOf(actor, key.memberId) && !(actor?.role === 'viewer' && isWriteCapableKey(key));

/**
 * Refuses a key creation the actor's role does not allow: a key for someone else unless
 * they manage the workspace, and a write-capable key for a viewer.
 */
export function assertMayCreateKey(
  actor: Member | null,
  owner: Member,
  scopes: readonly Scope[],
  readOnly: boolean,
  workspace: Workspace,
): void {
  if (actor === null) return;
  // The field rides along, so a form can show the refusal beside what caused it.
  const refuse = (field: string, message: string) =>
    new AppError('forbidden', message, { detail: { fields: [{ field, message }] } });
  if (actor.id !== owner.id && !canManageMembers(actor.role)) {
    throw refuse(
      'member',
      `your role (${actor.role}) creates keys only for yourself in ${workspace.slug}; an owner or admin creates them for others`,
    );
  }
  if (actor.role === 'viewer' && !readOnly && expandScopes(scopes).some(isWriteScope)) {
    throw refuse(
      'scopes',
      'a viewer cannot create a write-capable key: use the read-only preset or --read-only',
    );
  }
}

/**
 * SECURITY: a key the actor may not act on is not found, exactly like a missing one; with
 * `rotate`, a viewer's write-capable key too (it is not theirs to renew).
 */
export async function findKey(
  repos: Pick<Repositories, 'apiKeys'>,
  workspace: Workspace,
  ref: string,
  actor: Member | null,
  action?: 'rotate',
): Promise<ApiKeyRecord> {
  const found = ref.startsWith('key_')
    ? await repos.apiKeys.findById(workspace.id, ref)
    : ((await repos.apiKeys.findCurrentByName(workspace.id, ref)) ??
      (await repos.apiKeys.list(workspace.id)).filter((k) => k.name === ref).at(-1));
  if (!found || !mayActOnKeyOf(actor, found.memberId) || (action === 'rotate' && !mayRotateKey(actor, found)))
    throw new AppError('not_found', `key ${ref} not found in workspace ${workspace.slug}`);
  return found;
}
