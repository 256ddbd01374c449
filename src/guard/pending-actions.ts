/**
 * What happens to a pending action after the call that planned it: confirmed by its
 * token (`confirm_action`), accepted or declined in a form elicitation, approved or
 * declined by a signed-in member in the browser, cancelled, or left to expire. Each path
 * re-plans against the current state and executes only if the digest still matches; each
 * decision is an audit event. Only the credential that asked can confirm, cancel or ask
 * about an action over MCP; only a human session can approve one of the `approve` tier.
 * A confirmation weaker than what the policy asks for now is refused, and whatever is
 * re-issued (after a tightening or a drift) is never weaker than the action it replaces.
 */
import type { AuditLog } from '../audit/index.js';
import { AppError, type Clock } from '../core/index.js';
import { keyRefusal, principalOf } from '../credentials/index.js';
import type { ConfirmationTier, Member, PendingAction, RiskClass, Workspace } from '../model/index.js';
import type { Store } from '../storage/index.js';
import { type AskedCall, createActionTransitions, PUBLIC_STATUS } from './action-transitions.js';
import { type CallContext, toActor } from './call-context.js';
import { actionIdOf, tokenMatches } from './confirmation-token.js';
import { type Plan, simulate } from './plan.js';
import { reachableTier, strongerTier, tierRank } from './policy.js';
import { authorize } from './run-tool.js';
import type { ClientAbilities, WritePipeline } from './write-pipeline.js';
import { auditUnavailable, PlanDrift } from './write-pipeline.js';
import type { Applied, WriteArgs, WriteSpec } from './write-spec.js';

export interface ActionDeps {
  readonly store: Store;
  readonly logger: { error(obj: unknown, msg: string): void };
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly tokenKey: Buffer;
  readonly pipeline: WritePipeline;
  readonly specs: ReadonlyMap<string, WriteSpec>;
}

type Reissued = Awaited<ReturnType<WritePipeline['createPending']>>;

export type ConfirmResult =
  | { readonly kind: 'done'; readonly applied: Applied; readonly action: PendingAction }
  /**
   * The state moved on since the plan: nothing was done; here is the new plan, re-issued
   * at the action's tier or the policy's, whichever is stronger (none for a browser approval).
   */
  | { readonly kind: 'drift'; readonly plan: Plan; readonly next: Reissued | null }
  /** The policy now asks more than the action's tier: nothing was done; re-issued at `required`. */
  | {
      readonly kind: 'tightened';
      readonly plan: Plan;
      readonly from: ConfirmationTier;
      readonly required: ConfirmationTier;
      readonly next: Reissued;
    };

const driftError = (action: PendingAction) =>
  new AppError('conflict', `the data changed since action ${action.id} was planned; nothing was done`);

/**
 * `confirm_action` and a browser approval cannot carry a new elicitation back (only the
 * write tool's own retry can), so what they re-issue falls back like a client without UI.
 */
const NO_CLIENT_UI: ClientAbilities = Object.freeze({ formElicitation: false, urlElicitation: false });

const unknownAction = () => new AppError('not_found', 'no such pending action for this credential');

