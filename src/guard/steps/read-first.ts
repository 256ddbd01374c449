/**
 * Step read-first: a workspace that asks for it refuses a change that does not carry the
 * version the assistant read, so it cannot overwrite what it never saw (policy).
 */
import { invalidInput } from '../../core/index.js';
import { need, type WriteState } from './state.js';

export async function readFirst(state: WriteState): Promise<WriteState> {
  if (!need(state.policy, 'policy').requireReadFirst) return state;
  const missing = state.spec.missingVersions?.(state.args) ?? [];
  if (missing.length) {
    throw invalidInput(
      missing.map((field) => ({
        field,
        message: 'is required by this workspace (read first): read the current state and pass its version',
      })),
    );
  }
  return state;
}
