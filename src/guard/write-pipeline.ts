/**
 * The one pipeline every write goes through (DESIGN §3 "Safe writes"):
 *   scopes → freeze → reason / read-first policy → plan (run and roll back) → budget
 *   → dry run | confirmation tier (none: execute; token, elicit, approve: a pending action)
 *   → execute: one transaction holding the change, the ledger entry, an audit comment on
 *     each task and the audit event.
 * Every call leaves exactly one `mcp.tool_called` event; a refusal is recorded before it
 * is returned, and if that record cannot be written the caller gets `unavailable`.
 */
import type { AuditDraft, AuditLog } from '../audit/index.js';
import { AppError, type Clock, type IdGenerator, invalidInput, toAppError } from '../core/index.js';
import type { Actor } from '../domain/index.js';
import type { ConfirmationTier, ObjectChange, PendingAction, Workspace } from '../model/index.js';
import type { Repositories, Store } from '../storage/index.js';
import { assertReason, auditCommentBody } from './audit-comment.js';
import { assertWithinBudget, countWrites, isBudgetRefusal } from './budget.js';
import type { CallContext } from './call-context.js';
import { toActor } from './call-context.js';
import { mintConfirmationToken } from './confirmation-token.js';
import { type Plan, simulate, toPlan } from './plan.js';
import { assertWritesAllowed, type EffectivePolicy, reachableTier } from './policy.js';
import { authorize, callFields, outcomeOf } from './run-tool.js';
import type { Applied, WriteArgs, WriteSpec } from './write-spec.js';

export const TOKEN_TTL_MS = 10 * 60_000;
export const APPROVAL_TTL_MS = 60 * 60_000;

/** The workspace's policy, read on every call so that no instance acts on a stale copy. */
export type PolicySource = (workspace: Workspace) => Promise<EffectivePolicy>;

export interface WriteDeps {
  readonly store: Store;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly policyFor: PolicySource;
  readonly tokenKey: Buffer;
  readonly publicUrl: string;
  readonly logger: { error(obj: unknown, msg: string): void };
}

/** What the client can show a human, as it declared for this request. */
export interface ClientAbilities {
  readonly formElicitation: boolean;
  readonly urlElicitation: boolean;
}

export type WriteResult =
  | { readonly kind: 'done'; readonly applied: Applied; readonly actionId: string | null }
  | { readonly kind: 'dry_run'; readonly plan: Plan }
  | {
      readonly kind: 'pending';
      readonly tier: Exclude<ConfirmationTier, 'none'>;
      readonly plan: Plan;
      readonly action: PendingAction;
      readonly token: string | null;
      readonly approvalUrl: string | null;
    };

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
  readonly event: Pick<AuditDraft, 'action' | 'tool'> & { params?: unknown };
}

