/**
 * The MCP endpoint over the official SDK (v2), stateless: 2025-era requests go through the
 * Streamable HTTP transport in JSON-response mode, 2026-07-28 requests through the SDK's
 * per-request handler (JSON unless a tool streams, which ours do not). Tool calls are
 * recorded by the guard before their result is handed back; other requests by the HTTP
 * layer before the response leaves.
 *
 * Built servers are pooled per role: a server carries only its tool registrations (per-
 * request identity arrives in authInfo), so reusing a closed one saves rebuilding every
 * schema per request. The pool is a cache; a second instance needs nothing from it.
 */
import {
  type AuthInfo,
  createMcpHandler,
  isLegacyRequest,
  type McpServer,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';
import type { CallContext } from '../guard/index.js';
import type { Role } from '../model/index.js';
import { buildServer, callContextOf, createElicitationStateCodec, type ServerDeps } from './build-server.js';
import { createSchemaCache } from './cached-json-schema.js';
import { carryProtoArguments } from './proto-argument.js';

const POOL_SIZE_PER_ROLE = 32;
const SDK_ACCEPT = 'application/json, text/event-stream';

/**
 * The SDK's 2025-era transport answers 406 unless Accept lists both JSON and SSE, even in
 * JSON-response mode where it only ever sends JSON; a client sending `application/json`,
 * `*\/*` or no Accept at all (allowed, RFC 9110 §12.5.1) would be turned away. The HTTP
 * route has already refused an Accept that excludes JSON, so the transport is handed the
 * one it insists on. The body is passed parsed; the copy carries headers only.
 */
function withSdkAccept(request: Request): Request {
  const accept = request.headers.get('accept') ?? '';
  if (accept.includes('application/json') && accept.includes('text/event-stream')) return request;
  const headers = new Headers(request.headers);
  headers.set('accept', SDK_ACCEPT);
  return new Request(request.url, { method: request.method, headers, signal: request.signal });
}

export interface McpEndpoint {
  handle(request: Request, call: CallContext, body: unknown): Promise<Response>;
  close(): Promise<void>;
}

export function createMcpEndpoint(serverDeps: ServerDeps): McpEndpoint {
  const deps = {
    ...serverDeps,
    schemas: createSchemaCache(),
    requestState: createElicitationStateCodec(serverDeps.requestStateKey),
  };
  const pools = new Map<Role, McpServer[]>();
  const acquire = (role: Role) => pools.get(role)?.pop() ?? buildServer(deps, role);
  const release = (role: Role, server: McpServer) => {
    const pool = pools.get(role) ?? [];
    pools.set(role, pool);
    if (pool.length < POOL_SIZE_PER_ROLE) pool.push(server);
  };

  const modern = createMcpHandler(
    (ctx) => buildServer(deps, callContextOf(ctx.authInfo?.extra).principal.member.role),
    {
      legacy: 'reject',
    },
  );

  return {
    async handle(request, call, parsed) {
      const body = carryProtoArguments(parsed);
      // SECURITY: the secret never travels further than authentication.
      const authInfo: AuthInfo = {
        token: '',
        clientId: call.principal.credential.id,
        scopes: [...call.principal.credential.scopes],
        extra: { call },
      };
      if (!(await isLegacyRequest(request, body)))
        return modern.fetch(request, { authInfo, parsedBody: body });
      const role = call.principal.member.role;
      const server = acquire(role);
      const transport = new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: true,
      });
      try {
        await server.connect(transport);
        return await transport.handleRequest(withSdkAccept(request), { authInfo, parsedBody: body });
      } finally {
        await server.close();
        release(role, server);
      }
    },
    close: () => modern.close(),
  };
}