export function createActionService(deps: ActionDeps) {
  const { store, audit, clock, pipeline } = deps;
  const now = () => clock.now().toISOString();
  const { settle, callEvent, supersede, decide } = createActionTransitions(deps);

  const specOf = (action: PendingAction) => {
    const spec = deps.specs.get(action.tool);
    if (!spec) throw new AppError('internal', `no write tool ${action.tool}`);
    return spec;
  };

  async function ownAction(call: CallContext, id: string): Promise<PendingAction> {
    const action = await store.pendingActions.findById(call.principal.workspace.id, id);
    if (!action || action.credentialId !== call.principal.credential.id) throw unknownAction();
    return settle(action);
  }

  function assertOpen(action: PendingAction) {
    if (action.status === 'pending') return;
    throw new AppError(
      'conflict',
      `action ${action.id} is ${PUBLIC_STATUS[action.status]}; it can no longer be confirmed`,
      {
        detail: { status: PUBLIC_STATUS[action.status] },
      },
    );
  }

  async function byToken(call: CallContext, token: string): Promise<PendingAction> {
    const id = actionIdOf(token);
    if (!id)
      throw new AppError('invalid_input', 'token: is not a confirmation token (tgc_…)', {
        detail: { fields: [{ field: 'token', message: 'is not a confirmation token' }] },
      });
    const action = await ownAction(call, id);
    // SECURITY: the MAC binds credential, tool, digest and expiry; only token-tier actions have one.
    if (action.tier !== 'token' || !tokenMatches(deps.tokenKey, token, action)) throw unknownAction();
    return action;
  }

  /**
   * SECURITY: the policy now asks more for this risk class than the action was issued
   * with (an owner tightened it while the action waited). The old confirmation is refused
   * and the change, re-planned from the current state, waits at the tier asked for now.
   */
  async function reissueStronger(
    call: CallContext,
    action: PendingAction,
    required: ConfirmationTier,
    client: ClientAbilities,
    asked: AskedCall | null,
  ): Promise<ConfirmResult> {
    const plan = await simulate(store, specOf(action), toActor(call.principal), action.args as WriteArgs);
    const error = new AppError(
      'forbidden',
      `the workspace policy now asks for ${required} on ${plan.risk} changes; action ${action.id} was issued at ${action.tier} and nothing was done`,
    );
    await supersede(
      call,
      action,
      { reason: 'policy_tightened', tier: action.tier, required },
      { asked, error },
    );
    const tier = reachableTier(required, client.formElicitation) as Exclude<ConfirmationTier, 'none'>;
    const next = await pipeline.createPending(call, plan, tier, clock.now().getTime(), {
      recordCall: !asked,
    });
    return { kind: 'tightened', plan, from: action.tier, required, next };
  }

  /** Re-plans and executes the action as `call`'s credential, or reports the drift. */
  async function executeAction(
    call: CallContext,
    action: PendingAction,
    event: { action: string; tool: string; params?: unknown },
    approvedBy: { id: string; email: string } | null,
    client: ClientAbilities,
  ): Promise<ConfirmResult> {
    const started = clock.now().getTime();
    // An MCP call refused below ends with its own event; a browser approval is no MCP call.
    const asked =
      event.action === 'mcp.tool_called' ? { tool: event.tool, params: event.params, started } : null;
    const spec = specOf(action);
    // Rights are checked again: the member's role may have shrunk since the plan.
    authorize(call, spec);
    const policy = await pipeline.loadPolicy(call);
    // An action of a risk class this version does not know waits for the strongest tier.
    const required = policy.tiers[action.risk as RiskClass] ?? 'approve';
    if (tierRank(required) > tierRank(action.tier)) {
      return reissueStronger(call, action, required, client, asked);
    }
    const exec = { call, actor: toActor(call.principal), action, approvedBy, event };
    try {
      return {
        kind: 'done',
        applied: await pipeline.execute(exec, spec, action.args as WriteArgs, policy),
        action,
      };
    } catch (error) {
      if (!(error instanceof PlanDrift)) throw error;
      await supersede(
        call,
        action,
        { plannedDigest: action.digest, currentDigest: error.plan.digest },
        { asked, error: driftError(action) },
      );
      // SECURITY: never weaker than it was: an elicit action does not come back as a token.
      const tier = reachableTier(
        strongerTier(action.tier, policy.tiers[error.plan.risk]),
        client.formElicitation,
      ) as Exclude<ConfirmationTier, 'none'>;
      const next =
        action.tier === 'approve'
          ? null
          : await pipeline.createPending(call, error.plan, tier, clock.now().getTime(), {
              recordCall: !asked,
            });
      return { kind: 'drift', plan: error.plan, next };
    }
  }

  return {
    /** `confirm_action`: the token's action, re-planned and executed if nothing drifted. */
    async confirm(call: CallContext, token: string): Promise<ConfirmResult> {
      const action = await byToken(call, token);
      assertOpen(action);
      return executeAction(
        call,
        action,
        { action: 'mcp.tool_called', tool: 'confirm_action', params: { token } },
        null,
        NO_CLIENT_UI,
      );
    },

    /** `cancel_action`: the cancellation and the call's own event, in one transaction. */
    async cancel(call: CallContext, token: string): Promise<PendingAction> {
      const started = clock.now().getTime();
      const action = await byToken(call, token);
      assertOpen(action);
      const asked = { tool: 'cancel_action', params: { token }, started };
      await decide(action, 'cancelled', { memberId: call.principal.member.id, call, asked });
      return (await store.pendingActions.findById(action.workspaceId, action.id))!;
    },

    /** The answer to a form elicitation, carried back by the client's retry. */
    async answerElicitation(
      call: CallContext,
      id: string,
      accepted: boolean,
      toolName: string,
      // What the retrying client can show, for a re-issued action; without it, the browser.
      client: ClientAbilities = NO_CLIENT_UI,
    ): Promise<ConfirmResult | { kind: 'declined' }> {
      const started = clock.now().getTime();
      const action = await ownAction(call, id);
      if (action.tier !== 'elicit' || action.tool !== toolName) throw unknownAction();
      assertOpen(action);
      if (!accepted) {
        const asked = { tool: toolName, params: { action: id, accepted }, started };
        await decide(action, 'declined', { memberId: call.principal.member.id, call, asked });
        return { kind: 'declined' };
      }
      return executeAction(call, action, { action: 'mcp.tool_called', tool: toolName }, null, client);
    },

    /**
     * `get_action_status`, or the retry of a write whose approval was asked by URL (then
     * `tool` is that write): the action's state, recorded as the call's one event.
     */
    async status(call: CallContext, id: string, tool = 'get_action_status') {
      const started = clock.now().getTime();
      const action = await ownAction(call, id);
      try {
        await audit.append(callEvent(call, { tool, params: { action_id: id }, started }, action));
      } catch (error) {
        throw auditUnavailable(call, error, deps.logger);
      }
      call.toolCallsAudited++;
      return { action, status: PUBLIC_STATUS[action.status] };
    },

    /** Pending approvals a signed-in member may decide. */
    async pendingFor(member: Member, mayApproveOthers: boolean): Promise<PendingAction[]> {
      const all = await store.pendingActions.listPending(member.workspaceId, now());
      return all.filter((a) => a.tier === 'approve' && (a.memberId === member.id || mayApproveOthers));
    },

    /** An action as a signed-in member may see it, or not_found. */
    async forApprover(member: Member, id: string, mayApproveOthers: boolean): Promise<PendingAction> {
      const action = await store.pendingActions.findById(member.workspaceId, id);
      if (action?.tier !== 'approve' || !(action.memberId === member.id || mayApproveOthers)) {
        throw new AppError('not_found', 'no such action awaiting your approval');
      }
      return settle(action);
    },

    /**
     * Browser approval: executes as the credential that asked, if that key may still act,
     * and only if the plan still matches what the approver saw.
     */
    async approve(
      approver: Member,
      workspace: Workspace,
      action: PendingAction,
      seenDigest: string,
    ): Promise<ConfirmResult> {
      assertOpen(action);
      if (seenDigest !== action.digest) throw new AppError('conflict', 'this page is out of date; reload it');
      const key = await store.apiKeys.findById(action.workspaceId, action.credentialId);
      const member = key && (await store.members.findById(action.workspaceId, key.memberId));
      const refusal =
        key && member ? keyRefusal(key, workspace, clock.now().getTime()) : { message: 'the key is gone' };
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
        principal: principalOf(key, workspace, member),
        requestId: action.id,
        ip: plan.requestedBy?.ip ?? null,
        userAgent: null,
        clientName: plan.requestedBy?.client ?? null,
        clientVersion: plan.requestedBy?.clientVersion ?? null,
        auditFailed: false,
        toolCallsAudited: 0,
      };
      return executeAction(
        call,
        action,
        { action: 'confirmation.approved', tool: action.tool },
        { id: approver.id, email: approver.email },
        NO_CLIENT_UI,
      );
    },

    async decline(approver: Member, action: PendingAction): Promise<void> {
      assertOpen(action);
      await decide(action, 'declined', { memberId: approver.id });
    },
  };
}

export type ActionService = ReturnType<typeof createActionService>;
export type { ClientAbilities };
