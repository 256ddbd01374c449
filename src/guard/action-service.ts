/**
 * What happens to a pending action after the call that planned it: confirmed by its token
 * (`confirm_action`), accepted or declined in a form elicitation, approved or declined by a
 * signed-in member in the browser, cancelled, or left to expire. Each is an entry of the
 * pipeline (`pipeline.ts`): it re-plans against the current state and executes only if the
 * digest still matches, and each decision is an audit event. Only the credential that asked
 * can confirm, cancel or ask about an action over MCP; only a human session can approve one
 * of the `approve` tier. A confirmation weaker than what the policy asks for now is refused,
 * and whatever is re-issued (after a tightening or a drift) is never weaker than before.
 */
import { AppError, type Clock } from '../core/index.js';
import { canManageMembers } from '../domain/index.js';
import type { Member, PendingAction, Workspace } from '../model/index.js';
import { createActionTransitions, type PublicStatus } from './action-transitions.js';
import type { CallContext } from './call-context.js';
import { type Ran, unwrap } from './call-record.js';
import {
  BROWSER_APPROVAL,
  BROWSER_DECLINE,
  CANCEL,
  CONFIRM,
  ELICITATION_ANSWER,
  STATUS,
} from './pipeline.js';
import type { ActionDeps, GuardStore, Logger, WriteDeps } from './ports.js';
import { runEntry } from './runner.js';
import type { ActionResult, ActionState, ClientAbilities, ConfirmResult } from './steps/state.js';
import type { WritePipeline } from './write-service.js';
import type { WriteSpec } from './write-spec.js';

export interface ActionServiceDeps {
  readonly store: GuardStore;
  readonly logger: Logger;
  readonly audit: WriteDeps['audit'];
  readonly clock: Clock;
  readonly tokenKey: Buffer;
  readonly pipeline: WritePipeline;
  readonly specs: ReadonlyMap<string, WriteSpec>;
}

/**
 * `confirm_action` and a browser approval cannot carry a new elicitation back (only the
 * write tool's own retry can), so what they re-issue falls back like a client without UI.
 */
const NO_CLIENT_UI: ClientAbilities = Object.freeze({ formElicitation: false, urlElicitation: false });

type Status = { readonly action: PendingAction; readonly status: PublicStatus };

