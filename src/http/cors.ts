/**
 * SECURITY: opt-in CORS for browser-based MCP clients. Only origins listed in `corsOrigins`
 * (exact match, never `*`) get `Access-Control-Allow-Origin`, on /mcp and the OAuth endpoints
 * a browser client needs. No `Access-Control-Allow-Credentials`: cookies are never part of a
 * cross-origin call (the bearer travels in `Authorization`). This sits beside the DNS-rebinding
 * checks, not instead of them: the Host check still applies to every request, and a listed
 * origin passes the Origin check of /mcp only because it is listed (`request-guards.ts`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { setAnsweredHeaders } from './answered-headers.js';

/** Request headers an MCP client sends (MCP transports: Streamable HTTP, 2025-11-25 and 2026-07-28). */
export const CORS_ALLOW_HEADERS = [
  'Authorization',
  'Content-Type',
  'Accept',
  'Mcp-Session-Id',
  'MCP-Protocol-Version',
  'Mcp-Method',
  'Mcp-Name',
  'Last-Event-ID',
] as const;

/** Response headers a client must read: the 401/403 challenge, the session, the version, back-off. */
export const CORS_EXPOSE_HEADERS = [
  'WWW-Authenticate',
  'Mcp-Session-Id',
  'MCP-Protocol-Version',
  'Retry-After',
] as const;

/** Browsers cap it lower (Chromium: 2 h); 10 min keeps a removed origin from lingering. */
export const CORS_MAX_AGE_S = 600;

/** 2026-07-28 `Mcp-Param-<name>` headers carry tool arguments a tool marks for the header. */
const PARAM_HEADER = /^mcp-param-[a-z0-9-]{1,64}$/i;

export interface CorsRoute {
  readonly path: string;
  readonly methods: readonly string[];
  /** The response is written straight to the Node response (oidc-provider), not through Hono. */
  readonly nodeWritten?: boolean;
}

/**
 * What a browser-based client calls cross-origin: /mcp, the discovery documents (RFC 9728,
 * RFC 8414), registration (RFC 7591), the token and revocation endpoints and the JWKS. The
 * authorization endpoint and the consent page are navigations, never CORS.
 */
export const CORS_ROUTES: readonly CorsRoute[] = [
  { path: '/mcp', methods: ['GET', 'POST', 'DELETE'] },
  { path: '/.well-known/oauth-protected-resource/mcp', methods: ['GET'] },
  { path: '/.well-known/oauth-protected-resource', methods: ['GET'] },
  { path: '/.well-known/oauth-authorization-server', methods: ['GET'], nodeWritten: true },
  { path: '/.well-known/openid-configuration', methods: ['GET'], nodeWritten: true },
  { path: '/oauth/register', methods: ['POST'], nodeWritten: true },
  { path: '/oauth/token', methods: ['POST'], nodeWritten: true },
  { path: '/oauth/revoke', methods: ['POST'], nodeWritten: true },
  { path: '/oauth/jwks', methods: ['GET'], nodeWritten: true },
];

export interface CorsOptions {
  readonly origins: readonly string[];
  readonly route: CorsRoute;
}

/** The headers of an allowed cross-origin response (not a preflight). */
export function corsResponseHeaders(origin: string): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Expose-Headers': CORS_EXPOSE_HEADERS.join(', '),
  };
}

function allowHeaders(requested: string | undefined): string {
  const params = (requested ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => PARAM_HEADER.test(name));
  return [...CORS_ALLOW_HEADERS, ...params].join(', ');
}

function nodeResponse(c: Context): ServerResponse | undefined {
  return (c.env as { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined)?.outgoing;
}

/**
 * One route's CORS: answers preflights (an unlisted origin gets 403 and no CORS header, so the
 * browser refuses the call) and adds the allow/expose headers to a listed origin's responses.
 * An unlisted origin's preflight on an oidc-provider route is left to oidc-provider's own rules.
 */
export function corsFor(options: CorsOptions): MiddlewareHandler {
  const allowed = new Set(options.origins);
  if (allowed.has('*')) throw new Error('CORS: `*` is never an allowed origin');
  const { route } = options;
  const methods = route.methods.join(', ');

  return async function cors(c, next) {
    const origin = c.req.header('origin');
    const listed = origin !== undefined && allowed.has(origin);
    const preflight =
      c.req.method === 'OPTIONS' && c.req.header('access-control-request-method') !== undefined;
    if (preflight && listed) {
      return c.body(null, 204, {
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Methods': methods,
        'Access-Control-Allow-Headers': allowHeaders(c.req.header('access-control-request-headers')),
        'Access-Control-Max-Age': String(CORS_MAX_AGE_S),
        Vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
      });
    }
    if (preflight && !route.nodeWritten) {
      const message =
        allowed.size === 0
          ? 'cross-origin browser access is off (set TASKGATE_CORS_ORIGINS)'
          : `Origin ${origin ?? '(none)'} is not in TASKGATE_CORS_ORIGINS`;
      return c.json({ error: { code: 'forbidden', message } }, 403, { Vary: 'Origin' });
    }
    const node = route.nodeWritten ? nodeResponse(c) : undefined;
    // oidc-provider skips its own CORS when the response already carries Access-Control-*.
    if (listed && node)
      for (const [name, value] of Object.entries(corsResponseHeaders(origin))) node.setHeader(name, value);
    await next();
    if (!node) setAnsweredHeaders(c, listed ? corsResponseHeaders(origin) : {}, 'Origin');
  };
}
