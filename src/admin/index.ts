/**
 * Workspace administration that the command line and the console share: the safe-write
 * policy (with the key rotation period), emptying the trash, and members (invite, change a role,
 * remove, with what that does to their credentials). The call pipeline (guard) only reads what
 * these write.
 */

export type { CancelledAction, CascadePlan, CredentialItem, NarrowedCredential } from './member-cascade.js';
export type { ActingAs } from './member-rules.js';
export {
  createMemberService,
  type Invitation,
  type MemberChangeRequest,
  type MemberChangeResult,
  type MemberService,
  type MemberServiceDeps,
  type MemberTarget,
} from './member-service.js';
export {
  createPolicyService,
  type FreezeInput,
  MAX_BUDGET,
  MAX_BUDGET_WINDOW_MINUTES,
  type PolicyField,
  type PolicyPatch,
  type PolicyService,
  type PolicyServiceDeps,
  type WorkspacePolicy,
} from './policy-service.js';
export {
  isRotationDays,
  type ParsedRotationDays,
  parseRotationDays,
  ROTATION_DAYS_TEXT,
} from './rotation-days.js';
export {
  createTrashPurge,
  type TrashPurge,
  type TrashPurgeDeps,
  type TrashPurgeResult,
} from './trash-purge.js';
