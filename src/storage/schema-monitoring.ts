/**
 * The monitoring tables (issue 16: migrations 0015-0018), split from schema.ts to keep each
 * file readable; `Database` in schema.ts names them all.
 */

/** A workspace's monitoring settings, one row per section (0015). */
export interface MonitoringSettingTable {
  workspace_id: string;
  section: string;
  /** The section's JSON, validated by src/monitoring before it is written. */
  value: string;
  updated_at: string;
  updated_by: string | null;
}

/** The rate limiter's counters on PostgreSQL (0016), in rate-limiter-flexible's layout. */
export interface RateLimitTable {
  key: string;
  points: number;
  /** Epoch milliseconds; null: never. */
  expire: string | number | null;
}

/** Per credential: what the anomaly rules compare a call with (0017). */
export interface KeyBaselineTable {
  workspace_id: string;
  credential_id: string;
  state: string;
  last_seen_at: string;
}

/** What an anomaly rule (or the write budget) raised (0017). */
export interface AlertTable {
  id: string;
  workspace_id: string;
  rule: string;
  credential_id: string | null;
  severity: string;
  summary: string;
  /** JSON array of audit event ids. */
  evidence: string;
  action: string;
  created_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  resolved_at: string | null;
  resolved_by: string | null;
}

/** Notifications (0018): webhook endpoints, the delivery log, the dispatcher's cursor, job leases. */
export interface WebhookEndpointTable {
  id: string;
  workspace_id: string;
  url: string;
  secret_sealed: string;
  created_at: string;
  created_by: string | null;
}

export interface NotificationDeliveryTable {
  id: string;
  workspace_id: string;
  channel: string;
  target: string;
  notice: string;
  kind: string;
  payload: string;
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

export interface NotifyCursorTable {
  chain: string;
  seq: number;
}

export interface ScheduledJobTable {
  name: string;
  next_run_at: string;
  lease_owner: string | null;
  lease_until: string | null;
  last_run_at: string | null;
}
