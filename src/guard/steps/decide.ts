/**
 * Steps that decide an action without running it: cancel_action, a declined form, a declined
 * browser approval. Each is the action's transition and its `confirmation.*` event, with the
 * MCP call's own event in the same transaction.
 */
import { createActionTransitions } from '../action-transitions.js';
import type { ActionDeps } from '../ports.js';
import { type ActionState, need } from './state.js';

export async function cancel(state: ActionState, deps: ActionDeps): Promise<ActionState> {
  const call = need(state.call, 'call');
  const action = need(state.action, 'action');
  const asked = { tool: state.tool, params: { token: state.token }, started: state.started };
  await createActionTransitions(deps).decide(action, 'cancelled', {
    memberId: call.principal.member.id,
    call,
    asked,
  });
  const cancelled = (await deps.store.pendingActions.findById(action.workspaceId, action.id))!;
  return { ...state, result: { kind: 'cancelled', action: cancelled }, event: 'written' };
}

/** The form was answered no: declined. Yes goes on to execute. */
export async function declined(state: ActionState, deps: ActionDeps): Promise<ActionState> {
  if (state.accepted !== false) return state;
  const call = need(state.call, 'call');
  const action = need(state.action, 'action');
  const asked = { tool: state.tool, params: { action: action.id, accepted: false }, started: state.started };
  await createActionTransitions(deps).decide(action, 'declined', {
    memberId: call.principal.member.id,
    call,
    asked,
  });
  return { ...state, result: { kind: 'declined' }, event: 'written' };
}

/** A signed-in member declined in the browser (approvedBy names them). */
export async function browserDecline(state: ActionState, deps: ActionDeps): Promise<ActionState> {
  await createActionTransitions(deps).decide(need(state.action, 'action'), 'declined', {
    memberId: need(state.approvedBy ?? undefined, 'approvedBy').id,
  });
  return { ...state, result: { kind: 'declined' }, event: 'none' };
}
