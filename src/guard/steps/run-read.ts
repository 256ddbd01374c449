/** Step run (reads): the tool's own work, as the credential's actor; the audit log keeps its summary. */
import { callFields } from '../call-context.js';
import type { RunnerDeps } from '../runner.js';
import type { ReadState } from './state.js';

export async function runRead<T>(state: ReadState<T>, deps: RunnerDeps): Promise<ReadState<T>> {
  const { value, summary } = await state.run();
  return {
    ...state,
    result: value,
    event: {
      ...callFields(state.call),
      action: 'mcp.tool_called',
      tool: state.spec.name,
      outcome: 'ok',
      errorCode: null,
      params: state.args,
      result: summary,
      durationMs: deps.clock.now().getTime() - state.started,
    },
  };
}
