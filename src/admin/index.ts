/**
 * Workspace administration that the command line and the console share: the safe-write
 * policy and emptying the trash. The call pipeline (guard) only reads what these write.
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
} from './policy-service.js';
export {
  createTrashPurge,
  type TrashPurge,
  type TrashPurgeDeps,
  type TrashPurgeResult,
} from './trash-purge.js';
