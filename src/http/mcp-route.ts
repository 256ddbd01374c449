/**
 * POST /mcp: parse, run, map. In this order: Host/Origin → method → Accept → body limit
 * (each refusal recorded) → authentication (`mcp-request.ts`) → JSON parse → batch length →
 * step-up → the MCP endpoint, where every tool call runs through the guard's pipeline
 * (`src/guard/pipeline.ts`) and is recorded there → a record for a request that ran no
 * recorded tool call → last-used bookkeeping. Every refusal leaves through the one mapper
 * (`to-http-error.ts`). A request whose record cannot be written gets 503 and no data (fail
 * closed).
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppError, IdGenerator } from '../core/index.js';
import { CHALLENGE_SCOPES } from '../credentials/index.js';
import { type CallContext, callFields } from '../guard/index.js';
import type { McpEndpoint } from '../mcp/index.js';
import { acceptsJson, notAcceptable } from './accept-json.js';
import { batchRefusal, batchRefusalDetail, batchTooLarge } from './batch-limit.js';
import type { ClientAddress } from './client-address.js';
import { clientOf, summarizeJsonRpc } from './json-rpc.js';
import {
  auditUnavailable,
  authenticateRequest,
  databaseUnavailable,
  type McpRequestDeps,
  record,
  recordRejection,
  recordRequest,
  stepUp,
  touchKey,
  verdictOf,
} from './mcp-request.js';
import { loadOf, type RateLimitGate, withRateLimitHeaders } from './rate-limit.js';
import { allowedHostnames, hostOriginRejection } from './request-guards.js';
import {
  type BearerChallenge,
  bodyTooLarge,
  jsonRpcParseError,
  methodNotAllowed,
  rateLimited,
  toHttpResponse,
} from './to-http-error.js';
import { protectedResourceMetadataUrl } from './well-known.js';

export const MCP_MAX_BODY_BYTES = 256 * 1024;

export interface McpRouteDeps extends McpRequestDeps {
  readonly publicUrl: string;
  /** Origins allowed to call from a browser (CORS); they pass the Origin check. */
  readonly corsOrigins: readonly string[];
  /** The client address (src/http/client-address.ts): audit, allow-lists, limits, anomalies. */
  readonly clientAddress: ClientAddress;
  readonly endpoint: McpEndpoint;
  /** The most JSON-RPC messages one request may carry (setting `mcpMaxMessagesPerRequest`). */
  readonly maxMessagesPerRequest: number;
  readonly ids: IdGenerator;
  /** Request limits per key, member and address (issue 16); left out, none (tools, tests). */
  readonly rateLimits?: RateLimitGate;
  /** Whether a tool changes data: its calls count against the write limits. */
  readonly isWriteTool?: (name: string) => boolean;
  /** Traces each request's JSON-RPC messages when an exporter is configured. */
  readonly tracer?: McpTracer;
}

export interface McpTracer {
  traceMcp<T>(
    request: { readonly body: unknown; readonly sessionId: string | null },
    work: () => Promise<T>,
  ): Promise<T>;
}

export function mountMcp(app: Hono, deps: McpRouteDeps): void {
  const hostnames = allowedHostnames(deps.publicUrl);
  const corsOrigins = new Set(deps.corsOrigins);
  const challenge: BearerChallenge = {
    resourceMetadata: protectedResourceMetadataUrl(deps.publicUrl),
    scopes: CHALLENGE_SCOPES,
  };
  const answer = (error: AppError) => toHttpResponse(error, challenge);

  const refuse = async (c: Context, response: Response, reason: string) => {
    const origin = { ip: deps.clientAddress(c), userAgent: c.req.header('user-agent') ?? null };
    const failed = await recordRejection(deps, origin, {
      status: response.status,
      reason,
      method: c.req.method,
    });
    return failed ? answer(failed) : response;
  };

  app.use('/mcp', async (c, next) => {
    const rejection = hostOriginRejection(c.req.raw, hostnames, corsOrigins);
    return rejection ? refuse(c, rejection, 'host_or_origin') : next();
  });
  app.on(['GET', 'DELETE', 'PUT', 'PATCH'], '/mcp', (c) =>
    refuse(
      c,
      answer(methodNotAllowed('POST', 'this endpoint is stateless: POST JSON-RPC messages')),
      'method_not_allowed',
    ),
  );
  app.post(
    '/mcp',
    // Every answer here is JSON, in both protocol eras: a client that cannot take JSON is told
    // so before anything is read (RFC 9110 §15.5.7), one that can is served whatever else it lists.
    async (c, next) =>
      acceptsJson(c.req.header('accept') ?? null) ? next() : refuse(c, notAcceptable(), 'not_acceptable'),
    limitBody((c) =>
      refuse(c, answer(bodyTooLarge(`request body over ${MCP_MAX_BODY_BYTES} bytes`)), 'body_too_large'),
    ),
    (c) => handleMcp(c, deps, answer),
  );
}

