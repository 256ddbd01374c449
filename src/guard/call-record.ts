/**
 * What the pipeline hands back for one tool call: its outcome (a value or the refusal) and
 * the record of its one audit event. The MCP endpoint collects the records of a request and
 * the HTTP route decides from them (fail closed, retry later) instead of reading flags.
 */
import type { AppError } from '../core/index.js';

export type ToolOutcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: AppError };

export interface CallRecord {
  /** The tool as the client called it. */
  readonly tool: string;
  /**
   * `written`: the call's one `mcp.tool_called` event is in the log (or, for a browser
   * approval, its `confirmation.approved`). `failed`: it could not be written, so the
   * outcome is `unavailable` and the request must fail closed. `none`: an entry that is no
   * MCP call (a browser approval) was refused before anything was done; it records nothing.
   */
  readonly audit: 'written' | 'failed' | 'none';
  /** The call was refused because the database is out (its refusal is recorded): retry later. */
  readonly databaseUnavailable: boolean;
  /** The event's id, where the pipeline knows it (the evidence of an anomaly alert). */
  readonly eventId?: string;
}

export interface Ran<T> {
  readonly outcome: ToolOutcome<T>;
  readonly record: CallRecord;
}

export const outcomeOf = (error: AppError) =>
  error.code === 'forbidden' || error.code === 'not_found' || error.code === 'rate_limited'
    ? 'denied'
    : 'error';

/** The value of a call, or its refusal thrown (for callers outside MCP: tests, the console). */
export function unwrap<T>(ran: Ran<T>): T {
  if (ran.outcome.ok) return ran.outcome.value;
  throw ran.outcome.error;
}
