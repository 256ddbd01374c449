/**
 * Step still-writes: SECURITY: a key made dry-run-only while its action waited (`keys narrow
 * --dry-run-only`, the console's narrow page, incident containment) can no longer run it. The
 * scopes and read-only flag are checked again by `authorize`; this is the flag it does not see.
 */
import { AppError } from '../../core/index.js';
import { type ActionState, need } from './state.js';

export async function stillWrites(state: ActionState): Promise<ActionState> {
  const { credential } = need(state.call, 'call').principal;
  if (!credential.dryRunOnly) return state;
  throw new AppError(
    'forbidden',
    `key ${credential.name} is ${credential.suspension ? 'suspended (dry-run only)' : 'dry-run only'} now; action ${need(state.action, 'action').id} was not run`,
  );
}
