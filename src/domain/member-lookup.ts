/** Resolving a member reference (id `mbr_…` or email) within one workspace. */
import type { Member } from '../model/index.js';
import type { Repositories } from '../storage/index.js';
import { fieldError } from './validation.js';

/** The member `ref` names in the workspace; an unknown one is an input error on `field`. */
export async function findMemberByRef(
  repos: Repositories,
  workspaceId: string,
  ref: string,
  field: string,
): Promise<Member> {
  const trimmed = ref.trim();
  const member = trimmed.startsWith('mbr_')
    ? await repos.members.findById(workspaceId, trimmed)
    : await repos.members.findByEmail(workspaceId, trimmed.toLowerCase());
  if (!member) throw fieldError(field, `no member ${trimmed} in this workspace`);
  return member;
}
