/** The guard: the request pipeline every tool call goes through, reads and writes. */

export type { PublicStatus } from './action-transitions.js';
export { type CallContext, toActor } from './call-context.js';
export { TOKEN_PREFIX } from './confirmation-token.js';
export {
  type ContainedKey,
  type ContainResult,
  createIncidentContain,
  type IncidentContain,
  type IncidentContainDeps,
} from './incident-contain.js';
export { type ActionService, type ConfirmResult, createActionService } from './pending-actions.js';
export { describeChanges, fieldDiff, type Plan } from './plan.js';
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
  callFields,
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
export {
  type ClientAbilities,
  createWritePipeline,
  type PolicySource,
  type WritePipeline,
  type WriteResult,
} from './write-pipeline.js';
export type { Applied, WriteArgs, WriteSpec } from './write-spec.js';
