/**
 * Step execute-action: the confirmed action, re-planned and executed as the credential that
 * asked (execute-and-audit), only if its digest still matches. If the data moved on, nothing
 * is done: the action is superseded (and the MCP call that met it refused, in one
 * transaction) and `reissue` offers the change as it is now.
 */
import { AppError } from '../../core/index.js';
import { createActionTransitions } from '../action-transitions.js';
import { toActor } from '../call-context.js';
import type { ActionDeps } from '../ports.js';
import type { WriteArgs } from '../write-spec.js';
import { execute, PlanDrift } from './execute-and-audit.js';
import { type ActionState, need } from './state.js';

export async function executeAction(state: ActionState, deps: ActionDeps): Promise<ActionState> {
  if (state.superseded) return state;
  const call = need(state.call, 'call');
  const action = need(state.action, 'action');
  const exec = {
    call,
    actor: toActor(call.principal),
    action,
    approvedBy: state.approvedBy,
    event: state.execEvent,
  };
  try {
    const applied = await execute(deps, exec, need(state.spec, 'spec'), action.args as WriteArgs);
    return { ...state, result: { kind: 'done', applied, action }, event: 'written' };
  } catch (error) {
    if (!(error instanceof PlanDrift)) throw error;
    await createActionTransitions(deps).supersede(
      call,
      action,
      { plannedDigest: action.digest, currentDigest: error.plan.digest },
      {
        asked: state.asked,
        error: new AppError(
          'conflict',
          `the data changed since action ${action.id} was planned; nothing was done`,
        ),
      },
    );
    return {
      ...state,
      superseded: { reason: 'drift', plan: error.plan },
      event: state.asked ? 'written' : state.event,
    };
  }
}
