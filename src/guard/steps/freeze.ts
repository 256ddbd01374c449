/** Step freeze: reads the workspace policy (fresh on every call) and refuses every write while frozen. */

import { assertWritesAllowed } from '../policy.js';
import type { WriteDeps } from '../ports.js';
import { type ActionState, need, type WriteState } from './state.js';

export async function freeze<S extends WriteState | ActionState>(state: S, deps: WriteDeps): Promise<S> {
  const policy = await deps.policyFor(need(state.call, 'call').principal.workspace);
  assertWritesAllowed(policy);
  return { ...state, policy };
}
