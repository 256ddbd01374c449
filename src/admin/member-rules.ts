/**
 * SECURITY: who may invite, re-role or remove whom, and the strict reading of a role or an
 * email typed by a person. Owners manage everyone; admins manage members and viewers (and
 * may make one an admin, as `members add` always allowed); only an owner makes or unmakes an
 * owner; nobody else manages members. The local operator (the CLI without `--as`) holds the
 * database and acts with an owner's authority. Pure.
 */
import { AppError } from '../core/index.js';
import {
  canManageMembers,
  email,
  fieldError,
  findUnsafeCharacter,
  parseInput,
  quoteText,
} from '../domain/index.js';
import { type Member, ROLES, type Role } from '../model/index.js';
import type { MemberChange } from './member-cascade.js';

/** Who is acting: a member (by email or `mbr_` id), or the operator at the command line. */
export type ActingAs = { readonly member: string } | { readonly operator: true };

/** The acting party once resolved: the operator has no member row. */
export type Acting = { readonly kind: 'member'; readonly member: Member } | { readonly kind: 'operator' };

export const actingRole = (acting: Acting): Role =>
  acting.kind === 'operator' ? 'owner' : acting.member.role;
export const actingLabel = (acting: Acting): string =>
  acting.kind === 'operator' ? 'operator' : acting.member.email;

/**
 * A role exactly as written: no trimming, no case folding. "Owner" or "admin " is a typo
 * to point out, not to guess at, when the outcome is someone's rights.
 */
export function parseRole(value: unknown, field = 'role'): Role {
  if (typeof value === 'string' && (ROLES as readonly string[]).includes(value)) return value as Role;
  const shown = typeof value === 'string' ? quoteText(value) : typeof value;
  throw fieldError(field, `must be one of ${ROLES.join(', ')} exactly (got ${shown})`);
}

/**
 * An email as the domain stores it (trimmed, lower-case). A control character, line break or
 * bidi control anywhere is refused before the trim: "alan@example.com\n" is a paste to point
 * out, not an address to read as alan@example.com.
 */
export function parseEmail(value: unknown, field = 'email'): string {
  const refuse = () => {
    const shown = typeof value === 'string' ? quoteText(value) : typeof value;
    return fieldError(field, `must be an email address (got ${shown})`);
  };
  if (typeof value === 'string' && findUnsafeCharacter(value, 'line')) throw refuse();
  try {
    return parseInput(email, value);
  } catch {
    throw refuse();
  }
}

const forbidden = (acting: Acting, what: string) =>
  new AppError('forbidden', `your role (${actingRole(acting)}) cannot ${what}`);

/** Refuses a look at the member list to anyone who does not manage members. */
export function assertMayList(acting: Acting): void {
  if (!canManageMembers(actingRole(acting))) throw forbidden(acting, 'list the members');
}

/** Refuses an invitation the acting party may not send. */
export function assertMayInvite(acting: Acting, role: Role): void {
  const by = actingRole(acting);
  if (!canManageMembers(by)) throw forbidden(acting, 'invite members');
  if (role === 'owner' && by !== 'owner') throw forbidden(acting, 'invite an owner; ask an owner');
}

/** Refuses a role change or removal the acting party may not make. */
export function assertMayChange(acting: Acting, target: Member, change: MemberChange): void {
  const by = actingRole(acting);
  if (!canManageMembers(by)) throw forbidden(acting, 'manage members');
  const touchesOwner = target.role === 'owner' || (change.kind === 'role' && change.role === 'owner');
  if (touchesOwner && by !== 'owner') throw forbidden(acting, 'make or unmake an owner; ask an owner');
  if (by === 'admin' && target.role === 'admin' && !isSelf(acting, target)) {
    throw forbidden(acting, `change another admin (${target.email}); ask an owner`);
  }
  if (change.kind === 'role' && change.role === target.role) {
    throw new AppError('conflict', `${target.email} is already ${target.role}; nothing changed`);
  }
}

const isSelf = (acting: Acting, target: Member) => acting.kind === 'member' && acting.member.id === target.id;

/**
 * Whether the change leaves the workspace without an owner. `owners` must be read inside the
 * transaction that holds the membership lock, or two changes could each see the other owner.
 */
export function assertKeepsAnOwner(target: Member, change: MemberChange, owners: readonly Member[]): void {
  const stillOwner = change.kind === 'role' && change.role === 'owner';
  if (target.role !== 'owner' || stillOwner) return;
  if (owners.filter((m) => m.id !== target.id).length > 0) return;
  const verb = change.kind === 'remove' ? 'removed' : 'demoted';
  throw new AppError(
    'conflict',
    `${target.email} is the last owner and cannot be ${verb}; make another member an owner first`,
  );
}
