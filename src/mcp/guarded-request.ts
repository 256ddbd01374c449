/**
 * One MCP request as the tool handlers see it: who is calling (the route's call context) and
 * where to report what the guard recorded for each tool call. The endpoint hands the reports
 * back to the route with the response (`McpExchange`), so the route decides from data.
 */
import type { CallContext, CallRecord } from '../guard/index.js';

export interface GuardedRequest {
  readonly call: CallContext;
  report(record: CallRecord): void;
  /**
   * The guard's run of one tool call, handed over as it starts: the endpoint waits for every
   * one before the route reads the reports. A client that hangs up makes the SDK answer at
   * once, but the call runs on and records itself; read too early, its report would be missing
   * and the route would add a second, false record of the request.
   */
  running<T>(run: Promise<T>): Promise<T>;
}

export function guardedRequestOf(extra: Record<string, unknown> | undefined): GuardedRequest {
  const request = extra?.request as GuardedRequest | undefined;
  // SECURITY: a server reached without an authenticated call context is a wiring bug; refuse.
  if (!request) throw new Error('MCP request without an authenticated call context');
  return request;
}
