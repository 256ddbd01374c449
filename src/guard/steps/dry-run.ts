/** Step dry-run: asked for (or the key is dry-run only): the plan is the answer, and nothing changes. */
import { callFields } from '../call-context.js';
import type { WriteDeps } from '../ports.js';
import { need, type WriteState } from './state.js';

export async function dryRun(state: WriteState, deps: WriteDeps): Promise<WriteState> {
  const { call, args } = state;
  if (args.dry_run !== true && !call.principal.credential.dryRunOnly) return state;
  const plan = need(state.plan, 'plan');
  return {
    ...state,
    result: { kind: 'dry_run', plan },
    event: {
      ...callFields(call),
      action: 'mcp.tool_called',
      tool: state.spec.name,
      outcome: 'dry_run',
      params: args,
      result: { digest: plan.digest, objects: plan.changes.length },
      changes: plan.changes,
      reason: args.reason ?? null,
      durationMs: deps.clock.now().getTime() - state.started,
    },
  };
}
