/** Step reason: a workspace that asks for one refuses a write without a reason (policy). */
import { assertReason } from '../audit-comment.js';
import { need, type WriteState } from './state.js';

export async function reason(state: WriteState): Promise<WriteState> {
  assertReason(state.args.reason, need(state.policy, 'policy').requireReason);
  return state;
}
