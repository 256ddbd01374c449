/**
 * Step tightened: SECURITY: the policy now asks more for this risk class than the action was
 * issued with (an owner tightened it while the action waited). The old confirmation is
 * retired (superseded, and the MCP call that met it refused, in one transaction); `reissue`
 * then lets the change, re-planned from the current state, wait at the tier asked for now.
 */
import { AppError } from '../../core/index.js';
import type { RiskClass } from '../../model/index.js';
import { createActionTransitions } from '../action-transitions.js';
import { toActor } from '../call-context.js';
import { simulate } from '../plan.js';
import { tierRank } from '../policy.js';
import type { ActionDeps } from '../ports.js';
import type { WriteArgs } from '../write-spec.js';
import { type ActionState, need } from './state.js';

export async function tightened(state: ActionState, deps: ActionDeps): Promise<ActionState> {
  const action = need(state.action, 'action');
  const call = need(state.call, 'call');
  // An action of a risk class this version does not know waits for the strongest tier.
  const required = need(state.policy, 'policy').tiers[action.risk as RiskClass] ?? 'approve';
  if (tierRank(required) <= tierRank(action.tier)) return state;
  const plan = await simulate(
    deps.store,
    need(state.spec, 'spec'),
    toActor(call.principal),
    action.args as WriteArgs,
  );
  const error = new AppError(
    'forbidden',
    `the workspace policy now asks for ${required} on ${plan.risk} changes; action ${action.id} was issued at ${action.tier} and nothing was done`,
  );
  await createActionTransitions(deps).supersede(
    call,
    action,
    { reason: 'policy_tightened', tier: action.tier, required },
    { asked: state.asked, error },
  );
  return {
    ...state,
    superseded: { reason: 'tightened', plan, required },
    event: state.asked ? 'written' : state.event,
  };
}
