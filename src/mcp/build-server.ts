/**
 * Builds an McpServer with the tools a role may ever use (tools it can never use are not
 * listed), each wrapped in the guard pipeline. The server holds no request state: who is
 * calling arrives with every request in `authInfo.extra.call`, so one built server can be
 * reused for any request of the same role.
 */
import { McpServer } from '@modelcontextprotocol/server';
import { roleCeiling } from '../credentials/index.js';
import type { Domain } from '../domain/index.js';
import { type CallContext, type ToolRunner, toActor } from '../guard/index.js';
import type { Role } from '../storage/index.js';
import type { SchemaCache } from './cached-json-schema.js';
import type { ToolDefinition } from './define-tool.js';
import { toToolError } from './to-tool-error.js';
import { TOOLS } from './tools/index.js';

export interface ServerDeps {
  readonly domain: Domain;
  readonly runTool: ToolRunner;
  readonly version: string;
}

interface BuildDeps extends ServerDeps {
  readonly schemas: SchemaCache;
}

const INSTRUCTIONS = [
  'Taskgate: projects, tasks, comments and time tracking for a team.',
  'Call whoami first to learn what this credential may do.',
  'Tasks are named by key (APO-12); read a task before changing it and pass its version back.',
].join(' ');

export function toolsForRole(
  role: Role,
  tools: readonly ToolDefinition[] = TOOLS,
): readonly ToolDefinition[] {
  const ceiling = new Set(roleCeiling(role));
  return tools.filter((tool) => tool.scopes.every((scope) => ceiling.has(scope)));
}

export function callContextOf(extra: Record<string, unknown> | undefined): CallContext {
  const call = extra?.call as CallContext | undefined;
  // SECURITY: a server reached without an authenticated call context is a wiring bug; refuse.
  if (!call) throw new Error('MCP request without an authenticated call context');
  return call;
}

export function buildServer(deps: BuildDeps, role: Role): McpServer {
  const server = new McpServer(
    { name: 'taskgate', title: 'Taskgate', version: deps.version },
    // Stateless: there is no stream on which a list-changed notification could ever be sent.
    { capabilities: { tools: { listChanged: false } }, instructions: INSTRUCTIONS },
  );
  for (const tool of toolsForRole(role)) {
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
        const call = callContextOf(ctx.http?.authInfo?.extra);
        const outcome = await deps.runTool(call, tool, args, async () => {
          const result = await tool.run(
            { principal: call.principal, actor: toActor(call.principal), domain: deps.domain },
            args as never,
          );
          return { value: result, summary: result.summary };
        });
        if (!outcome.ok) return toToolError(outcome.error);
        return {
          content: [{ type: 'text' as const, text: outcome.value.text }],
          structuredContent: outcome.value.structured as Record<string, unknown>,
        };
      },
    );
  }
  return server;
}
