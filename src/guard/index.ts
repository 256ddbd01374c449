/** The guard: the request pipeline every tool call goes through. */
export { type CallContext, toActor } from './call-context.js';
export {
  createToolRunner,
  type GuardDeps,
  type GuardedTool,
  missingScopes,
  type ToolOutcome,
  type ToolRunner,
} from './run-tool.js';
