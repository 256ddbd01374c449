/**
 * Registers the write tools on an McpServer (the confirmation tools are in `action-tools.ts`)
 * and only translates: each handler calls one guard entry (a write, or the retry carrying an
 * elicitation's answer or asking after a URL approval), reports the record of its one audit
 * event to the request, and turns the outcome into an MCP result: a done write, a
 * dry run, a preview with a confirmation token, a form elicitation (2026-07-28
 * multi-round-trip `input_required`, its state HMAC-sealed and bound to the credential), or
 * an approval URL. Nothing is recorded from here: the guard records, refusals included.
 */
import {
  type ElicitResult,
  type InputRequiredResult,
  inputRequired,
  type McpServer,
  type RequestStateCodec,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import { toAppError } from '../core/index.js';
import type {
  ActionService,
  CallContext,
  ClientAbilities,
  ConfirmResult,
  Ran,
  WritePipeline,
  WriteResult,
  WriteSpec,
} from '../guard/index.js';
import type { RiskClass } from '../model/index.js';
import type { SchemaCache } from './cached-json-schema.js';
import type { WriteToolDefinition } from './define-write-tool.js';
import type { GuardedRequest } from './guarded-request.js';
import { toToolError } from './to-tool-error.js';

export interface WriteHandlerDeps {
  readonly pipeline: WritePipeline;
  readonly actions: ActionService;
  readonly specs: ReadonlyMap<string, WriteSpec>;
  readonly requestState: RequestStateCodec<ElicitationState>;
  readonly schemas: SchemaCache;
}

export interface ElicitationState {
  readonly actionId: string;
  readonly kind: 'confirm' | 'approve';
}

export type ToolReturn = {
  content: { type: 'text'; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
};

const CAPABILITIES_KEY = 'io.modelcontextprotocol/clientCapabilities';

export function clientAbilities(ctx: ServerContext): ClientAbilities {
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  const caps = envelope?.[CAPABILITIES_KEY] as { elicitation?: { form?: object; url?: object } } | undefined;
  const elicitation = caps?.elicitation;
  // A bare `elicitation: {}` means form support (the rule from before modes existed).
  const bare = elicitation !== undefined && !elicitation.form && !elicitation.url;
  return { formElicitation: Boolean(elicitation?.form) || bare, urlElicitation: Boolean(elicitation?.url) };
}

export const textResult = (
  body: string,
  structured: Record<string, unknown>,
  isError = false,
): ToolReturn => ({
  content: [{ type: 'text', text: body }],
  structuredContent: structured,
  ...(isError && { isError: true }),
});

const planOut = (plan: { digest: string; preview: string; changes: readonly unknown[] }) => ({
  digest: plan.digest,
  preview: plan.preview,
  changes: plan.changes,
});

/** Why a confirmation was refused and its change re-issued: a line for the text, a field for the data. */
interface Refusal {
  readonly text: string;
  readonly structured: Record<string, unknown>;
}

export async function confirmResultToTool(
  result: ConfirmResult,
  call: CallContext,
  ctx: ServerContext,
  deps: WriteHandlerDeps,
): Promise<ToolReturn | InputRequiredResult> {
  if (result.kind === 'tightened') {
    return toToolReturn(result.next, call, ctx, deps, {
      text: `refused: the workspace policy now asks for ${result.required} on ${result.plan.risk} changes, and this confirmation was issued at ${result.from}: it can no longer be used and nothing was done. The change waits again, at the tier asked for now.`,
      structured: { refused: { reason: 'policy_tightened', from: result.from, required: result.required } },
    });
  }
  if (result.kind === 'drift' && result.next && result.next.tier !== 'token') {
    return toToolReturn(result.next, call, ctx, deps, {
      text: 'conflict: the data changed since the preview, so nothing was done. The change waits again, as it is now.',
      structured: { refused: { reason: 'drifted' } },
    });
  }
  return driftOrDone(result);
}

function driftOrDone(result: Exclude<ConfirmResult, { kind: 'tightened' }>): ToolReturn {
  if (result.kind === 'done') {
    return textResult(result.applied.text, {
      status: 'done',
      action: result.action.id,
      result: result.applied.result,
      changes: result.applied.changes,
    });
  }
  const next = result.next;
  const retry = next?.token
    ? `\nIf the user still wants it, show them this new preview and, once they confirm, call confirm_action with token "${next.token}" (valid until ${next.action.expiresAt}).`
    : '\nNothing was done. Plan the change again from the current state.';
  return textResult(
    `conflict: the data changed since the preview, so nothing was done. The change would now be:\n${result.plan.preview}${retry}`,
    {
      status: 'drifted',
      plan: planOut(result.plan),
      ...(next?.token && { token: next.token, expiresAt: next.action.expiresAt }),
    },
    true,
  );
}

export function registerWriteTools(
  server: McpServer,
  tools: readonly WriteToolDefinition[],
  deps: WriteHandlerDeps,
  requestOf: (ctx: ServerContext) => GuardedRequest,
) {
  for (const tool of tools) {
    const spec = deps.specs.get(tool.name)!;
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: deps.schemas(tool.input),
        annotations: tool.annotations,
      },
      async (args: unknown, ctx) => {
        const request = requestOf(ctx);
        const state = ctx.mcpReq.requestState<ElicitationState>();
        // The guard records every outcome, refusals included; this only translates it.
        if (state)
          return translate(request, resume(request.call, tool.name, state, args, ctx, deps), (r) => r);
        return translate(
          request,
          deps.pipeline.call(request.call, spec, args as never, clientAbilities(ctx)),
          (outcome) => toToolReturn(outcome, request.call, ctx, deps),
        );
      },
    );
  }
}

