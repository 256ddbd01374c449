/**
 * The state changes of a pending action that are not its execution — expired, superseded,
 * declined, cancelled — each with its audit event in the same transaction, and the one
 * `mcp.tool_called` event of the call that asked for the change, when there is one (the
 * steps that use these then mark the call's event `written`).
 */
import type { AuditDraft, AuditLog } from '../audit/index.js';
import { AppError, type Clock } from '../core/index.js';
import { oauthClientOf } from '../credentials/index.js';
import type { ActionStatus, PendingAction } from '../model/index.js';
import type { Repositories, Store } from '../storage/index.js';
import { type CallContext, callFields } from './call-context.js';
import { outcomeOf } from './call-record.js';

export type PublicStatus = 'pending' | 'approved' | 'declined' | 'expired' | 'cancelled' | 'superseded';
export const PUBLIC_STATUS: Record<ActionStatus, PublicStatus> = {
  pending: 'pending',
  executed: 'approved',
  declined: 'declined',
  expired: 'expired',
  cancelled: 'cancelled',
  superseded: 'superseded',
};

/** The MCP call a decision answers: its tool, its arguments, when it started. */
export interface AskedCall {
  readonly tool: string;
  readonly params: unknown;
  readonly started: number;
}

export function createActionTransitions(deps: {
  store: Pick<Store, 'transaction' | 'pendingActions'>;
  audit: Pick<AuditLog, 'record'>;
  clock: Clock;
}) {
  const { store, audit, clock } = deps;
  const now = () => clock.now().toISOString();

  /**
   * Who asked, for an event recorded without their call (a human's decision, an expiry):
   * the credential's name and environment and, for an OAuth connection, its client.
   */
  async function askedBy(repos: Repositories, action: PendingAction) {
    const key = await repos.apiKeys.findById(action.workspaceId, action.credentialId);
    return {
      workspaceId: action.workspaceId,
      credentialId: action.credentialId,
      ...(key && { credentialName: key.name, environment: key.environment, oauthClient: oauthClientOf(key) }),
    };
  }

  /** Marks a pending action expired once its time is up (lazily, when anyone looks). */
  async function settle(action: PendingAction): Promise<PendingAction> {
    if (action.status !== 'pending' || Date.parse(action.expiresAt) > clock.now().getTime()) return action;
    const at = now();
    await store.transaction(async (repos) => {
      if (
        !(await repos.pendingActions.transition(action.workspaceId, action.id, 'pending', {
          status: 'expired',
          at,
          by: null,
        }))
      )
        return;
      await audit.record(repos, {
        ...(await askedBy(repos, action)),
        memberId: action.memberId,
        action: 'confirmation.expired',
        tool: action.tool,
        outcome: 'denied',
        confirmation: action.id,
      });
    });
    return (await store.pendingActions.findById(action.workspaceId, action.id))!;
  }

  /**
   * The one `mcp.tool_called` event of an MCP call the service answered itself (a status,
   * a cancel, a declined form, a drift): what was called and how it ended. A decision's own
   * `confirmation.*` event is a security event beside it, never instead of it.
   */
  const callEvent = (
    call: CallContext,
    asked: AskedCall,
    action: PendingAction,
    error?: AppError,
  ): AuditDraft => ({
    ...callFields(call),
    action: 'mcp.tool_called',
    tool: asked.tool,
    outcome: error ? outcomeOf(error) : ('ok' as const),
    errorCode: error?.code ?? null,
    params: asked.params,
    result: error ? null : { action: action.id, status: PUBLIC_STATUS[action.status] },
    confirmation: action.id,
    durationMs: clock.now().getTime() - asked.started,
  });

  /**
   * Retires the action (audited) so that its token, form or link can never run it. The MCP
   * call that met it, if any, is refused in the same transaction: its one event.
   */
  async function supersede(
    call: CallContext,
    action: PendingAction,
    detail: Record<string, unknown>,
    refused: { asked: AskedCall | null; error: AppError },
  ) {
    await store.transaction(async (repos) => {
      const moved = await repos.pendingActions.transition(action.workspaceId, action.id, 'pending', {
        status: 'superseded',
        at: now(),
        by: null,
      });
      if (!moved) throw new AppError('conflict', `action ${action.id} was already used or decided`);
      await audit.record(repos, {
        ...callFields(call),
        action: 'confirmation.superseded',
        tool: action.tool,
        outcome: 'denied',
        errorCode: 'conflict',
        confirmation: action.id,
        detail,
      });
      if (refused.asked) await audit.record(repos, callEvent(call, refused.asked, action, refused.error));
    });
  }

  async function decide(
    action: PendingAction,
    status: 'declined' | 'cancelled',
    by: { memberId: string | null; call?: CallContext; asked?: AskedCall },
  ): Promise<void> {
    await store.transaction(async (repos) => {
      const moved = await repos.pendingActions.transition(action.workspaceId, action.id, 'pending', {
        status,
        at: now(),
        by: by.memberId,
      });
      if (!moved) throw new AppError('conflict', `action ${action.id} was already decided`);
      await audit.record(repos, {
        ...(by.call ? callFields(by.call) : await askedBy(repos, action)),
        memberId: by.memberId ?? action.memberId,
        action: `confirmation.${status}`,
        tool: action.tool,
        outcome: 'ok',
        confirmation: action.id,
      });
      if (by.call && by.asked) {
        const decided = { ...action, status };
        await audit.record(repos, callEvent(by.call, by.asked, decided));
      }
    });
  }

  return { settle, callEvent, supersede, decide };
}
