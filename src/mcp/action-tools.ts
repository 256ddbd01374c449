/**
 * The confirmation tools — confirm_action, cancel_action, get_action_status — each one guard
 * entry (`src/guard/pipeline.ts`) whose record is reported to the request and whose outcome
 * is translated here; nothing is recorded from the MCP layer.
 */
import type { McpServer, ServerContext } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { reference } from '../domain/index.js';
import { READ_ONLY } from './define-tool.js';
import { WRITE } from './define-write-tool.js';
import type { GuardedRequest } from './guarded-request.js';
import { confirmResultToTool, textResult, translate, type WriteHandlerDeps } from './write-handler.js';

export function registerActionTools(
  server: McpServer,
  deps: WriteHandlerDeps,
  requestOf: (ctx: ServerContext) => GuardedRequest,
) {
  const tokenIn = z
    .object({ token: reference(200).describe('the confirmation token from the preview') })
    .strict();
  const { calls } = deps.actions;

  server.registerTool(
    'confirm_action',
    {
      title: 'Confirm a previewed change',
      description:
        'Carry out a change the user confirmed, with the token from its preview. Refused if anything changed since the preview.',
      inputSchema: deps.schemas(tokenIn),
      annotations: { ...WRITE, title: 'Confirm a change', destructiveHint: true, idempotentHint: false },
    },
    async (args: unknown, ctx) => {
      const request = requestOf(ctx);
      const { token } = args as { token: string };
      return translate(request, calls.confirm(request.call, token, args), (result) =>
        confirmResultToTool(result, request.call, ctx, deps),
      );
    },
  );
  server.registerTool(
    'cancel_action',
    {
      title: 'Cancel a previewed change',
      description: 'Discard a previewed change the user did not confirm.',
      inputSchema: deps.schemas(tokenIn),
      annotations: { ...WRITE, title: 'Cancel a change', destructiveHint: false, idempotentHint: true },
    },
    async (args: unknown, ctx) => {
      const request = requestOf(ctx);
      const { token } = args as { token: string };
      return translate(request, calls.cancel(request.call, token, args), ({ action }) =>
        textResult(`Cancelled: nothing was changed (${action.tool}).`, {
          status: 'cancelled',
          action: action.id,
        }),
      );
    },
  );
  const statusIn = z
    .object({ action_id: reference(64).describe('the action id from the approval request') })
    .strict();
  server.registerTool(
    'get_action_status',
    {
      title: 'Status of a change waiting for approval',
      description:
        'Whether a change waiting for a person is pending, approved (and done), declined or expired.',
      inputSchema: deps.schemas(statusIn),
      annotations: { ...READ_ONLY, title: 'Action status' },
    },
    async (args: unknown, ctx) => {
      const request = requestOf(ctx);
      const { action_id: id } = args as { action_id: string };
      return translate(
        request,
        calls.status(request.call, id, 'get_action_status', args),
        ({ status, action }) =>
          textResult(
            `${action.tool} (${action.id}) is ${status}${status === 'pending' ? ` until ${action.expiresAt}` : ''}.`,
            {
              status,
              action: action.id,
              tool: action.tool,
              expiresAt: action.expiresAt,
              decidedAt: action.decidedAt,
            },
          ),
      );
    },
  );
}
