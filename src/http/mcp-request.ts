/**
 * The steps of a POST /mcp around the tool calls, as the route runs them: the record of a
 * refusal before authentication, authentication, the step-up check of an OAuth token, the
 * record of a request that ran no recorded tool call, and last-used bookkeeping. Each
 * refusal is returned as an AppError for the one mapper (`to-http-error.ts`); a refusal
 * whose record cannot be written becomes 503 instead (fail closed).
 */
import type { AuditLog } from '../audit/index.js';
import type { AppError, Clock } from '../core/index.js';
import {
  type Authenticator,
  isWriteScope,
  needsUseRecord,
  oauthClientOf,
  type Principal,
  roleCeiling,
} from '../credentials/index.js';
import { type CallContext, callFields } from '../guard/index.js';
import type { McpExchange } from '../mcp/index.js';
import type { JsonRpcSummary } from './json-rpc.js';
import { bearerFrom } from './request-guards.js';
import { bearerRefusal, insufficientScope, jsonRpcUnavailable } from './to-http-error.js';

/** The one thing the route writes outside the audit log: a key's last use (the store fits as it is). */
export interface KeyUseStore {
  readonly apiKeys: {
    recordUse(
      id: string,
      usage: { readonly at: string; readonly ip: string | null; readonly client: string | null },
    ): Promise<void>;
  };
}

export interface McpRequestDeps {
  /** The scopes a tool needs; undefined for an unknown tool. */
  readonly toolScopes: (tool: string) => readonly string[] | undefined;
  readonly authenticate: Authenticator;
  readonly audit: Pick<AuditLog, 'append'>;
  readonly store: KeyUseStore;
  readonly clock: Clock;
  readonly logger: { error(obj: unknown, msg: string): void };
}

/** Where a request came from, before anyone is known. */
export interface RequestOrigin {
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly requestId: string;
}

export const auditUnavailable = () =>
  jsonRpcUnavailable('audit log unavailable; the request was not processed');
export const databaseUnavailable = () =>
  jsonRpcUnavailable('database unavailable; the request was not processed');

/** Runs an audit write; the refusal to answer with instead if it failed (fail closed). */
export async function record(
  deps: McpRequestDeps,
  write: () => Promise<unknown>,
): Promise<AppError | undefined> {
  try {
    await write();
    return undefined;
  } catch (error) {
    deps.logger.error({ err: error }, 'audit write failed');
    return auditUnavailable();
  }
}

/** Refusals before authentication are recorded too (workspace unknown): probes leave a trace. */
export function recordRejection(
  deps: McpRequestDeps,
  origin: Omit<RequestOrigin, 'requestId'>,
  refusal: { readonly status: number; readonly reason: string; readonly method: string },
) {
  return record(deps, () =>
    deps.audit.append({
      action: 'mcp.rejected',
      outcome: 'denied',
      errorCode: refusal.status === 403 ? 'forbidden' : 'invalid_input',
      ip: origin.ip,
      userAgent: origin.userAgent,
      detail: { reason: refusal.reason, status: refusal.status, method: refusal.method },
    }),
  );
}

/** The bearer from the Authorization header, checked; a refusal is recorded before it is returned. */
export async function authenticateRequest(
  deps: McpRequestDeps,
  request: Request,
  origin: RequestOrigin,
): Promise<{ ok: true; principal: Principal } | { ok: false; refusal: AppError }> {
  const bearer = bearerFrom(request);
  let auth: Awaited<ReturnType<Authenticator>>;
  try {
    auth = bearer.ok
      ? await deps.authenticate({ token: bearer.token, ip: origin.ip })
      : ({ ok: false, error: { reason: 'malformed', message: bearer.message } } as const);
  } catch (error) {
    // Authentication reads the database and records (`key.expired`); if it cannot, nothing is
    // served (fail closed).
    deps.logger.error({ err: error }, 'authentication failed');
    return { ok: false, refusal: databaseUnavailable() };
  }
  if (auth.ok) return { ok: true, principal: auth.value };
  const failure = auth.error;
  const failed = await record(deps, () =>
    deps.audit.append({
      ...origin,
      action: 'mcp.auth_failed',
      outcome: 'denied',
      errorCode: failure.reason === 'ip_not_allowed' ? 'forbidden' : 'unauthenticated',
      workspaceId: failure.key?.workspaceId ?? null,
      credentialId: failure.key?.id ?? null,
      credentialName: failure.key?.name ?? null,
      // A revoked connection's refused call still names its client, like its other calls.
      oauthClient: failure.key ? oauthClientOf(failure.key) : null,
      detail: { reason: failure.reason },
    }),
  );
  return { ok: false, refusal: failed ?? bearerRefusal(failure) };
}

