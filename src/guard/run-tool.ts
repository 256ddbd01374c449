/**
 * The one pipeline every tool call goes through, top to bottom:
 *   authorize (credential scopes ∩ role; projects are enforced by the domain via the actor)
 *   → execute → audit.
 * Reads are recorded after they run and before their result leaves; if the record cannot
 * be written the result is withheld and the request fails closed. (Policy, plans,
 * dry-run and confirmation for writes slot in between authorize and execute.)
 */
import type { AuditLog } from '../audit/index.js';
import { AppError, type Clock, toAppError } from '../core/index.js';
import type { Scope } from '../credentials/index.js';
import type { CallContext } from './call-context.js';

export interface GuardedTool {
  readonly name: string;
  readonly scopes: readonly Scope[];
}

export interface GuardDeps {
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly logger: { error(obj: unknown, msg: string): void };
}

export type ToolOutcome<T> = { ok: true; value: T } | { ok: false; error: AppError };

/** The audit fields every event about a call carries: who, with which key, from where. */
export function callFields(ctx: CallContext) {
  const { principal } = ctx;
  return {
    workspaceId: principal.workspace.id,
    memberId: principal.member.id,
    credentialId: principal.credential.id,
    credentialName: principal.credential.name,
    oauthClient: principal.credential.oauthClient,
    environment: principal.credential.environment,
    ip: ctx.ip,
    userAgent: ctx.userAgent,
    clientName: ctx.clientName,
    clientVersion: ctx.clientVersion,
    requestId: ctx.requestId,
  };
}

export const outcomeOf = (error: AppError) =>
  error.code === 'forbidden' || error.code === 'not_found' || error.code === 'rate_limited'
    ? 'denied'
    : 'error';

export function authorize(ctx: CallContext, tool: GuardedTool): void {
  const missing = missingScopes(ctx.principal.credential.scopes, tool.scopes);
  if (missing.length) {
    throw new AppError(
      'forbidden',
      `missing scope ${missing.join(' ')}: ${tool.name} needs ${tool.scopes.join(' ')}; key ${ctx.principal.credential.name} has ${ctx.principal.credential.scopes.join(' ') || 'none'}${ctx.principal.credential.readOnly ? ' (it is read-only)' : ''}`,
      { detail: { requiredScopes: tool.scopes, missingScopes: missing } },
    );
  }
}

export function missingScopes(granted: readonly Scope[], required: readonly Scope[]): Scope[] {
  return required.filter((scope) => !granted.includes(scope));
}

export function createToolRunner(deps: GuardDeps) {
  const { audit, clock, logger } = deps;

  return async function runTool<T>(
    ctx: CallContext,
    tool: GuardedTool,
    args: unknown,
    execute: () => Promise<{ value: T; summary: unknown }>,
  ): Promise<ToolOutcome<T>> {
    const started = clock.now().getTime();
    let outcome: ToolOutcome<T>;
    let summary: unknown;
    try {
      authorize(ctx, tool);
      const result = await execute();
      summary = result.summary;
      outcome = { ok: true, value: result.value };
    } catch (error) {
      const appError = toAppError(error);
      if (appError.code === 'internal') logger.error({ err: error, tool: tool.name }, 'tool failed');
      outcome = { ok: false, error: appError };
    }
    try {
      await audit.append({
        ...callFields(ctx),
        action: 'mcp.tool_called',
        tool: tool.name,
        outcome: outcome.ok ? 'ok' : outcomeOf(outcome.error),
        errorCode: outcome.ok ? null : outcome.error.code,
        params: args,
        result: summary,
        durationMs: clock.now().getTime() - started,
      });
    } catch (error) {
      // SECURITY: fail closed — no result leaves without its audit record.
      logger.error({ err: error, tool: tool.name }, 'audit write failed');
      ctx.auditFailed = true;
      return {
        ok: false,
        error: new AppError('unavailable', 'audit log unavailable; nothing was returned', { cause: error }),
      };
    }
    ctx.toolCallsAudited++;
    if (!outcome.ok && outcome.error.code === 'unavailable') ctx.databaseUnavailable = true;
    return outcome;
  };
}

export type ToolRunner = ReturnType<typeof createToolRunner>;
