/**
 * Builds an McpServer with the tools a role may ever use (tools it can never use are not
 * listed), each handler one entry of the guard pipeline whose record it reports to the
 * request. The server holds no request state: who is calling, and where to report, arrive
 * with every request in `authInfo.extra.request`, so one built server can be reused for any
 * request of the same role.
 */
import {
  createRequestStateCodec,
  McpServer,
  type RequestStateCodec,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { roleCeiling } from '../credentials/index.js';
import type { Domain } from '../domain/index.js';
import {
  type ActionService,
  type PolicySource,
  type ToolRunner,
  toActor,
  type WritePipeline,
  type WriteSpec,
} from '../guard/index.js';
import type { Role } from '../model/index.js';
import { registerActionTools } from './action-tools.js';
import type { SchemaCache } from './cached-json-schema.js';
import type { ToolDefinition } from './define-tool.js';
import { toWriteSpec, type WriteToolDefinition } from './define-write-tool.js';
import { guardedRequestOf } from './guarded-request.js';
import { toToolError } from './to-tool-error.js';
import { TOOLS, WRITE_TOOLS } from './tools/index.js';
import { type ElicitationState, registerWriteTools } from './write-handler.js';

/**
 * Test harnesses only: registers more on a built server (see `ServerDeps.extend`), with the
 * server's own requestState codec so that a fixture's multi-round-trip state is checked like ours.
 */
export type McpServerExtension = (
  server: McpServer,
  state: { mintState(payload: unknown, ctx: ServerContext): Promise<string> },
) => void;

export interface ServerDeps {
  readonly domain: Domain;
  readonly runTool: ToolRunner;
  readonly version: string;
  readonly pipeline: WritePipeline;
  readonly actions: ActionService;
  readonly specs: ReadonlyMap<string, WriteSpec>;
  readonly policyFor: PolicySource;
  /** Key for the multi-round-trip state of an elicitation (HMAC, bound to the credential). */
  readonly requestStateKey: Uint8Array;
  /**
   * Test harnesses only (the conformance run's fixture tools): more registrations on every
   * built server, reached through the same authentication as ours. `serve` never sets it.
   */
  readonly extend?: McpServerExtension;
}

interface BuildDeps extends ServerDeps {
  readonly schemas: SchemaCache;
  readonly requestState: RequestStateCodec<ElicitationState>;
}

/** The write tools as the guard sees them, bound to the domain. */
export function createWriteSpecs(domain: Domain): ReadonlyMap<string, WriteSpec> {
  return new Map(WRITE_TOOLS.map((tool) => [tool.name, toWriteSpec(tool, domain)]));
}

export function createElicitationStateCodec(key: Uint8Array): RequestStateCodec<ElicitationState> {
  return createRequestStateCodec<ElicitationState>({
    key,
    ttlSeconds: 600,
    // SECURITY: state minted for one credential and method is refused for any other.
    bind: (ctx) => `${ctx.mcpReq.method}\0${ctx.http?.authInfo?.clientId ?? ''}`,
  });
}

const INSTRUCTIONS = [
  'Taskgate: projects, tasks, comments and time tracking for a team.',
  'Call whoami first to learn what this credential may do.',
  'Tasks are named by key (APO-12); read a task before changing it and pass its version back.',
].join(' ');

export function toolsForRole<T extends { readonly scopes: readonly string[] }>(
  role: Role,
  tools: readonly T[] = TOOLS as unknown as readonly T[],
): readonly T[] {
  const ceiling = new Set(roleCeiling(role));
  return tools.filter((tool) => tool.scopes.every((scope) => ceiling.has(scope as never)));
}

export function buildServer(deps: BuildDeps, role: Role): McpServer {
  const server = new McpServer(
    { name: 'taskgate', title: 'Taskgate', version: deps.version },
    // Stateless: there is no stream on which a list-changed notification could ever be sent.
    {
      capabilities: { tools: { listChanged: false } },
      instructions: INSTRUCTIONS,
      requestState: { verify: deps.requestState.verify },
      // Stateless: a 2025-era request has no stream back for a server-side elicitation round.
      inputRequired: { legacyShim: false },
    },
  );
  const requestOf = (ctx: { http?: { authInfo?: { extra?: Record<string, unknown> } } }) =>
    guardedRequestOf(ctx.http?.authInfo?.extra);
  for (const tool of toolsForRole<ToolDefinition>(role)) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: deps.schemas(tool.input),
        outputSchema: deps.schemas(tool.output),
        annotations: tool.annotations,
      },
      async (args: unknown, ctx) => {
        const { call, report, running } = requestOf(ctx);
        const { outcome, record } = await running(
          deps.runTool(call, tool, args, async () => {
            const result = await tool.run(
              {
                principal: call.principal,
                actor: toActor(call.principal),
                domain: deps.domain,
                policy: () => deps.policyFor(call.principal.workspace),
              },
              args as never,
            );
            return { value: result, summary: result.summary };
          }),
        );
        report(record);
        if (!outcome.ok) return toToolError(outcome.error);
        return {
          content: [{ type: 'text' as const, text: outcome.value.text }],
          structuredContent: outcome.value.structured as Record<string, unknown>,
        };
      },
    );
  }
  // Writes after reads: clients list tools in this order.
  const writes = toolsForRole<WriteToolDefinition>(role, WRITE_TOOLS);
  if (writes.length) {
    registerWriteTools(server, writes, deps, requestOf);
    registerActionTools(server, deps, requestOf);
  }
  deps.extend?.(server, { mintState: (payload, ctx) => deps.requestState.mint(payload as never, ctx) });
  return server;
}
