/**
 * Usage counts read out of the audit log: how many calls each credential made per UTC day,
 * by tool and outcome. One grouped scan of the window; the audit layer turns the rows into
 * day series (zeros included) and decides who may see which credential.
 */

export interface UsageQuery {
  /** Inclusive lower and exclusive upper bound on `occurred_at` (ISO-8601, UTC). */
  readonly since: string;
  readonly until: string;
  /** The audit actions that count as a call, e.g. `mcp.tool_called`. */
  readonly actions: readonly string[];
  /** Only events of these credentials; left out, every credential's. Empty: none. */
  readonly credentialIds?: readonly string[];
}

/** The number of events sharing a day, credential, tool, outcome and whether they changed data. */
export interface UsageCount {
  /** `YYYY-MM-DD`, the UTC day of `occurred_at`. */
  readonly day: string;
  readonly credentialId: string;
  readonly tool: string | null;
  readonly outcome: string;
  /** The event records changes (an executed write). */
  readonly wrote: boolean;
  readonly count: number;
}

export interface UsageRepository {
  /** Counts of one workspace's credential events in the window, grouped; days without events are absent. */
  dailyCounts(workspaceId: string, query: UsageQuery): Promise<UsageCount[]>;
}