/**
 * SECURITY: an OAuth token lacking a scope a called tool needs gets HTTP 403
 * `insufficient_scope` before anything runs, naming the scopes to ask for, so the client can
 * step up through a new consent. Only scopes the member's role could ever grant are named;
 * a call the role forbids goes on to the tool's own `forbidden`. API keys keep the tool
 * error: nobody can re-consent a key. The refusal is recorded before it is returned.
 */
export async function stepUp(
  deps: McpRequestDeps,
  call: CallContext,
  tools: readonly string[],
): Promise<AppError | undefined> {
  const { principal } = call;
  if (principal.credential.kind !== 'oauth') return undefined;
  const held = new Set<string>(principal.credential.scopes);
  // A read-only connection refuses every change "whatever the scopes say" (the member's choice
  // on the consent page): no write scope can help, so its writes get the tool's own refusal,
  // never a consent prompt whose default would quietly lift read-only.
  const ceiling = new Set<string>(
    roleCeiling(principal.member.role).filter((s) => !(principal.credential.readOnly && isWriteScope(s))),
  );
  const needed = [
    ...new Set(
      tools.flatMap((tool) => deps.toolScopes(tool) ?? []).filter((s) => !held.has(s) && ceiling.has(s)),
    ),
  ];
  if (needed.length === 0) return undefined;
  // Everything the client should ask for: what the token has and what the call needs.
  const scope = [...new Set([...principal.credential.scopes, ...needed])].join(' ');
  const failed = await record(deps, () =>
    deps.audit.append({
      ...callFields(call),
      action: 'oauth.step_up_required',
      outcome: 'denied',
      errorCode: 'forbidden',
      tool: tools[0] ?? null,
      detail: { needed, scope },
    }),
  );
  return failed ?? insufficientScope(needed, scope);
}

/** What the request came to, from what the guard recorded (never from the response body). */
export function verdictOf(exchange: McpExchange, summary: JsonRpcSummary) {
  const recorded = exchange.calls.filter((c) => c.audit === 'written').length;
  return {
    auditFailed: exchange.calls.some((c) => c.audit === 'failed'),
    databaseUnavailable: exchange.calls.some((c) => c.databaseUnavailable),
    recorded,
    // The guard records each tool call it runs. Anything else — other methods, and tool calls
    // the SDK refused before the guard (unknown or hidden tool, arguments failing the schema) —
    // gets a request record, so every request leaves one.
    unaudited: summary.methods.some((m) => m !== 'tools/call') || recorded < summary.toolCalls,
    clean: exchange.response.ok && !exchange.answeredWithError && recorded >= summary.toolCalls,
  };
}

export function recordRequest(
  deps: McpRequestDeps,
  call: CallContext,
  summary: JsonRpcSummary,
  outcome: { status: 'ok' | 'error'; errorCode: string | null; toolCallsRun: number },
  started: number,
): Promise<AppError | undefined> {
  return record(deps, () =>
    deps.audit.append({
      ...callFields(call),
      action: 'mcp.request',
      outcome: outcome.status,
      errorCode: outcome.errorCode,
      durationMs: deps.clock.now().getTime() - started,
      tool: summary.tools[0] ?? null,
      detail: { methods: summary.methods, tools: summary.tools, toolCallsRun: outcome.toolCallsRun },
    }),
  );
}

/**
 * Last-used follows the same rule as the audit record: the client is the one this request
 * named, or none — never the one an earlier request named.
 */
export async function touchKey(
  deps: McpRequestDeps,
  principal: Principal,
  ip: string | null,
  client: string | null,
) {
  const c = principal.credential;
  const now = deps.clock.now();
  if (!needsUseRecord(c, now, ip, client)) return;
  try {
    await deps.store.apiKeys.recordUse(c.id, { at: now.toISOString(), ip, client });
  } catch (error) {
    // Bookkeeping only: the request and its audit record already succeeded.
    deps.logger.error({ err: error }, 'could not record key use');
  }
}