export function createActionService(service: ActionServiceDeps) {
  const deps: ActionDeps = { ...service.pipeline.deps, ...service, specs: service.specs };
  const { store, clock } = deps;
  const { settle } = createActionTransitions(deps);

  /** The state of an MCP call that names an action: it is `asked`, and refused as itself. */
  const mcpCall = (call: CallContext, tool: string, args: unknown, client = NO_CLIENT_UI): ActionState => {
    const started = clock.now().getTime();
    return {
      call,
      tool,
      args,
      started,
      client,
      asked: { tool, params: undefined, started },
      execEvent: { action: 'mcp.tool_called', tool },
      approvedBy: null,
    };
  };
  const run = (entry: typeof CONFIRM, state: ActionState) =>
    runEntry<ActionResult, ActionState, ActionDeps>(entry, state, deps);

  const calls = {
    /** `confirm_action`: the token's action, re-planned and executed if nothing drifted. */
    confirm(call: CallContext, token: string, args: unknown = { token }): Promise<Ran<ConfirmResult>> {
      const state = mcpCall(call, 'confirm_action', args);
      const params = { token };
      return run(CONFIRM, {
        ...state,
        token,
        asked: { ...state.asked!, params },
        execEvent: { ...state.execEvent, params },
      }) as Promise<Ran<ConfirmResult>>;
    },
    /** `cancel_action`: the cancellation and the call's own event, in one transaction. */
    cancel(
      call: CallContext,
      token: string,
      args: unknown = { token },
    ): Promise<Ran<{ kind: 'cancelled'; action: PendingAction }>> {
      return run(CANCEL, { ...mcpCall(call, 'cancel_action', args), token }) as Promise<
        Ran<{ kind: 'cancelled'; action: PendingAction }>
      >;
    },
    /**
     * `get_action_status`, or the retry of a write whose approval was asked by URL (then
     * `tool` is that write): the action's state, recorded as the call's one event.
     */
    status(
      call: CallContext,
      id: string,
      tool = 'get_action_status',
      args: unknown = { action_id: id },
    ): Promise<Ran<Status>> {
      return run(STATUS, { ...mcpCall(call, tool, args), actionId: id }) as Promise<Ran<Status>>;
    },
    /** The answer to a form elicitation, carried back by the write tool's retry. */
    answer(
      call: CallContext,
      id: string,
      accepted: boolean,
      tool: string,
      client: ClientAbilities,
      args: unknown,
    ): Promise<Ran<ConfirmResult | { kind: 'declined' }>> {
      return run(ELICITATION_ANSWER, {
        ...mcpCall(call, tool, args, client),
        actionId: id,
        accepted,
      }) as Promise<Ran<ConfirmResult | { kind: 'declined' }>>;
    },
  };

  /** The same decision for a signed-in member in the browser: runs as the key that asked. */
  const browser = (action: PendingAction, approver: Member, extra: Partial<ActionState>): ActionState => ({
    tool: action.tool,
    args: undefined,
    started: clock.now().getTime(),
    client: NO_CLIENT_UI,
    asked: null,
    execEvent: { action: 'confirmation.approved', tool: action.tool },
    approvedBy: { id: approver.id, email: approver.email },
    event: 'none',
    action,
    ...extra,
  });

  return {
    /** The MCP entries, each with the record of its call's one audit event. */
    calls,

    async confirm(call: CallContext, token: string): Promise<ConfirmResult> {
      return unwrap(await calls.confirm(call, token));
    },

    async cancel(call: CallContext, token: string): Promise<PendingAction> {
      return unwrap(await calls.cancel(call, token)).action;
    },

    async answerElicitation(
      call: CallContext,
      id: string,
      accepted: boolean,
      toolName: string,
      // What the retrying client can show, for a re-issued action; without it, the browser.
      client: ClientAbilities = NO_CLIENT_UI,
    ): Promise<ConfirmResult | { kind: 'declined' }> {
      return unwrap(await calls.answer(call, id, accepted, toolName, client, undefined));
    },

    async status(call: CallContext, id: string, tool = 'get_action_status'): Promise<Status> {
      const { action, status } = unwrap(await calls.status(call, id, tool));
      return { action, status };
    },

    /** Pending approvals a signed-in member may decide. */
    async pendingFor(member: Member, mayApproveOthers: boolean): Promise<PendingAction[]> {
      const all = await store.pendingActions.listPending(member.workspaceId, clock.now().toISOString());
      return all.filter((a) => a.tier === 'approve' && (a.memberId === member.id || mayApproveOthers));
    },

    /**
     * Decided approvals (the `approve` tier), newest decision first, a page at a time:
     * owners and admins see the workspace's, a member or viewer only those asked for them.
     */
    async decidedFor(
      member: Member,
      page: { readonly after?: { decidedAt: string; id: string }; readonly limit: number },
    ): Promise<PendingAction[]> {
      return store.pendingActions.listDecided(member.workspaceId, {
        tier: 'approve',
        ...(!canManageMembers(member.role) && { memberId: member.id }),
        ...(page.after && { after: page.after }),
        limit: page.limit,
      });
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
      const ran = await run(BROWSER_APPROVAL, browser(action, approver, { workspace, seenDigest }));
      return unwrap(ran) as ConfirmResult;
    },

    async decline(approver: Member, action: PendingAction): Promise<void> {
      unwrap(await run(BROWSER_DECLINE, browser(action, approver, {})));
    },
  };
}

export type ActionService = ReturnType<typeof createActionService>;