/**
 * The body limit. A body that declares its length is judged by the header alone: Node's HTTP
 * parser never hands over more than was declared (and refuses a request declaring both a
 * length and chunks), and reading the body untouched lets the Node server buffer it without
 * building a web Request and stream per call. A chunked body is counted as it streams in.
 */
function limitBody(tooLarge: (c: Context) => Promise<Response>): MiddlewareHandler {
  const streaming = bodyLimit({ maxSize: MCP_MAX_BODY_BYTES, onError: tooLarge });
  return (c, next) => {
    const declared = c.req.header('content-length');
    if (declared === undefined || c.req.header('transfer-encoding') !== undefined) return streaming(c, next);
    return Number(declared) > MCP_MAX_BODY_BYTES ? tooLarge(c) : next();
  };
}

async function handleMcp(
  c: Context,
  deps: McpRouteDeps,
  answer: (error: AppError) => Response,
): Promise<Response> {
  const started = deps.clock.now().getTime();
  const request = c.req.raw;
  const ip = deps.clientAddress(c);
  const origin = { ip, userAgent: request.headers.get('user-agent'), requestId: deps.ids('request') };

  const limits = deps.rateLimits;
  // SECURITY: an address over its failed-authentication limit is refused before its
  // credential is even looked at, a correct one included, until the window ends.
  const blocked = await limits?.isBlocked('auth.failed.ip', ip);
  if (blocked) return answer(rateLimited(blocked.message, blocked, 'json-rpc'));
  const auth = await authenticateRequest(deps, request, origin);
  if (!auth.ok) {
    const over =
      auth.refusal.code === 'unavailable' ? undefined : await limits?.hitAddress('auth.failed.ip', ip);
    return answer(over ? rateLimited(over.message, over, 'json-rpc') : auth.refusal);
  }

  // Parse.
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
  const client = clientOf(summary);
  const call: CallContext = {
    principal: auth.principal,
    ...origin,
    clientName: client.name,
    clientVersion: client.version,
  };
  if (body === undefined) {
    const failed = await recordRequest(
      deps,
      call,
      summary,
      { status: 'error', errorCode: 'invalid_input', toolCallsRun: 0 },
      started,
    );
    return answer(failed ?? jsonRpcParseError());
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
    return failed ? answer(failed) : batchTooLarge(tooMany);
  }
  const principal = auth.principal;
  const check = await limits?.checkCall(
    {
      workspaceId: principal.workspace.id,
      memberId: principal.member.id,
      credentialId: principal.credential.id,
      credentialName: principal.credential.name,
      environment: principal.credential.environment,
      ip,
      requestId: origin.requestId,
    },
    loadOf(summary, deps.isWriteTool ?? (() => false)),
  );
  if (check?.refused) return answer(rateLimited(check.refused.message, check.refused, 'json-rpc'));
  const needsStepUp = await stepUp(deps, call, summary.tools);
  if (needsStepUp) return answer(needsStepUp);

  // Run. The body is consumed; the SDK takes the parsed body and never reads it again.
  const run = () => deps.endpoint.handle(request, call, body);
  const sessionId = request.headers.get('mcp-session-id');
  const exchange = await (deps.tracer ? deps.tracer.traceMcp({ body, sessionId }, run) : run());

  // Map, from what the guard recorded.
  const verdict = verdictOf(exchange, summary);
  if (verdict.auditFailed) return answer(auditUnavailable());
  if (verdict.unaudited) {
    const failed = await recordRequest(
      deps,
      call,
      summary,
      {
        status: verdict.clean ? 'ok' : 'error',
        errorCode: verdict.clean ? null : 'invalid_input',
        toolCallsRun: verdict.recorded,
      },
      started,
    );
    if (failed) return answer(failed);
  }
  // A tool the database failed under is recorded (above or by the guard); the client is told
  // to retry by status, as it would be had the record failed too.
  if (verdict.databaseUnavailable) return answer(databaseUnavailable());
  await touchKey(deps, auth.principal, ip, client.label);
  return withRateLimitHeaders(exchange.response, check?.closest);
}
