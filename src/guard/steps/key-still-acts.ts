/**
 * Steps of a browser approval before the action runs: the page the approver saw is still
 * the plan (seen-digest), and the key that asked may still act (key-still-acts) — the
 * change runs as that key, with its rights and its attribution, never as the approver.
 */
import { AppError } from '../../core/index.js';
import { keyRefusal, principalOf } from '../../credentials/index.js';
import type { CallContext } from '../call-context.js';
import type { ActionDeps } from '../ports.js';
import { type ActionState, need } from './state.js';

export async function seenDigest(state: ActionState): Promise<ActionState> {
  if (need(state.seenDigest, 'seenDigest') !== need(state.action, 'action').digest)
    throw new AppError('conflict', 'this page is out of date; reload it');
  return state;
}

export async function keyStillActs(state: ActionState, deps: ActionDeps): Promise<ActionState> {
  const action = need(state.action, 'action');
  const { store, clock } = deps;
  const key = await store.apiKeys.findById(action.workspaceId, action.credentialId);
  const member = key && (await store.members.findById(action.workspaceId, key.memberId));
  const refusal =
    key && member
      ? keyRefusal(key, need(state.workspace, 'workspace'), clock.now().getTime())
      : { message: 'the key is gone' };
  if (!key || !member || refusal) {
    throw new AppError(
      'forbidden',
      `the key that asked can no longer act (${refusal?.message}); nothing was done`,
    );
  }
  const plan = action.plan as {
    requestedBy?: { client?: string | null; clientVersion?: string | null; ip?: string | null };
  };
  const call: CallContext = {
    principal: principalOf(key, need(state.workspace, 'workspace'), member),
    requestId: action.id,
    ip: plan.requestedBy?.ip ?? null,
    userAgent: null,
    clientName: plan.requestedBy?.client ?? null,
    clientVersion: plan.requestedBy?.clientVersion ?? null,
  };
  return { ...state, call };
}
