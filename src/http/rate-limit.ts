/**
 * The rate limits as the HTTP layer applies them (src/monitoring/rate-limits.ts decides).
 * Reads and writes are told apart here, from the parsed JSON-RPC body, not by a guard step:
 * a refusal must be an HTTP 429 with headers before the MCP server runs anything, and a
 * guard step runs inside one tool call, whose answer is always a 200 JSON-RPC result.
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { isAppError, RETRY_AFTER_SECONDS } from '../core/index.js';
import type { AddressLimit, LimitVerdict, RateLimits } from '../monitoring/index.js';
import { rateLimitHeaders } from '../monitoring/index.js';
import type { ClientAddress } from './client-address.js';
import type { JsonRpcSummary } from './json-rpc.js';
import { rateLimited, toHttpResponse } from './to-http-error.js';

export type RateLimitGate = Pick<RateLimits, 'checkCall' | 'isBlocked' | 'hitAddress'>;

/** How many of a request's messages are reads and how many are write-tool calls. */
export function loadOf(summary: JsonRpcSummary, isWriteTool: (name: string) => boolean) {
  const writes = summary.tools.filter(isWriteTool).length;
  // Responses and notifications cost little, but count: a flood of them is still a flood.
  return { reads: Math.max(summary.methods.length - writes, writes === 0 ? 1 : 0), writes };
}

/**
 * The answered response, with the headers of the limit closest to refusing. Set in place:
 * copying the response would read its body, which turns the Node server's light response
 * into a web stream and costs every call.
 */
export function withRateLimitHeaders(response: Response, verdict: LimitVerdict | undefined): Response {
  if (!verdict) return response;
  for (const [name, value] of Object.entries(rateLimitHeaders(verdict))) response.headers.set(name, value);
  return response;
}

/** An OAuth client reads OAuth's error JSON (RFC 6749 §5.2) when the counters cannot answer. */
async function hitOrOAuthOutage(gate: RateLimitGate, name: AddressLimit, c: Context, ip: string | null) {
  try {
    return { refused: await gate.hitAddress(name, ip) };
  } catch (error) {
    if (name !== 'oauth.ip' || !isAppError(error) || error.code !== 'unavailable') throw error;
    const body = { error: 'temporarily_unavailable', error_description: error.publicMessage };
    return { outage: c.json(body, 503, { 'retry-after': String(RETRY_AFTER_SECONDS) }) };
  }
}

/** Counts each request from an address against `name` (/oauth, /login); 429 once over. */
function limitAddress(
  gate: RateLimitGate,
  name: AddressLimit,
  clientAddress: ClientAddress,
): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === 'OPTIONS') return next();
    const { refused, outage } = await hitOrOAuthOutage(gate, name, c, clientAddress(c));
    if (outage) return outage;
    if (!refused) return next();
    return toHttpResponse(rateLimited(refused.message, refused, 'plain'));
  };
}

/** Before the routes they cover: the OAuth endpoints and the console sign-in, per address. */
export function mountAddressLimits(
  app: Hono,
  gate: RateLimitGate,
  oauthPaths: readonly string[],
  clientAddress: ClientAddress,
): void {
  for (const path of oauthPaths) {
    if (!path.startsWith('/oauth')) continue;
    app.use(path.endsWith('/') ? `${path}*` : path, limitAddress(gate, 'oauth.ip', clientAddress));
  }
  // Hono's `/login/*` covers `/login` itself: one middleware, one count per request.
  app.use('/login/*', limitAddress(gate, 'login.ip', clientAddress));
}
