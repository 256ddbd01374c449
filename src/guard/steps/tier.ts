/**
 * Step tier: the confirmation the policy asks for this risk class, as far as the client can
 * show it. `none` goes on to execute; `token`, `elicit` and `approve` leave a pending action
 * (and its `confirmation.requested` event) as the call's answer.
 */
import type { ConfirmationTier, PendingAction } from '../../model/index.js';
import { type CallContext, callFields } from '../call-context.js';
import { mintConfirmationToken } from '../confirmation-token.js';
import type { Plan } from '../plan.js';
import { reachableTier } from '../policy.js';
import type { WriteDeps } from '../ports.js';
import { need, type Pending, type WriteState } from './state.js';

export const TOKEN_TTL_MS = 10 * 60_000;
export const APPROVAL_TTL_MS = 60 * 60_000;

export async function tier(state: WriteState, deps: WriteDeps): Promise<WriteState> {
  const plan = need(state.plan, 'plan');
  const policy = need(state.policy, 'policy');
  const asked = reachableTier(
    plan.changes.length ? policy.tiers[plan.risk] : 'none',
    state.client.formElicitation,
  );
  if (asked === 'none') return state;
  const pending = await createPending(deps, state.call, plan, asked, state.started);
  return { ...state, result: pending, event: 'written' };
}

/**
 * The pending action and its `confirmation.requested` event, with the call's own event in
 * the same transaction unless the call that led here records its own (a confirmation that
 * was refused and re-issued).
 */
export async function createPending(
  deps: WriteDeps,
  call: CallContext,
  plan: Plan,
  tier: Exclude<ConfirmationTier, 'none'>,
  started: number,
  options: { recordCall: boolean } = { recordCall: true },
): Promise<Pending> {
  const { audit, clock } = deps;
  const createdAt = clock.now();
  const action: PendingAction = {
    id: deps.ids('action'),
    workspaceId: call.principal.workspace.id,
    credentialId: call.principal.credential.id,
    memberId: call.principal.member.id,
    tool: plan.tool,
    args: plan.args,
    digest: plan.digest,
    risk: plan.risk,
    tier,
    plan: {
      preview: plan.preview,
      changes: plan.changes,
      requestedBy: {
        credential: call.principal.credential.name,
        client: call.clientName,
        clientVersion: call.clientVersion,
        ip: call.ip,
      },
    },
    status: 'pending',
    createdAt: createdAt.toISOString(),
    expiresAt: new Date(
      createdAt.getTime() + (tier === 'approve' ? APPROVAL_TTL_MS : TOKEN_TTL_MS),
    ).toISOString(),
    decidedAt: null,
    decidedBy: null,
    result: null,
  };
  await deps.store.transaction(async (repos) => {
    await repos.pendingActions.insert(action);
    if (options.recordCall)
      await audit.record(repos, {
        ...callFields(call),
        action: 'mcp.tool_called',
        tool: plan.tool,
        outcome: 'pending',
        params: plan.args,
        result: { digest: plan.digest, objects: plan.changes.length },
        reason: typeof plan.args.reason === 'string' ? plan.args.reason : null,
        confirmation: action.id,
        durationMs: clock.now().getTime() - started,
        detail: { tier },
      });
    await audit.record(repos, {
      ...callFields(call),
      action: 'confirmation.requested',
      tool: plan.tool,
      outcome: 'pending',
      confirmation: action.id,
      detail: { tier, digest: plan.digest, expiresAt: action.expiresAt },
    });
  });
  return {
    kind: 'pending',
    tier,
    plan,
    action,
    token: tier === 'token' ? mintConfirmationToken(deps.tokenKey, action) : null,
    approvalUrl: tier === 'approve' ? `${deps.publicUrl}/admin/approvals/${action.id}` : null,
  };
}
