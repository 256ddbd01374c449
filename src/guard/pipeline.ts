/**
 * The call pipeline, as a table: one list of steps per entry, run top to bottom by
 * `runner.ts`, each step a small file under `steps/`. A step hands the next one a new state
 * (what it learned) or the call's result; a step that throws refuses the call. Whatever
 * happens, the runner leaves exactly one audit event for the call (see `runner.ts`).
 *
 * Before any of these, the HTTP route has checked Host/Origin, method, Accept and size,
 * authenticated the bearer and asked for a step-up if an OAuth token lacks a scope
 * (`src/http/mcp-request.ts`); the MCP SDK has matched the tool and checked its arguments.
 *
 * To add a step (rate-limit, anomaly — issue 16): add a file under `steps/` and a line in
 * the lists below where it belongs. Nothing else changes: the runner records its refusal.
 */
import type { AuditDraft } from '../audit/index.js';
import type { AppError } from '../core/index.js';
import { callFields } from './call-context.js';
import { outcomeOf } from './call-record.js';
import type { ActionDeps, WriteDeps } from './ports.js';
import type { Entry, RunnerDeps } from './runner.js';
import { authorize } from './steps/authorize.js';
import { budget } from './steps/budget.js';
import { browserDecline, cancel, declined } from './steps/decide.js';
import { dryRun } from './steps/dry-run.js';
import { executeAction } from './steps/execute-action.js';
import { executeAndAudit } from './steps/execute-and-audit.js';
import { byId, byToken, elicited, toolOfAction } from './steps/find-action.js';
import { freeze } from './steps/freeze.js';
import { keyStillActs, seenDigest } from './steps/key-still-acts.js';
import { open } from './steps/open.js';
import { plan } from './steps/plan.js';
import { readFirst } from './steps/read-first.js';
import { reason } from './steps/reason.js';
import { reissue } from './steps/reissue.js';
import { runRead } from './steps/run-read.js';
import type { ActionState, ReadState, WriteState } from './steps/state.js';
import { status } from './steps/status.js';
import { stillWrites } from './steps/still-writes.js';
import { tier } from './steps/tier.js';
import { tightened } from './steps/tightened.js';
import { unconfirmed } from './steps/unconfirmed.js';

// ── The table ────────────────────────────────────────────────────────────────────────────
// Adding a step (rate-limit, anomaly — issue 16) is adding a file under steps/ and a line in
// the lists below, e.g. `rateLimit,` before `authorize`: the runner records its refusal.

/** A read tool. */
const READ_STEPS = [authorize, runRead] as const;

/**
 * A write tool, first call (no confirmation yet). A tier-`none` write that is no dry run ends
 * at `unconfirmed` (planned and executed in one transaction); the rest plan by rollback, since
 * someone is shown the preview.
 */
const WRITE_STEPS = [
  authorize,
  freeze,
  reason,
  readFirst,
  unconfirmed,
  plan,
  budget,
  dryRun,
  tier,
  executeAndAudit,
] as const;

/**
 * How every confirmation ends, whoever confirms: the rights and the policy are checked again
 * (either may have changed while the action waited), then it runs — or is offered anew.
 */
const CHECK_AGAIN_AND_EXECUTE = [
  toolOfAction,
  authorize,
  stillWrites,
  freeze,
  tightened,
  executeAction,
  reissue,
] as const;

/** confirm_action: a token-tier action, confirmed with its token. */
const CONFIRM_STEPS = [byToken, open, ...CHECK_AGAIN_AND_EXECUTE] as const;

/** The retry of a write tool carrying the answer to its form elicitation. */
const ELICITATION_ANSWER_STEPS = [elicited, open, declined, ...CHECK_AGAIN_AND_EXECUTE] as const;

/** A signed-in member approves an approve-tier action in the browser (runs as the key that asked). */
const BROWSER_APPROVAL_STEPS = [open, seenDigest, keyStillActs, ...CHECK_AGAIN_AND_EXECUTE] as const;

/** A signed-in member declines it. */
const BROWSER_DECLINE_STEPS = [open, browserDecline] as const;

/** cancel_action. */
const CANCEL_STEPS = [byToken, open, cancel] as const;

/** get_action_status, and the retry of a write whose approval was asked by URL. */
const STATUS_STEPS = [byId, status] as const;

// ── How each entry records a refusal ─────────────────────────────────────────────────────

/** A refused or failed write (nothing changed): the call's one event. */
function writeRefusal(state: WriteState | ActionState, error: AppError, deps: RunnerDeps) {
  // Every MCP entry starts with its call; only a browser decision (which records no refusal) builds one.
  return {
    ...callFields(state.call!),
    action: 'mcp.tool_called',
    tool: state.tool,
    outcome: outcomeOf(error),
    errorCode: error.code,
    params: state.args,
    durationMs: deps.clock.now().getTime() - state.started,
    ...(Object.keys(error.detail).length && { detail: { error: error.publicMessage } }),
  } satisfies AuditDraft;
}

const WRITE_FAILURE = {
  failureLog: 'write failed',
  auditUnavailable: 'audit log unavailable; nothing was changed',
};

export const READ_CALL: Entry<ReadState<unknown>, RunnerDeps> = {
  steps: READ_STEPS,
  refusal: (state, error, deps) => ({
    ...callFields(state.call),
    action: 'mcp.tool_called',
    tool: state.tool,
    outcome: outcomeOf(error),
    errorCode: error.code,
    params: state.args,
    result: undefined,
    durationMs: deps.clock.now().getTime() - state.started,
  }),
  failureLog: 'tool failed',
  auditUnavailable: 'audit log unavailable; nothing was returned',
};

export const WRITE_CALL: Entry<WriteState, WriteDeps> = {
  steps: WRITE_STEPS,
  refusal: writeRefusal,
  ...WRITE_FAILURE,
};

const mcpAction = (steps: readonly ((s: ActionState, d: ActionDeps) => Promise<ActionState>)[]) =>
  ({ steps, refusal: writeRefusal, ...WRITE_FAILURE }) satisfies Entry<ActionState, ActionDeps>;

export const CONFIRM: Entry<ActionState, ActionDeps> = mcpAction(CONFIRM_STEPS);
export const ELICITATION_ANSWER: Entry<ActionState, ActionDeps> = mcpAction(ELICITATION_ANSWER_STEPS);
export const CANCEL: Entry<ActionState, ActionDeps> = mcpAction(CANCEL_STEPS);
export const STATUS: Entry<ActionState, ActionDeps> = mcpAction(STATUS_STEPS);

/** A browser decision is no MCP call: its refusal is the page's to show (and log), and records nothing. */
const browser = (steps: readonly ((s: ActionState, d: ActionDeps) => Promise<ActionState>)[]) =>
  ({ ...WRITE_FAILURE, steps, refusal: () => null, failureLog: null }) satisfies Entry<
    ActionState,
    ActionDeps
  >;

export const BROWSER_APPROVAL: Entry<ActionState, ActionDeps> = browser(BROWSER_APPROVAL_STEPS);
export const BROWSER_DECLINE: Entry<ActionState, ActionDeps> = browser(BROWSER_DECLINE_STEPS);
