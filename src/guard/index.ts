/** The guard: the call pipeline every tool call goes through (`pipeline.ts`, the table of steps). */

export { type ActionService, type ActionServiceDeps, createActionService } from './action-service.js';
export type { PublicStatus } from './action-transitions.js';
export { type CallContext, callFields, toActor } from './call-context.js';
export type { CallRecord, Ran, ToolOutcome } from './call-record.js';
export { TOKEN_PREFIX } from './confirmation-token.js';
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
export type { PolicySource, WriteDeps } from './ports.js';
export type { CallObserver } from './runner.js';
export { type GuardedTool, missingScopes } from './steps/authorize.js';
export type { ClientAbilities, ConfirmResult, WriteResult } from './steps/state.js';
export {
  createToolRunner,
  createWritePipeline,
  type GuardDeps,
  type ToolRunner,
  type WritePipeline,
} from './write-service.js';
export type { Applied, WriteArgs, WriteSpec } from './write-spec.js';
