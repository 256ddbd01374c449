/**
 * SECURITY: the one check behind every workspace setting a person changes (policy, monitoring):
 * owners and admins only; `null` is the local command line, the database's operator.
 */
import { AppError } from '../core/index.js';
import type { Workspace } from '../model/index.js';
import type { MemberRepository } from '../storage/index.js';
import { canManageMembers } from './access.js';

/** Throws unless `memberId` is an owner or admin of `workspace`; `what` completes "cannot …". */
export async function assertManager(
  members: Pick<MemberRepository, 'findById'>,
  workspace: Workspace,
  memberId: string | null,
  what: string,
): Promise<void> {
  if (memberId === null) return;
  const member = await members.findById(workspace.id, memberId);
  if (!member) throw new AppError('not_found', `member ${memberId} not found in ${workspace.slug}`);
  if (!canManageMembers(member.role))
    throw new AppError('forbidden', `your role (${member.role}) cannot ${what}; ask an owner or admin`);
}
