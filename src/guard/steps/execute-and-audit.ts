/**
 * Step execute-and-audit: one transaction holding the change, the budget ledger entry, an
 * audit comment on each task and the call's audit event. With a pending action it first
 * claims the action (exactly one of any number of concurrent confirmations wins) and rolls
 * everything back if the plan's digest is no longer the confirmed one.
 */
import { AppError } from '../../core/index.js';
import type { Actor } from '../../domain/index.js';
import type { Comment, ObjectChange, PendingAction } from '../../model/index.js';
import { auditCommentBody } from '../audit-comment.js';
import { assertRoom, budgetWindowStart, countWrites } from '../budget.js';
import { type CallContext, callFields } from '../call-context.js';
import { type Plan, toPlan } from '../plan.js';
import type { WriteDeps } from '../ports.js';
import { assertTierHolds, recheckWrite } from '../write-recheck.js';
import type { Applied, WriteArgs, WriteSpec } from '../write-spec.js';
import { withBudgetRefusal } from './budget.js';
import { need, type WriteState } from './state.js';

/** Raised inside an execution whose plan no longer matches the confirmed one; rolls it back. */
export class PlanDrift extends Error {
  constructor(readonly plan: Plan) {
    super('plan drifted');
  }
}

/** Who an execution acts for, and how it was confirmed. */
export interface Execution {
  readonly call: CallContext;
  readonly actor: Actor;
  readonly action: PendingAction | null;
  /** The member who approved in the browser, when that is how it was confirmed. */
  readonly approvedBy: { readonly id: string; readonly email: string } | null;
  /** The audit event's action and tool (`mcp.tool_called` + the tool that was called). */
  readonly event: { readonly action: string; readonly tool: string; readonly params?: unknown };
}

export async function executeAndAudit(state: WriteState, deps: WriteDeps): Promise<WriteState> {
  const exec: Execution = {
    call: state.call,
    actor: need(state.actor, 'actor'),
    action: null,
    approvedBy: null,
    event: { action: 'mcp.tool_called', tool: state.spec.name },
  };
  const applied = await execute(deps, exec, state.spec, state.args);
  return {
    ...state,
    result: { kind: 'done', applied, actionId: null },
    event: 'written',
    ...(applied.auditEventId && { eventId: applied.auditEventId }),
  };
}

/**
 * Runs the write in its transaction, after checking again, under its locks, what may have
 * changed while it waited (write-recheck.ts): the key, its member and the workspace policy.
 */
export function execute(
  deps: WriteDeps,
  exec: Execution,
  spec: WriteSpec,
  args: WriteArgs,
): Promise<Applied> {
  const { clock, ids, audit } = deps;
  const now = () => clock.now().toISOString();
  const started = clock.now().getTime();
  const { call, action } = exec;
  // A key's writes queue on its budget lock anyway; on PostgreSQL they then share a transaction.
  const group = `write-budget:${call.principal.credential.id}`;
  return withBudgetRefusal(deps, call, () =>
    deps.store.transaction(
      async (repos) => {
        // SECURITY: the budget check and the ledger insert below must not interleave with
        // another write by this credential, or concurrent calls each see room and all run;
        // and a revocation, narrowing or freeze that came while this write waited stops it.
        const writer = await repos.writeUsage.lockForWrite(
          call.principal.workspace.id,
          call.principal.credential.id,
        );
        const { actor, policy } = recheckWrite(writer, call, exec.actor, spec, args, clock.now());
        if (action) {
          const won = await repos.pendingActions.transition(action.workspaceId, action.id, 'pending', {
            status: 'executed',
            at: now(),
            by: exec.approvedBy?.id ?? null,
          });
          if (!won) throw new AppError('conflict', `action ${action.id} was already used or decided`);
        }
        const applied = await spec.apply(actor, args, repos);
        if (applied.changes.length) assertTierHolds(policy, spec, args, action?.tier ?? 'none');
        if (action) {
          const plan = toPlan(spec, args, applied);
          if (plan.digest !== action.digest) throw new PlanDrift(plan);
        }
        const count = countWrites(applied.changes);
        const event = audit.prepare({
          ...callFields(call),
          ...exec.event,
          outcome: 'ok',
          params: exec.event.params ?? args,
          result: applied.result,
          changes: applied.changes,
          reason: args.reason ?? null,
          confirmation: action?.id ?? null,
          durationMs: clock.now().getTime() - started,
          ...(exec.approvedBy && { detail: { approvedBy: exec.approvedBy } }),
        });
        // The ledger row, the audit comments, the window's usage and, where the store can, the
        // audit event in one statement (PostgreSQL); over the budget, the refusal rolls them back
        // with everything else.
        const total = await repos.writeUsage.insert(
          {
            id: ids('writeUsage'),
            workspaceId: call.principal.workspace.id,
            credentialId: call.principal.credential.id,
            ...count,
            at: now(),
          },
          budgetWindowStart(clock, policy),
          auditComments(deps, exec, applied.changes, args.reason),
          event,
        );
        const used = { writes: total.writes - count.writes, deletes: total.deletes - count.deletes };
        assertRoom(call.principal.credential, policy, used, count);
        await audit.recordPrepared(repos, event, total.placed);
        return { ...applied, auditEventId: event.id };
      },
      { group },
    ),
  );
}

/** A comment on each task the write changed, saying who changed it, with which key and why. */
function auditComments(
  deps: WriteDeps,
  exec: Execution,
  changes: readonly ObjectChange[],
  reason: string | undefined,
): Comment[] {
  const { call } = exec;
  return changes.flatMap((change) =>
    change.kind !== 'task' || change.id === null
      ? []
      : [
          {
            id: deps.ids('comment'),
            workspaceId: call.principal.workspace.id,
            taskId: change.id,
            authorId: exec.actor.memberId,
            body: auditCommentBody({
              op: change.op,
              credentialName: call.principal.credential.name,
              clientName: call.clientName,
              clientVersion: call.clientVersion,
              approvedBy: exec.approvedBy?.email ?? null,
              reason,
            }),
            via: 'mcp' as const,
            credentialName: call.principal.credential.name,
            createdAt: deps.clock.now().toISOString(),
          },
        ],
  );
}
