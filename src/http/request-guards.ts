/**
 * Checks in front of /mcp that need no database: Host and Origin against the configured
 * public URL (DNS-rebinding protection, MCP transports §security), and where the bearer
 * token may come from. Every URL is judged against configuration, never the Host header.
 */
import { hostHeaderValidationResponse, originValidationResponse } from '@modelcontextprotocol/server';

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]', '::1'];

export function allowedHostnames(publicUrl: string): string[] {
  const { hostname } = new URL(publicUrl);
  return LOOPBACK.includes(hostname) ? LOOPBACK : [hostname];
}

/**
 * A 403 response when Host or Origin names another site; `undefined` when both are fine.
 * SECURITY: an Origin listed for CORS (`corsOrigins`, exact match) is a site the operator
 * chose to let in; the Host check, which is what stops DNS rebinding, applies to it too.
 */
export function hostOriginRejection(
  request: Request,
  hostnames: string[],
  corsOrigins: ReadonlySet<string> = new Set(),
): Response | undefined {
  const host = hostHeaderValidationResponse(request, hostnames);
  if (host) return forbidden('Host header is not this server');
  const origin = request.headers.get('origin');
  if (!origin || corsOrigins.has(origin)) return undefined;
  return originValidationResponse(request, hostnames)
    ? forbidden('Origin is not allowed to call this server')
    : undefined;
}

function forbidden(message: string): Response {
  return Response.json({ error: { code: 'forbidden', message } }, { status: 403 });
}

/** Query parameters that look like an attempt to pass a credential in the URL. */
const URL_CREDENTIALS = ['access_token', 'token', 'api_key', 'apikey', 'key', 'bearer'];

export type BearerResult = { ok: true; token: string | undefined } | { ok: false; message: string };

/**
 * SECURITY: credentials come from the Authorization header only. A token in the query
 * string leaks into logs and histories, so it is refused outright, not ignored; cookies
 * are never read (a browser could attach them cross-site).
 */
export function bearerFrom(request: Request): BearerResult {
  const url = new URL(request.url);
  if (URL_CREDENTIALS.some((name) => url.searchParams.has(name))) {
    return { ok: false, message: 'credentials in the URL are refused; send "Authorization: Bearer <key>"' };
  }
  const header = request.headers.get('authorization');
  if (header === null) return { ok: true, token: undefined };
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  if (!match) return { ok: false, message: 'Authorization header must be "Bearer <key>"' };
  return { ok: true, token: match[1] };
}
