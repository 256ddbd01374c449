/** The guard: the request pipeline every tool call goes through. */
export { type CallContext, toActor } from './call-context.js';
export {
  assertWritesAllowed,
  DEFAULT_TIERS,
  type EffectivePolicy,
  effectivePolicy,
  type FreezeState,
  freezeState,
  type TierSource,
} from './policy.js';
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
  createToolRunner,
  type GuardDeps,
  type GuardedTool,
  missingScopes,
  type ToolOutcome,
  type ToolRunner,
} from './run-tool.js';
export {
  createTrashPurge,
  type TrashPurge,
  type TrashPurgeDeps,
  type TrashPurgeResult,
} from './trash-purge.js';
