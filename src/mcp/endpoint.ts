/**
 * The MCP endpoint over the official SDK (v2), stateless: 2025-era requests are answered in
 * JSON by pooled servers that stay connected (`legacy-exchange.ts`, checked as the SDK's
 * Streamable HTTP transport checks them), 2026-07-28 requests by the SDK's per-request handler
 * (JSON unless a tool streams, which ours do not). Tool calls are
 * recorded by the guard before their result is handed back, and each record is reported
 * back with the response (`McpExchange`); the HTTP route records the rest from that.
 *
 * Built servers are pooled per role and era (`server-pool.ts`), so no request pays for
 * rebuilding every tool's registration, nor a 2025-era one for connecting a transport. Per era
 * because the 2026-07-28 entry marks an instance modern, which a 2025-era connect does not undo.
 */
import {
  type AuthInfo,
  CLIENT_INFO_META_KEY,
  createMcpHandler,
  isLegacyRequest,
  type McpServer,
} from '@modelcontextprotocol/server';
import type { CallContext, CallRecord } from '../guard/index.js';
import type { Role } from '../model/index.js';
import { buildServer, createElicitationStateCodec, type ServerDeps } from './build-server.js';
import { createSchemaCache } from './cached-json-schema.js';
import { type GuardedRequest, guardedRequestOf } from './guarded-request.js';
import { connectServer, serveLegacyPost } from './legacy-exchange.js';
import { carryProtoArguments } from './proto-argument.js';
import { createServerPool } from './server-pool.js';

const POOL_SIZE_PER_ROLE = 32;

/** What one request came to: the response, and what the guard recorded of its tool calls. */
export interface McpExchange {
  readonly response: Response;
  /** One record per tool call the guard ran, as it reported them. */
  readonly calls: readonly CallRecord[];
  /** Whether the response answers any message with a JSON-RPC error (see `answeredWithError`). */
  readonly answeredWithError: boolean;
}

export interface McpEndpoint {
  handle(request: Request, call: CallContext, body: unknown): Promise<McpExchange>;
  close(): Promise<void>;
}

export function createMcpEndpoint(serverDeps: ServerDeps): McpEndpoint {
  const deps = {
    ...serverDeps,
    schemas: createSchemaCache(),
    requestState: createElicitationStateCodec(serverDeps.requestStateKey),
  };
  const build = (role: Role) => buildServer(deps, role);
  const legacyPool = createServerPool(
    (role: Role) => connectServer(build(role)),
    POOL_SIZE_PER_ROLE,
    (connected) => !connected.transport.closed,
  );
  // SECURITY: the 2026-07-28 entry seeds a server's client identity from each request's
  // envelope, capabilities always (they are required) but clientInfo only when sent: a
  // server that served a client naming itself would still name it to a request naming
  // none. Requests naming no client are served by servers that never served one that did.
  const disconnected = (server: McpServer) => !server.isConnected();
  const namedPool = createServerPool(build, POOL_SIZE_PER_ROLE, disconnected);
  const unnamedPool = createServerPool(build, POOL_SIZE_PER_ROLE, disconnected);
  const unnamed = new WeakSet<AuthInfo>();

  const modern = createMcpHandler(
    (ctx) => {
      const role = guardedRequestOf(ctx.authInfo?.extra).call.principal.member.role;
      const pool = ctx.authInfo && unnamed.has(ctx.authInfo) ? unnamedPool : namedPool;
      const server = pool.take(role);
      // The entry closes the exchange's transport once the response is out; an exchange it
      // ends before connecting (a scope challenge, a header rejection) drops the server.
      server.server.onclose = () => pool.give(role, server);
      return server;
    },
    { legacy: 'reject' },
  );

  async function respond(request: Request, body: unknown, authInfo: AuthInfo, role: Role): Promise<Response> {
    if (!(await isLegacyRequest(request, body))) {
      if (!namesItsClient(body)) unnamed.add(authInfo);
      return modern.fetch(request, { authInfo, parsedBody: body });
    }
    const connected = legacyPool.take(role);
    try {
      return await serveLegacyPost(connected, request, body, authInfo);
    } finally {
      if (initializes(body)) await connected.server.close();
      else legacyPool.give(role, connected);
    }
  }

  return {
    async handle(request, call, parsed) {
      const body = carryProtoArguments(parsed);
      const calls: CallRecord[] = [];
      const runs: Promise<unknown>[] = [];
      const guarded: GuardedRequest = {
        call,
        report: (record) => calls.push(record),
        running: (run) => {
          runs.push(run.catch(() => undefined));
          return run;
        },
      };
      // SECURITY: the secret never travels further than authentication.
      const authInfo: AuthInfo = {
        token: '',
        clientId: call.principal.credential.id,
        scopes: [...call.principal.credential.scopes],
        extra: { request: guarded },
      };
      const response = await respond(request, body, authInfo, call.principal.member.role);
      // Every tool call the SDK started has recorded itself, even if the client left.
      await Promise.all(runs);
      const recorded = calls.filter((c) => c.audit === 'written').length;
      return {
        response,
        calls,
        answeredWithError: recorded < messageCount(parsed) && (await answeredWithError(response)),
      };
    },
    close: () => modern.close(),
  };
}

/**
 * SECURITY: an `initialize` binds the server it reaches to that client (its capabilities,
 * clientInfo and protocol version), and nothing in the SDK's public surface unbinds it; a
 * server that served one is not reused. Every other 2025-era message leaves a server as it
 * found it (per-request identity arrives in authInfo).
 */
const initializes = (body: unknown) =>
  (Array.isArray(body) ? body : [body]).some(
    (m) => typeof m === 'object' && m !== null && (m as { method?: unknown }).method === 'initialize',
  );

/** Whether a 2026-07-28 request's `_meta` envelope declares its client. */
function namesItsClient(body: unknown): boolean {
  const meta = (body as { params?: { _meta?: Record<string, unknown> } } | null)?.params?._meta;
  return typeof meta === 'object' && meta !== null && meta[CLIENT_INFO_META_KEY] !== undefined;
}

const messageCount = (body: unknown) =>
  (Array.isArray(body) ? body : [body]).filter((m) => typeof m === 'object' && m !== null).length;

/**
 * The SDK answers `initialize`, `tools/list`, `ping` and notifications itself, and refuses an
 * unknown or hidden tool, or arguments failing its schema, before any handler of ours runs:
 * how those ended is only in the response it writes. So a request carrying any message the
 * guard did not record has its response read once, here where the protocol is spoken, and the
 * route is handed the answer as data. A request whose every message the guard recorded is
 * never read again.
 */
async function answeredWithError(response: Response): Promise<boolean> {
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
