/** Step status: where a pending action stands, recorded as the call's one event. */
import { createActionTransitions, PUBLIC_STATUS } from '../action-transitions.js';
import type { ActionDeps } from '../ports.js';
import { type ActionState, need } from './state.js';

export async function status(state: ActionState, deps: ActionDeps): Promise<ActionState> {
  const action = need(state.action, 'action');
  const asked = { tool: state.tool, params: { action_id: action.id }, started: state.started };
  return {
    ...state,
    result: { kind: 'status', action, status: PUBLIC_STATUS[action.status] },
    event: createActionTransitions(deps).callEvent(need(state.call, 'call'), asked, action),
  };
}
