/** Step open: an action already executed, declined, cancelled, superseded or expired cannot be decided again. */
import { AppError } from '../../core/index.js';
import type { PendingAction } from '../../model/index.js';
import { PUBLIC_STATUS } from '../action-transitions.js';
import { type ActionState, need } from './state.js';

export function assertOpen(action: PendingAction): void {
  if (action.status === 'pending') return;
  throw new AppError(
    'conflict',
    `action ${action.id} is ${PUBLIC_STATUS[action.status]}; it can no longer be confirmed`,
    { detail: { status: PUBLIC_STATUS[action.status] } },
  );
}

export async function open(state: ActionState): Promise<ActionState> {
  assertOpen(need(state.action, 'action'));
  return state;
}
