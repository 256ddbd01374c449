/**
 * Steps find-action: the pending action a call names, only if this credential asked for it
 * (another credential's is `not_found`, like one that does not exist), settled first so an
 * expired one reads as expired.
 */
import { AppError } from '../../core/index.js';
import type { PendingAction } from '../../model/index.js';
import { createActionTransitions } from '../action-transitions.js';
import type { CallContext } from '../call-context.js';
import { actionIdOf, tokenMatches } from '../confirmation-token.js';
import type { ActionDeps } from '../ports.js';
import { type ActionState, need } from './state.js';

export const unknownAction = () => new AppError('not_found', 'no such pending action for this credential');

async function ownAction(deps: ActionDeps, call: CallContext, id: string): Promise<PendingAction> {
  const action = await deps.store.pendingActions.findById(call.principal.workspace.id, id);
  if (!action || action.credentialId !== call.principal.credential.id) throw unknownAction();
  return createActionTransitions(deps).settle(action);
}

/** confirm_action, cancel_action: by the token of the preview. */
export async function byToken(state: ActionState, deps: ActionDeps): Promise<ActionState> {
  const token = need(state.token, 'token');
  const id = actionIdOf(token);
  if (!id)
    throw new AppError('invalid_input', 'token: is not a confirmation token (tgc_…)', {
      detail: { fields: [{ field: 'token', message: 'is not a confirmation token' }] },
    });
  const action = await ownAction(deps, need(state.call, 'call'), id);
  // SECURITY: the MAC binds credential, tool, digest and expiry; only token-tier actions have one.
  if (action.tier !== 'token' || !tokenMatches(deps.tokenKey, token, action)) throw unknownAction();
  return { ...state, action };
}

/** get_action_status, and the retry of a write whose approval was asked by URL. */
export async function byId(state: ActionState, deps: ActionDeps): Promise<ActionState> {
  return {
    ...state,
    action: await ownAction(deps, need(state.call, 'call'), need(state.actionId, 'actionId')),
  };
}

/** The answer to a form elicitation: the action must be an elicit one, of the tool retried. */
export async function elicited(state: ActionState, deps: ActionDeps): Promise<ActionState> {
  const action = await ownAction(deps, need(state.call, 'call'), need(state.actionId, 'actionId'));
  if (action.tier !== 'elicit' || action.tool !== state.tool) throw unknownAction();
  return { ...state, action };
}

/** Step tool-of-action: the write tool the action will run. */
export async function toolOfAction(state: ActionState, deps: ActionDeps): Promise<ActionState> {
  const action = need(state.action, 'action');
  const spec = deps.specs.get(action.tool);
  if (!spec) throw new AppError('internal', `no write tool ${action.tool}`);
  return { ...state, spec };
}
