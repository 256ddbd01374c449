/** The guard: the request pipeline every tool call goes through, reads and writes. */
export { type CallContext, toActor } from './call-context.js';
export { TOKEN_PREFIX } from './confirmation-token.js';
export {
  type ActionService,
  type ConfirmResult,
  createActionService,
  type PublicStatus,
} from './pending-actions.js';
export { describeChanges, fieldDiff, type Plan } from './plan.js';
export {
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
  type WritePipeline,
  type WriteResult,
} from './write-pipeline.js';
export { type PolicySource, TIERS, type Tier, type WritePolicy } from './write-policy.js';
export { type Applied, RISK_CLASS_NAMES, type Risk, type WriteArgs, type WriteSpec } from './write-spec.js';
