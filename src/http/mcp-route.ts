/**
 * POST /mcp, in this order: Host/Origin → method → Accept → body limit → bearer from the header only
 * → authentication → JSON parse → batch length → step-up → the MCP endpoint (tools run through the guard, which
 * records each call) → a record for requests that called no tool → last-used bookkeeping.
 * A request whose record cannot be written gets 503 and no data (fail closed).
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AuditLog } from '../audit/index.js';
import type { Clock, IdGenerator } from '../core/index.js';
import {
  type Authenticator,
  type AuthFailure,
  isWriteScope,
  needsUseRecord,
  oauthClientOf,
  type Principal,
  roleCeiling,
} from '../credentials/index.js';
import { type CallContext, callFields } from '../guard/index.js';
import type { McpEndpoint } from '../mcp/index.js';
import type { Store } from '../storage/index.js';
import { acceptsJson, notAcceptable } from './accept-json.js';
import { batchRefusal, batchRefusalDetail, batchTooLarge } from './batch-limit.js';
import { clientOf, type JsonRpcSummary, summarizeJsonRpc } from './json-rpc.js';
import { allowedHostnames, bearerFrom, hostOriginRejection } from './request-guards.js';
import { RETRY_AFTER } from './to-http-error.js';
import { protectedResourceMetadataUrl } from './well-known.js';

export const MCP_MAX_BODY_BYTES = 256 * 1024;

/** What the 401 challenge asks for first: enough to look around (MCP authorization, scope selection). */
export const MINIMAL_READ_SCOPES = ['projects:read', 'tasks:read'] as const;

export interface McpRouteDeps {
  readonly publicUrl: string;
  /** The scopes a tool needs; undefined for an unknown tool. */
  readonly toolScopes: (tool: string) => readonly string[] | undefined;
  readonly endpoint: McpEndpoint;
  /** The most JSON-RPC messages one request may carry (setting `mcpMaxMessagesPerRequest`). */
  readonly maxMessagesPerRequest: number;
  readonly authenticate: Authenticator;
  readonly audit: AuditLog;
  readonly store: Store;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly logger: { error(obj: unknown, msg: string): void };
}

export function mountMcp(app: Hono, deps: McpRouteDeps): void {
  const hostnames = allowedHostnames(deps.publicUrl);
  const metadataUrl = protectedResourceMetadataUrl(deps.publicUrl);
  const challenge = `Bearer resource_metadata="${metadataUrl}", scope="${MINIMAL_READ_SCOPES.join(' ')}"`;

  // Refusals before authentication are recorded too (workspace unknown): probes leave a trace.
  const refuse = async (c: Context, response: Response, reason: string) =>
    (await record(deps, () =>
      deps.audit.append({
        action: 'mcp.rejected',
        outcome: 'denied',
        errorCode: response.status === 403 ? 'forbidden' : 'invalid_input',
        ip: remoteAddress(c),
        userAgent: c.req.header('user-agent') ?? null,
        detail: { reason, status: response.status, method: c.req.method },
      }),
    )) ?? response;

  app.use('/mcp', async (c, next) => {
    const rejection = hostOriginRejection(c.req.raw, hostnames);
    return rejection ? refuse(c, rejection, 'host_or_origin') : next();
  });
  app.on(['GET', 'DELETE', 'PUT', 'PATCH'], '/mcp', (c) =>
    refuse(
      c,
      Response.json(
        { error: { code: 'invalid_input', message: 'this endpoint is stateless: POST JSON-RPC messages' } },
        { status: 405, headers: { Allow: 'POST' } },
      ),
      'method_not_allowed',
    ),
  );
  app.post(
    '/mcp',
    // Every answer here is JSON, in both protocol eras: a client that cannot take JSON is told
    // so before anything is read (RFC 9110 §15.5.7), one that can is served whatever else it lists.
    async (c, next) =>
      acceptsJson(c.req.header('accept') ?? null) ? next() : refuse(c, notAcceptable(), 'not_acceptable'),
    bodyLimit({
      maxSize: MCP_MAX_BODY_BYTES,
      onError: (c) =>
        refuse(
          c,
          Response.json(
            { error: { code: 'invalid_input', message: `request body over ${MCP_MAX_BODY_BYTES} bytes` } },
            { status: 413 },
          ),
          'body_too_large',
        ),
    }),
    (c) => handleMcp(c, deps, challenge, metadataUrl),
  );
}

