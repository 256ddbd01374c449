/**
 * Workspace administration that the command line and the console share: the safe-write
 * policy (with the key rotation period), emptying the trash, and members (invite, change a role,
 * remove, with what that does to their credentials). The call pipeline (guard) only reads what
 * these write.
 */

export { AUDIT_VERIFY_MAX_AGE_DAYS, CHECKLIST_GUIDE, type ChecklistScope } from './checklist-items.js';
export { IDLE_FULL_SCOPE_DAYS, USAGE_WINDOW_DAYS } from './checklist-key-items.js';
export {
  type AuditVerification,
  CHECKLIST_ITEM_IDS,
  CHECKLIST_STATUSES,
  type ChecklistItem,
  type ChecklistItemId,
  type ChecklistKeyRef,
  type ChecklistStatus,
  inertName,
} from './checklist-model.js';
export {
  AUDIT_VERIFIED_ACTION,
  auditVerifiedEvents,
  type Checklist,
  type ChecklistService,
  type ChecklistServiceDeps,
  createChecklistService,
  MAX_USAGE_EVENTS,
} from './checklist-service.js';
export {
  type CancelledAction,
  type CascadePlan,
  type CredentialItem,
  type NarrowedCredential,
  planDigest,
} from './member-cascade.js';
export type { ActingAs } from './member-rules.js';
export {
  createMemberService,
  type ExpectedPlan,
  type Invitation,
  type MemberChangeRequest,
  type MemberChangeResult,
  type MemberListing,
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
