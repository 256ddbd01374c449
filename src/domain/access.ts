/**
 * Role rules, pure. Owners and admins see and edit every project and manage projects and
 * members; members and viewers see only projects they belong to; viewers never write.
 * Only an owner may make someone an owner.
 */
import type { Role } from '../model/index.js';

export function canSeeAllProjects(role: Role): boolean {
  return role === 'owner' || role === 'admin';
}

export function canReadProject(role: Role, isProjectMember: boolean): boolean {
  return canSeeAllProjects(role) || isProjectMember;
}

export function canWriteTasks(role: Role, isProjectMember: boolean): boolean {
  if (role === 'viewer') return false;
  return canSeeAllProjects(role) || isProjectMember;
}

export function canManageProjects(role: Role): boolean {
  return role === 'owner' || role === 'admin';
}

export function canManageMembers(role: Role): boolean {
  return role === 'owner' || role === 'admin';
}

export function canGrantRole(actorRole: Role, grantedRole: Role): boolean {
  if (!canManageMembers(actorRole)) return false;
  return grantedRole !== 'owner' || actorRole === 'owner';
}
