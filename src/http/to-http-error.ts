/**
 * The one mapper from AppError to HTTP: status, body and headers, including the
 * `WWW-Authenticate` challenges of /mcp (RFC 6750, RFC 9728). Public messages only; the
 * detail a caller may see is the list of invalid fields. Anything else was logged by the
 * caller of this function.
 *
 * A few refusals of /mcp have a wire form of their own (405 with `Allow`, 413, a bearer
 * challenge, a JSON-RPC body); they are made here by the constructors below, which mark the
 * error (`detail.http`) so that the switch can give each its form. The switch covers every
 * ErrorCode: a new code does not compile until it is given a status.
 */
import { AppError, type ErrorCode, RETRY_AFTER_SECONDS } from '../core/index.js';
import type { AuthFailure } from '../credentials/index.js';
import { type LimitVerdict, rateLimitHeaders } from '../monitoring/index.js';

/** `Retry-After` of every 503: the database (or the audit log on it) is out for now. */
export const RETRY_AFTER = String(RETRY_AFTER_SECONDS);

type Status = 400 | 401 | 403 | 404 | 405 | 409 | 413 | 429 | 500 | 503;

export interface HttpErrorBody {
  readonly error: {
    readonly code: ErrorCode;
    readonly message: string;
    readonly fields?: readonly unknown[];
  };
}

export interface HttpError {
  readonly status: Status;
  readonly body: HttpErrorBody | Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, string>>;
}

/** The protected resource's challenge: where its metadata is and which scopes to ask for. */
export interface BearerChallenge {
  readonly resourceMetadata: string;
  readonly scopes: readonly string[];
}

/** The wire form a constructor below asked for. */
type HttpMark =
  | { readonly status: 405; readonly allow: string }
  | { readonly status: 413 }
  | { readonly jsonRpc: number }
  | { readonly bearer: AuthFailure['reason'] }
  | { readonly insufficientScope: string }
  | { readonly rateLimit: LimitVerdict; readonly form: 'json-rpc' | 'plain' };

const marked = (code: ErrorCode, message: string, http: HttpMark) =>
  new AppError(code, message, { detail: { http } });

export const methodNotAllowed = (allow: string, message: string) =>
  marked('invalid_input', message, { status: 405, allow });

export const bodyTooLarge = (message: string) => marked('invalid_input', message, { status: 413 });

/** -32700: the body is not JSON, answered in JSON-RPC with id null. */
export const jsonRpcParseError = () =>
  marked('invalid_input', 'Parse error: body is not JSON', { jsonRpc: -32700 });

/**
 * Fail closed: 503 with `Retry-After`, and a JSON-RPC error for clients that read the body
 * (-32000 is the first implementation-defined server error; `data.code` is our error code).
 * The id is null: the failure is the whole request's, whatever it carried.
 */
export const jsonRpcUnavailable = (message: string) => marked('unavailable', message, { jsonRpc: -32000 });

/** 401 (403 for an address the key may not be used from), with the bearer challenge. */
export const bearerRefusal = (failure: AuthFailure) =>
  marked(failure.reason === 'ip_not_allowed' ? 'forbidden' : 'unauthenticated', failure.message, {
    bearer: failure.reason,
  });

/**
 * SECURITY: 403 `insufficient_scope` naming every scope to ask for (`scope`), so an OAuth
 * client can step up through a new consent.
 */
export const insufficientScope = (needed: readonly string[], scope: string) =>
  marked('forbidden', `this call needs ${needed.join(', ')}; authorize again with these scopes`, {
    insufficientScope: scope,
  });

/**
 * 429 with `Retry-After` and the `RateLimit-Policy` / `RateLimit` headers; on /mcp also a
 * JSON-RPC error a model can read (`data`: which limit, its quota and window, when to retry).
 */
export const rateLimited = (message: string, verdict: LimitVerdict, form: 'json-rpc' | 'plain') =>
  marked('rate_limited', message, { rateLimit: verdict, form });

