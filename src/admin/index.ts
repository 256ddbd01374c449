/**
 * Workspace administration that the command line and the console share: the safe-write
 * policy (with the key rotation period) and emptying the trash. The call pipeline (guard) only reads what these write.
 */

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
