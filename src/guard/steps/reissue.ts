/**
 * Step reissue: a superseded action's change waits again, as a new pending action. SECURITY:
 * never weaker than it was (an elicit action does not come back as a token) nor than the
 * policy asks now; a browser approval that drifted is not re-issued (the approver reloads).
 */
import type { ConfirmationTier } from '../../model/index.js';
import { reachableTier, strongerTier } from '../policy.js';
import type { ActionDeps } from '../ports.js';
import { type ActionState, need } from './state.js';
import { createPending } from './tier.js';

export async function reissue(state: ActionState, deps: ActionDeps): Promise<ActionState> {
  const superseded = need(state.superseded, 'superseded');
  const call = need(state.call, 'call');
  const action = need(state.action, 'action');
  const { plan } = superseded;
  const form = state.client.formElicitation;
  // The call that met the old action already has its event (written with the supersession).
  const options = { recordCall: !state.asked };
  const pendingAt = (tier: ConfirmationTier) =>
    createPending(
      deps,
      call,
      plan,
      tier as Exclude<ConfirmationTier, 'none'>,
      deps.clock.now().getTime(),
      options,
    );
  if (superseded.reason === 'tightened') {
    const next = await pendingAt(reachableTier(superseded.required, form));
    return {
      ...state,
      result: { kind: 'tightened', plan, from: action.tier, required: superseded.required, next },
    };
  }
  const tier = reachableTier(strongerTier(action.tier, need(state.policy, 'policy').tiers[plan.risk]), form);
  const next = action.tier === 'approve' ? null : await pendingAt(tier);
  return { ...state, result: { kind: 'drift', plan, next } };
}
