/**
 * The entries of a tool call as the MCP layer calls them: a read (`createToolRunner`) and a
 * first write call (`createWritePipeline`). Each runs its list from `pipeline.ts` and hands
 * back the outcome with the record of the call's one audit event (`Ran`). `run` is the same
 * write for callers that want the value or the refusal thrown (tests).
 */
import type { AnomalyWatch } from '../monitoring/index.js';
import type { CallContext } from './call-context.js';
import { type Ran, unwrap } from './call-record.js';
import { READ_CALL, WRITE_CALL } from './pipeline.js';
import type { WriteDeps } from './ports.js';
import { type Entry, type RunnerDeps, runEntry } from './runner.js';
import type { GuardedTool } from './steps/authorize.js';
import type { ClientAbilities, ReadState, WriteResult, WriteState } from './steps/state.js';
import { watchCall } from './watch.js';
import type { WriteArgs, WriteSpec } from './write-spec.js';

export type GuardDeps = RunnerDeps & {
  /** The anomaly rules, shown every call once its event is written (issue 16). */
  readonly anomaly?: AnomalyWatch;
};

export function createToolRunner(deps: GuardDeps) {
  return async function runTool<T>(
    call: CallContext,
    tool: GuardedTool,
    args: unknown,
    run: () => Promise<{ value: T; summary: unknown }>,
  ): Promise<Ran<T>> {
    const state: ReadState<T> = {
      call,
      tool: tool.name,
      args,
      started: deps.clock.now().getTime(),
      spec: tool,
      run,
    };
    const ran: Ran<T> = await runEntry<T, ReadState<T>, GuardDeps>(
      READ_CALL as Entry<ReadState<T>, GuardDeps>,
      state,
      deps,
    );
    await watchCall(deps.anomaly, call, tool.name, ran);
    return ran;
  };
}

export type ToolRunner = ReturnType<typeof createToolRunner>;

export function createWritePipeline(deps: WriteDeps) {
  const call = async (call: CallContext, spec: WriteSpec, args: WriteArgs, client: ClientAbilities) => {
    const ran = await runEntry<WriteResult, WriteState, WriteDeps>(
      WRITE_CALL,
      { call, tool: spec.name, args, started: deps.clock.now().getTime(), spec, client },
      deps,
    );
    await watchCall(deps.anomaly, call, spec.name, ran);
    return ran;
  };
  return {
    /** What the action service builds on (the same ports). */
    deps,
    call,
    async run(
      context: CallContext,
      spec: WriteSpec,
      args: WriteArgs,
      client: ClientAbilities,
    ): Promise<WriteResult> {
      return unwrap(await call(context, spec, args, client));
    },
  };
}

export type WritePipeline = ReturnType<typeof createWritePipeline>;