/**
 * Reports the call's record to the request (the route decides from it), then turns the
 * outcome into an MCP result; a refusal becomes a tool error.
 */
export async function translate<T>(
  request: GuardedRequest,
  running: Promise<Ran<T>>,
  toResult: (value: T) => Promise<ToolReturn | InputRequiredResult> | ToolReturn | InputRequiredResult,
): Promise<ToolReturn | InputRequiredResult> {
  const { outcome, record } = await request.running(running);
  request.report(record);
  if (!outcome.ok) return toToolError(outcome.error);
  try {
    return await toResult(outcome.value);
  } catch (error) {
    return toToolError(toAppError(error));
  }
}

/** A resumed write: its result is built once the guard has answered (see `resume`). */
type Resumed = ToolReturn | InputRequiredResult;

/**
 * The retry of a write that waited for a person: for a URL approval, where it stands; for a
 * form, the answer (declined, or executed as confirmed). Runs the guard's entry and builds
 * the MCP result from its outcome, so the pair is one `Ran`.
 */
async function resume(
  call: CallContext,
  tool: string,
  state: ElicitationState,
  args: unknown,
  ctx: ServerContext,
  deps: WriteHandlerDeps,
): Promise<Ran<Resumed>> {
  if (state.kind === 'approve') {
    const ran = await deps.actions.calls.status(call, state.actionId, tool, args);
    return mapRan(ran, ({ status, action }) =>
      textResult(
        status === 'approved'
          ? `Approved in the browser and done: ${tool}.`
          : `The change is ${status}${status === 'pending' ? `; it waits for approval at the link given. Call get_action_status with action_id "${action.id}" to follow it.` : '.'}`,
        { status, action: action.id },
      ),
    );
  }
  const answer = ctx.mcpReq.inputResponses?.confirm as ElicitResult | undefined;
  const accepted =
    answer?.action === 'accept' && (answer.content as { confirm?: unknown } | undefined)?.confirm === true;
  const ran = await deps.actions.calls.answer(
    call,
    state.actionId,
    accepted,
    tool,
    clientAbilities(ctx),
    args,
  );
  return mapRan(ran, (result) =>
    result.kind === 'declined'
      ? textResult('The user declined: nothing was changed.', { status: 'declined', action: state.actionId })
      : confirmResultToTool(result, call, ctx, deps),
  );
}

