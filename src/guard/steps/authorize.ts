/**
 * Step authorize: the credential's scopes (already cut to the member's role) must cover the
 * tool's. Projects are enforced by the domain through the actor, not here.
 */
import { AppError } from '../../core/index.js';
import type { Scope } from '../../credentials/index.js';
import type { CallContext } from '../call-context.js';
import type { Flow } from '../runner.js';
import { need } from './state.js';

export interface GuardedTool {
  readonly name: string;
  readonly scopes: readonly Scope[];
}

export function missingScopes(granted: readonly Scope[], required: readonly Scope[]): Scope[] {
  return required.filter((scope) => !granted.includes(scope));
}

export function assertScopes(call: CallContext, tool: GuardedTool): void {
  const { credential } = call.principal;
  const missing = missingScopes(credential.scopes, tool.scopes);
  if (missing.length) {
    throw new AppError(
      'forbidden',
      `missing scope ${missing.join(' ')}: ${tool.name} needs ${tool.scopes.join(' ')}; key ${credential.name} has ${credential.scopes.join(' ') || 'none'}${suspendedNote(credential)}`,
      { detail: { requiredScopes: tool.scopes, missingScopes: missing } },
    );
  }
}

function suspendedNote(credential: CallContext['principal']['credential']): string {
  const s = credential.suspension;
  if (s)
    return ` (it is suspended ${s.mode === 'read_only' ? 'read-only' : 'dry-run only'} since ${s.at}: ${s.reason}; an owner or admin lifts it)`;
  return credential.readOnly ? ' (it is read-only)' : '';
}

/** For a confirmation the tool is the action's, looked up by an earlier step: rights may have shrunk since. */
export async function authorize<
  S extends Flow<unknown> & { readonly call?: CallContext; readonly spec?: GuardedTool },
>(state: S): Promise<S> {
  assertScopes(need(state.call, 'call'), need(state.spec, 'spec'));
  return state;
}