async function handleMcp(
  c: Context,
  deps: McpRouteDeps,
  challenge: string,
  metadataUrl: string,
): Promise<Response> {
  const started = deps.clock.now().getTime();
  const request = c.req.raw;
  const ip = remoteAddress(c);
  const userAgent = request.headers.get('user-agent');
  const requestId = deps.ids('request');
  const base = { ip, userAgent, requestId };

  const bearer = bearerFrom(request);
  let auth: Awaited<ReturnType<Authenticator>>;
  try {
    auth = bearer.ok
      ? await deps.authenticate({ token: bearer.token, ip })
      : ({ ok: false, error: { reason: 'malformed', message: bearer.message } } as const);
  } catch (error) {
    // Authentication reads the database and records (`key.expired`); if it cannot, nothing is
    // served (fail closed).
    deps.logger.error({ err: error }, 'authentication failed');
    return unavailable(DATABASE_UNAVAILABLE);
  }
  if (!auth.ok) {
    const recorded = await record(deps, () =>
      deps.audit.append({
        ...base,
        action: 'mcp.auth_failed',
        outcome: 'denied',
        errorCode: auth.error.reason === 'ip_not_allowed' ? 'forbidden' : 'unauthenticated',
        workspaceId: auth.error.key?.workspaceId ?? null,
        credentialId: auth.error.key?.id ?? null,
        credentialName: auth.error.key?.name ?? null,
        // A revoked connection's refused call still names its client, like its other calls.
        oauthClient: auth.error.key ? oauthClientOf(auth.error.key) : null,
        detail: { reason: auth.error.reason },
      }),
    );
    return recorded ?? authFailure(auth.error, challenge);
  }

  const text = await request.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const tooMany = batchRefusal(body, deps.maxMessagesPerRequest);
  // A refused batch is summarised (client, methods, tools for its record) by its first
  // messages only: the refusal must cost little whatever the batch holds.
  const summary = summarizeJsonRpc(tooMany ? (body as unknown[]).slice(0, tooMany.max) : body);
  const principal = auth.value;
  const client = clientOf(summary);
  const call: CallContext = {
    principal,
    ...base,
    clientName: client.name,
    clientVersion: client.version,
    auditFailed: false,
    toolCallsAudited: 0,
  };
  if (body === undefined) {
    const failed = await recordRequest(deps, call, summary, 'error', 'invalid_input', started);
    return failed ?? parseError();
  }

  if (tooMany) {
    const failed = await record(deps, () =>
      deps.audit.append({
        ...callFields(call),
        action: 'mcp.request',
        outcome: 'denied',
        errorCode: 'invalid_input',
        durationMs: deps.clock.now().getTime() - started,
        tool: summary.tools[0] ?? null,
        detail: {
          ...batchRefusalDetail(tooMany),
          methods: summary.methods,
          tools: summary.tools,
          toolCallsRun: 0,
        },
      }),
    );
    return failed ?? batchTooLarge(tooMany);
  }

  const stepUp = insufficientScope(deps, principal, summary.tools);
  if (stepUp) {
    const failed = await record(deps, () =>
      deps.audit.append({
        ...callFields(call),
        action: 'oauth.step_up_required',
        outcome: 'denied',
        errorCode: 'forbidden',
        tool: summary.tools[0] ?? null,
        detail: { needed: stepUp.needed, scope: stepUp.scope },
      }),
    );
    return failed ?? stepUpChallenge(stepUp, metadataUrl);
  }

  // The body is consumed; the SDK takes the parsed body and never reads it again.
  const response = await deps.endpoint.handle(request, call, body);
  if (call.auditFailed) return unavailable(AUDIT_UNAVAILABLE);
  // The guard records each tool call it runs. Anything else — other methods, and tool calls
  // the SDK refused before the guard (unknown or hidden tool, arguments failing the schema) —
  // gets a request record here, so every request leaves one.
  const unaudited =
    summary.methods.some((m) => m !== 'tools/call') || call.toolCallsAudited < summary.toolCalls;
  if (unaudited) {
    const clean =
      response.ok && !(await hasJsonRpcError(response)) && call.toolCallsAudited >= summary.toolCalls;
    const failed = await recordRequest(
      deps,
      call,
      summary,
      clean ? 'ok' : 'error',
      clean ? null : 'invalid_input',
      started,
    );
    if (failed) return failed;
  }
  // A tool the database failed under is recorded (above or by the guard); the client is told
  // to retry by status, as it would be had the record failed too.
  if (call.databaseUnavailable) return unavailable(DATABASE_UNAVAILABLE);
  await touchKey(deps, principal, ip, client.label);
  return response;
}

