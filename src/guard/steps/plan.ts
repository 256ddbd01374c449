/** Step plan: runs the write in a transaction that is rolled back; the plan is what executing now would do. */
import { toActor } from '../call-context.js';
import { simulate } from '../plan.js';
import type { WriteDeps } from '../ports.js';
import type { WriteState } from './state.js';

export async function plan(state: WriteState, deps: WriteDeps): Promise<WriteState> {
  const actor = toActor(state.call.principal);
  return { ...state, actor, plan: await simulate(deps.store, state.spec, actor, state.args) };
}