/** The outcome's value turned into an MCP result; a refusal and the record are kept as they are. */
async function mapRan<T>(
  ran: Ran<T>,
  toResult: (value: T) => Resumed | Promise<Resumed>,
): Promise<Ran<Resumed>> {
  if (!ran.outcome.ok) return { outcome: ran.outcome, record: ran.record };
  try {
    return { outcome: { ok: true, value: await toResult(ran.outcome.value) }, record: ran.record };
  } catch (error) {
    return { outcome: { ok: false, error: toAppError(error) }, record: ran.record };
  }
}

/** What a person should know before saying yes: can this be taken back? */
const REVERSIBLE: Record<RiskClass, string> = {
  create: 'Reversible: what it creates can be moved to the trash.',
  update: 'It overwrites the current values (the old ones stay in the task history).',
  delete: 'Reversible: restore_task brings it back from the trash.',
  bulk: 'It overwrites the current values of every task listed (the old ones stay in their history).',
};

const CONFIRM_SCHEMA = z.object({
  confirm: z.boolean().describe('Yes, make this change'),
});

/** The outcome as MCP returns it; `refusal` says why an earlier confirmation was not used. */
async function toToolReturn(
  outcome: WriteResult,
  call: CallContext,
  ctx: ServerContext,
  deps: WriteHandlerDeps,
  refusal?: Refusal,
): Promise<ToolReturn | InputRequiredResult> {
  const text = (body: string, structured: Record<string, unknown>) =>
    refusal
      ? textResult(`${refusal.text}\n${body}`, { ...structured, ...refusal.structured }, true)
      : textResult(body, structured);
  const prefix = refusal ? `${refusal.text}\n` : '';
  switch (outcome.kind) {
    case 'done':
      return text(outcome.applied.text, {
        status: 'done',
        result: outcome.applied.result,
        changes: outcome.applied.changes,
      });
    case 'dry_run':
      return text(`DRY RUN: nothing was changed. This call would:\n${outcome.plan.preview}`, {
        status: 'dry_run',
        plan: planOut(outcome.plan),
      });
    case 'pending': {
      const { plan, action } = outcome;
      const reversible = REVERSIBLE[plan.risk];
      if (outcome.tier === 'token') {
        return text(
          `CONFIRMATION NEEDED: nothing has changed yet. Show the user this preview and ask them to confirm:\n${plan.preview}\n${reversible}\nOnly if they confirm, call confirm_action with token "${outcome.token}" (valid until ${action.expiresAt}, once); otherwise call cancel_action with it.`,
          {
            status: 'confirmation_required',
            token: outcome.token,
            expiresAt: action.expiresAt,
            plan: planOut(plan),
          },
        );
      }
      const abilities = clientAbilities(ctx);
      if (outcome.tier === 'elicit') {
        return inputRequired({
          inputRequests: {
            confirm: inputRequired.elicit({
              message:
                `${prefix}${plan.tool.replace(/_/g, ' ')} in workspace ${call.principal.workspace.slug} (${call.principal.workspace.environment}), ${plan.changes.length} object(s):\n${plan.preview}\n${reversible}`.trim(),
              requestedSchema: CONFIRM_SCHEMA,
            }),
          },
          requestState: await deps.requestState.mint({ actionId: action.id, kind: 'confirm' }, ctx),
        });
      }
      if (abilities.urlElicitation) {
        return inputRequired({
          inputRequests: {
            approve: inputRequired.elicitUrl({
              message: `${prefix}Approve this change in Taskgate (${plan.changes.length} object(s)): ${plan.tool}`,
              url: outcome.approvalUrl!,
            }),
          },
          requestState: await deps.requestState.mint({ actionId: action.id, kind: 'approve' }, ctx),
        });
      }
      return text(
        `APPROVAL NEEDED: nothing has changed yet. A person must approve this in Taskgate at ${outcome.approvalUrl} (signed in; valid until ${action.expiresAt}):\n${plan.preview}\nGive the user that link. Call get_action_status with action_id "${action.id}" to learn when it is approved, declined or expired.`,
        {
          status: 'approval_required',
          action: action.id,
          approvalUrl: outcome.approvalUrl,
          expiresAt: action.expiresAt,
          plan: planOut(plan),
        },
      );
    }
  }
}