export function createWritePipeline(deps: WriteDeps) {
  const { store, audit, clock, ids } = deps;
  const now = () => clock.now().toISOString();

  async function loadPolicy(call: CallContext): Promise<EffectivePolicy> {
    const policy = await deps.policyFor(call.principal.workspace);
    assertWritesAllowed(policy);
    return policy;
  }

  /** Over budget: flag the key and record why, then refuse (the caller records the call). */
  async function refuseOverBudget(call: CallContext, error: AppError): Promise<never> {
    const at = now();
    await store.transaction(async (repos) => {
      await repos.apiKeys.flag(call.principal.workspace.id, call.principal.credential.id, {
        at,
        reason: 'write budget exceeded',
      });
      await audit.record(repos, {
        ...callFields(call),
        action: 'budget.exceeded',
        outcome: 'denied',
        errorCode: 'rate_limited',
        detail: error.detail,
      });
    });
    throw error;
  }

  async function withBudgetRefusal<T>(call: CallContext, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const appError = toAppError(error);
      if (isBudgetRefusal(appError)) return refuseOverBudget(call, appError);
      throw error;
    }
  }

  async function auditComments(
    repos: Repositories,
    exec: Execution,
    changes: readonly ObjectChange[],
    reason: string | undefined,
  ) {
    const { call } = exec;
    for (const change of changes) {
      if (change.kind !== 'task' || change.id === null) continue;
      await repos.comments.insert({
        id: ids('comment'),
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
        via: 'mcp',
        credentialName: call.principal.credential.name,
        createdAt: now(),
      });
    }
  }

  /**
   * Executes the write in one transaction. With an action, it first claims the action
   * (exactly one of any number of concurrent confirmations wins) and refuses, rolling
   * everything back, if the plan's digest is no longer the confirmed one.
   */
  async function execute(exec: Execution, spec: WriteSpec, args: WriteArgs, policy: EffectivePolicy) {
    const started = clock.now().getTime();
    const { call, action } = exec;
    return withBudgetRefusal(call, () =>
      store.transaction(async (repos) => {
        // SECURITY: the budget check and the ledger insert below must not interleave with
        // another write by this credential, or concurrent calls each see room and all run.
        await repos.writeUsage.lockCredential(call.principal.credential.id);
        if (action) {
          const won = await repos.pendingActions.transition(action.workspaceId, action.id, 'pending', {
            status: 'executed',
            at: now(),
            by: exec.approvedBy?.id ?? null,
          });
          if (!won) throw new AppError('conflict', `action ${action.id} was already used or decided`);
        }
        const applied = await spec.apply(exec.actor, args, repos);
        if (action) {
          const plan = toPlan(spec, args, applied);
          if (plan.digest !== action.digest) throw new PlanDrift(plan);
        }
        const count = countWrites(applied.changes);
        await assertWithinBudget(repos, clock, call.principal.credential, policy, count);
        await repos.writeUsage.insert({
          id: ids('writeUsage'),
          workspaceId: call.principal.workspace.id,
          credentialId: call.principal.credential.id,
          ...count,
          at: now(),
        });
        await auditComments(repos, exec, applied.changes, args.reason);
        await audit.record(repos, {
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
        return applied;
      }),
    ).then((applied) => {
      ctxAudited(call);
      return applied;
    });
  }

  async function createPending(
    call: CallContext,
    plan: Plan,
    tier: Exclude<ConfirmationTier, 'none'>,
    started: number,
    /** false when the call that led here records its own event (a confirmation that drifted). */
    options: { recordCall: boolean } = { recordCall: true },
  ) {
    const createdAt = clock.now();
    const action: PendingAction = {
      id: ids('action'),
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
    await store.transaction(async (repos) => {
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
    if (options.recordCall) ctxAudited(call);
    return {
      kind: 'pending' as const,
      tier,
      plan,
      action,
      token: tier === 'token' ? mintConfirmationToken(deps.tokenKey, action) : null,
      approvalUrl: tier === 'approve' ? `${deps.publicUrl}/admin/approvals/${action.id}` : null,
    };
  }

  /** Records a refused or failed call (nothing changed), then hands the error back. */
  async function recordRefusal(
    call: CallContext,
    tool: string,
    args: unknown,
    error: unknown,
    started: number,
  ): Promise<AppError> {
    const appError = toAppError(error);
    if (appError.code === 'internal') deps.logger.error({ err: error, tool }, 'write failed');
    try {
      await audit.append({
        ...callFields(call),
        action: 'mcp.tool_called',
        tool,
        outcome: outcomeOf(appError),
        errorCode: appError.code,
        params: args,
        durationMs: clock.now().getTime() - started,
        ...(Object.keys(appError.detail).length && { detail: { error: appError.publicMessage } }),
      });
    } catch (auditError) {
      return auditUnavailable(call, auditError, deps.logger);
    }
    ctxAudited(call);
    if (appError.code === 'unavailable') call.databaseUnavailable = true;
    return appError;
  }

  return {
    execute,
    recordRefusal,
    createPending,
    loadPolicy,
    withBudgetRefusal,

    async run(
      call: CallContext,
      spec: WriteSpec,
      args: WriteArgs,
      client: ClientAbilities,
    ): Promise<WriteResult> {
      const started = clock.now().getTime();
      try {
        authorize(call, spec);
        const policy = await loadPolicy(call);
        assertReason(args.reason, policy.requireReason);
        const missing = policy.requireReadFirst ? (spec.missingVersions?.(args) ?? []) : [];
        if (missing.length) {
          throw invalidInput(
            missing.map((field) => ({
              field,
              message:
                'is required by this workspace (read first): read the current state and pass its version',
            })),
          );
        }
        const actor = toActor(call.principal);
        const plan = await simulate(store, spec, actor, args);
        await withBudgetRefusal(call, () =>
          assertWithinBudget(store, clock, call.principal.credential, policy, countWrites(plan.changes)),
        );
        if (args.dry_run === true || call.principal.credential.dryRunOnly) {
          await audit
            .append({
              ...callFields(call),
              action: 'mcp.tool_called',
              tool: spec.name,
              outcome: 'dry_run',
              params: args,
              result: { digest: plan.digest, objects: plan.changes.length },
              changes: plan.changes,
              reason: args.reason ?? null,
              durationMs: clock.now().getTime() - started,
            })
            .catch((error: unknown) => {
              throw auditUnavailable(call, error, deps.logger);
            });
          ctxAudited(call);
          return { kind: 'dry_run', plan };
        }
        const tier = reachableTier(
          plan.changes.length ? policy.tiers[plan.risk] : 'none',
          client.formElicitation,
        );
        if (tier === 'none') {
          const exec: Execution = {
            call,
            actor,
            action: null,
            approvedBy: null,
            event: { action: 'mcp.tool_called', tool: spec.name },
          };
          return { kind: 'done', applied: await execute(exec, spec, args, policy), actionId: null };
        }
        return await createPending(call, plan, tier, started);
      } catch (error) {
        if (call.auditFailed) throw error;
        throw await recordRefusal(call, spec.name, args, error, started);
      }
    },
  };
}

export type WritePipeline = ReturnType<typeof createWritePipeline>;

function ctxAudited(call: CallContext) {
  call.toolCallsAudited++;
}

/** SECURITY: fail closed — a call whose record cannot be written returns nothing. */
export function auditUnavailable(call: CallContext, error: unknown, logger: WriteDeps['logger']): AppError {
  logger.error({ err: error }, 'audit write failed');
  call.auditFailed = true;
  return new AppError('unavailable', 'audit log unavailable; nothing was changed', { cause: error });
}
