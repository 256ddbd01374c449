/** The guard: the request pipeline every tool call goes through, reads and writes. */

export type { PublicStatus } from './action-transitions.js';
export { type CallContext, toActor } from './call-context.js';
export { TOKEN_PREFIX } from './confirmation-token.js';
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
  callFields,
  createToolRunner,
  type GuardDeps,
  type GuardedTool,
  missingScopes,
  type ToolOutcome,
  type ToolRunner,
} from './run-tool.js';
export {
  type ClientAbilities,
  createWritePipeline,
  type PolicySource,
  type WritePipeline,
  type WriteResult,
} from './write-pipeline.js';
export type { Applied, WriteArgs, WriteSpec } from './write-spec.js';
