/**
 * Workspace administration that the command line and the console share: the safe-write
 * policy and emptying the trash. The call pipeline (guard) only reads what these write.
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
  createPolicyService,
  type FreezeInput,
  MAX_BUDGET,
  MAX_BUDGET_WINDOW_MINUTES,
  type PolicyField,
  type PolicyPatch,
  type PolicyService,
  type PolicyServiceDeps,
} from './policy-service.js';
export {
  createTrashPurge,
  type TrashPurge,
  type TrashPurgeDeps,
  type TrashPurgeResult,
} from './trash-purge.js';