function recordRequest(
  deps: McpRouteDeps,
  call: CallContext,
  summary: JsonRpcSummary,
  outcome: 'ok' | 'error',
  errorCode: string | null,
  started: number,
): Promise<Response | undefined> {
  return record(deps, () =>
    deps.audit.append({
      ...callFields(call),
      action: 'mcp.request',
      outcome,
      errorCode,
      durationMs: deps.clock.now().getTime() - started,
      tool: summary.tools[0] ?? null,
      detail: { methods: summary.methods, tools: summary.tools, toolCallsRun: call.toolCallsAudited },
    }),
  );
}

/** Runs an audit write; on failure answers 503 (fail closed) instead of the real response. */
async function record(deps: McpRouteDeps, write: () => Promise<unknown>): Promise<Response | undefined> {
  try {
    await write();
    return undefined;
  } catch (error) {
    deps.logger.error({ err: error }, 'audit write failed');
    return unavailable(AUDIT_UNAVAILABLE);
  }
}

/**
 * Last-used follows the same rule as the audit record: the client is the one this request
 * named, or none — never the one an earlier request named.
 */
async function touchKey(deps: McpRouteDeps, principal: Principal, ip: string | null, client: string | null) {
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

async function hasJsonRpcError(response: Response): Promise<boolean> {
  if (!response.headers.get('content-type')?.includes('application/json')) return false;
  try {
    const parsed: unknown = await response.clone().json();
    return (Array.isArray(parsed) ? parsed : [parsed]).some(
      (m) => typeof m === 'object' && m !== null && 'error' in m,
    );
  } catch {
    return true;
  }
}

interface StepUp {
  readonly needed: readonly string[];
  /** Everything the client should ask for: what the token has and what the call needs. */
  readonly scope: string;
}

/**
 * SECURITY: an OAuth token lacking a scope a called tool needs gets HTTP 403
 * `insufficient_scope` before anything runs, naming the scopes to ask for, so the client can
 * step up through a new consent. Only scopes the member's role could ever grant are named;
 * a call the role forbids goes on to the tool's own `forbidden`. API keys keep the tool
 * error: nobody can re-consent a key.
 */
function insufficientScope(
  deps: McpRouteDeps,
  principal: Principal,
  tools: readonly string[],
): StepUp | undefined {
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
  return { needed, scope: [...new Set([...principal.credential.scopes, ...needed])].join(' ') };
}

function stepUpChallenge(stepUp: StepUp, metadataUrl: string): Response {
  const description = `this call needs ${stepUp.needed.join(', ')}; authorize again with these scopes`;
  return Response.json(
    { error: { code: 'forbidden', reason: 'insufficient_scope', message: description, scope: stepUp.scope } },
    {
      status: 403,
      headers: {
        'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${stepUp.scope}", resource_metadata="${metadataUrl}", error_description="${description}"`,
      },
    },
  );
}

function authFailure(failure: AuthFailure, challenge: string): Response {
  const status = failure.reason === 'ip_not_allowed' ? 403 : 401;
  const error = status === 401 ? ', error="invalid_token"' : '';
  const header = failure.reason === 'missing' ? challenge : `${challenge}${error}`;
  return Response.json(
    {
      error: {
        code: status === 401 ? 'unauthenticated' : 'forbidden',
        reason: failure.reason,
        message: failure.message,
      },
    },
    { status, headers: { 'WWW-Authenticate': header } },
  );
}

const parseError = () =>
  Response.json(
    { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error: body is not JSON' } },
    { status: 400 },
  );

const AUDIT_UNAVAILABLE = 'audit log unavailable; the request was not processed';
const DATABASE_UNAVAILABLE = 'database unavailable; the request was not processed';

/**
 * Fail closed: 503 with `Retry-After`, and a JSON-RPC error for clients that read the body
 * (-32000 is the first implementation-defined server error; `data.code` is our error code).
 * The id is null: the failure is the whole request's, whatever it carried.
 */
const unavailable = (message: string) =>
  Response.json(
    {
      jsonrpc: '2.0',
      id: null,
      error: { code: -32000, message, data: { code: 'unavailable', retryAfterSeconds: Number(RETRY_AFTER) } },
    },
    { status: 503, headers: { 'Retry-After': RETRY_AFTER } },
  );

function remoteAddress(c: Context): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null;
  }
}