export function toHttpError(error: AppError, challenge?: BearerChallenge): HttpError {
  const mark = error.detail.http as HttpMark | undefined;
  switch (error.code) {
    case 'invalid_input':
      if (mark && 'jsonRpc' in mark) return jsonRpc(400, mark.jsonRpc, error.publicMessage, {});
      if (mark && 'status' in mark)
        return plain(mark.status, error, mark.status === 405 ? { Allow: mark.allow } : {});
      return plain(400, error);
    case 'unauthenticated':
      return mark && 'bearer' in mark ? bearer(401, error, mark.bearer, challenge) : plain(401, error);
    case 'forbidden':
      if (mark && 'bearer' in mark) return bearer(403, error, mark.bearer, challenge);
      if (mark && 'insufficientScope' in mark) return stepUp(error, mark.insufficientScope, challenge);
      return plain(403, error);
    case 'not_found':
      return plain(404, error);
    case 'conflict':
      return plain(409, error);
    case 'rate_limited': {
      if (!mark || !('rateLimit' in mark)) return plain(429, error);
      const { rateLimit: v } = mark;
      const headers = rateLimitHeaders(v);
      if (mark.form === 'plain') return plain(429, error, headers);
      return jsonRpc(429, -32000, error.publicMessage, headers, {
        code: 'rate_limited',
        limit: v.name,
        quota: v.quota,
        windowSeconds: v.windowSeconds,
        retryAfterSeconds: v.resetSeconds,
      });
    }
    case 'unavailable': {
      const headers = { 'Retry-After': RETRY_AFTER };
      if (mark && 'jsonRpc' in mark)
        return jsonRpc(503, mark.jsonRpc, error.publicMessage, headers, {
          code: 'unavailable',
          retryAfterSeconds: RETRY_AFTER_SECONDS,
        });
      return plain(503, error, headers);
    }
    case 'internal':
      return plain(500, error);
    default: {
      const unmapped: never = error.code;
      throw new Error(`no HTTP status for error code ${String(unmapped)}`);
    }
  }
}

export function toHttpResponse(error: AppError, challenge?: BearerChallenge): Response {
  const { status, body, headers } = toHttpError(error, challenge);
  return Response.json(body, { status, headers });
}

function plain(status: Status, error: AppError, headers: Record<string, string> = {}): HttpError {
  const fields = error.fields;
  return {
    status,
    body: { error: { code: error.code, message: error.publicMessage, ...(fields.length ? { fields } : {}) } },
    headers,
  };
}

function jsonRpc(
  status: Status,
  code: number,
  message: string,
  headers: Record<string, string>,
  data?: Record<string, unknown>,
): HttpError {
  return {
    status,
    body: { jsonrpc: '2.0', id: null, error: { code, message, ...(data && { data }) } },
    headers,
  };
}

const resourceChallenge = (challenge: BearerChallenge | undefined) =>
  challenge
    ? `Bearer resource_metadata="${challenge.resourceMetadata}", scope="${challenge.scopes.join(' ')}"`
    : 'Bearer';

function bearer(
  status: 401 | 403,
  error: AppError,
  reason: AuthFailure['reason'],
  challenge: BearerChallenge | undefined,
): HttpError {
  // A request that sent no token is only told how to get one; any other gets `invalid_token`.
  const invalid = status === 401 && reason !== 'missing' ? ', error="invalid_token"' : '';
  return {
    status,
    body: { error: { code: error.code, reason, message: error.publicMessage } },
    headers: { 'WWW-Authenticate': `${resourceChallenge(challenge)}${invalid}` },
  };
}

function stepUp(error: AppError, scope: string, challenge: BearerChallenge | undefined): HttpError {
  const description = error.publicMessage;
  const metadata = challenge ? `, resource_metadata="${challenge.resourceMetadata}"` : '';
  return {
    status: 403,
    body: { error: { code: 'forbidden', reason: 'insufficient_scope', message: description, scope } },
    headers: {
      'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${scope}"${metadata}, error_description="${description}"`,
    },
  };
}
