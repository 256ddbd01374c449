/**
 * The relational schema as kysely sees it. One schema serves SQLite and PostgreSQL, so
 * column types stay in the common subset: times are ISO-8601 UTC text, booleans are
 * 0/1 integers, lists are JSON text. `docs/storage.md` describes each table.
 */
import type { Generated } from 'kysely';
import type { ChainedRow } from '../chain/index.js';
import type {
  AlertTable,
  KeyBaselineTable,
  MonitoringSettingTable,
  NotificationDeliveryTable,
  NotifyCursorTable,
  RateLimitTable,
  ScheduledJobTable,
  WebhookEndpointTable,
} from './schema-monitoring.js';

export interface WorkspaceTable {
  id: string;
  slug: string;
  name: string;
  environment: string;
  created_at: string;
  key_rotation_days: Generated<number>;
}

export interface MemberTable {
  id: string;
  workspace_id: string;
  email: string;
  name: string;
  role: string;
  created_at: string;
  /** Set when the member was removed (migration 0012); the row stays for history. */
  removed_at: string | null;
}

export interface ProjectTable {
  id: string;
  workspace_id: string;
  key: string;
  name: string;
  description: string;
  archived: number;
  next_task_number: Generated<number>;
  created_at: string;
  updated_at: string;
}

export interface ProjectMemberTable {
  project_id: string;
  member_id: string;
}

export interface TaskTable {
  id: string;
  workspace_id: string;
  project_id: string;
  number: number;
  title: string;
  description: string;
  status: string;
  priority: string;
  assignee_id: string | null;
  due_date: string | null;
  labels: string;
  version: number;
  created_at: string;
  created_by: string;
  created_via: string;
  updated_at: string;
  updated_by: string;
  updated_via: string;
  deleted_at: string | null;
  deleted_by: string | null;
}

export interface TaskChangeTable {
  id: string;
  workspace_id: string;
  task_id: string;
  version: number;
  changes: string;
  changed_by: string;
  changed_via: string;
  credential_name: string | null;
  changed_at: string;
}

export interface CommentTable {
  id: string;
  workspace_id: string;
  task_id: string;
  author_id: string;
  body: string;
  via: string;
  credential_name: string | null;
  created_at: string;
}

export interface TimeEntryTable {
  id: string;
  workspace_id: string;
  task_id: string;
  member_id: string;
  date: string;
  minutes: number;
  billable: number;
  note: string | null;
  via: string;
  created_at: string;
}

export interface ApiKeyTable {
  id: string;
  workspace_id: string;
  member_id: string;
  name: string;
  environment: string;
  hash: string;
  prefix: string;
  last4: string;
  scopes: string;
  project_ids: string | null;
  read_only: number;
  dry_run_only: number;
  ip_allow: string | null;
  client: string | null;
  created_at: string;
  created_by: string | null;
  expires_at: string;
  revoked_at: string | null;
  replaces: string | null;
  replaced_by: string | null;
  replaced_at: string | null;
  grace_until: string | null;
  last_used_at: string | null;
  last_used_ip: string | null;
  last_used_client: string | null;
  flagged_at: string | null;
  flagged_reason: string | null;
  kind: Generated<string>;
  oauth_client_id: string | null;
  oauth_client_name: string | null;
  oauth_grant_id: string | null;
  /** A suspension (0017), apart from the key's own rights: lifting it restores them. */
  suspended_at: string | null;
  suspended_mode: string | null;
  suspended_reason: string | null;
  suspended_by: string | null;
}

/** Audit events: the chain rule hashes every column, so src/chain/ defines the row. */
export type AuditEventTable = ChainedRow;

/** The newest event of each chain: where the next one attaches (and what a lock is taken on). */
export interface AuditHeadTable {
  chain: string;
  seq: number;
  hash: string;
  /** The head when checkpoints became a chain (migration 0011); 0 for later chains. */
  linked_from: Generated<number>;
}

export interface AuditCheckpointTable {
  chain: string;
  seq: number;
  hash: string;
  at: string;
  key_id: string;
  signature: string;
  /** The hash of the chain's previous checkpoint (migration 0011); null on older ones. */
  prev_checkpoint_hash: string | null;
}

/** The public half of every key that signed a checkpoint here (migration 0011). */
export interface SigningKeyTable {
  key_id: string;
  /** The raw Ed25519 public key, base64url (a JWK's `x`). */
  public_key: string;
  first_used_at: string;
}

export interface PendingActionTable {
  id: string;
  workspace_id: string;
  credential_id: string;
  member_id: string;
  tool: string;
  args: string;
  digest: string;
  risk: string;
  tier: string;
  plan: string;
  status: string;
  created_at: string;
  expires_at: string;
  decided_at: string | null;
  decided_by: string | null;
  result: string | null;
}

export interface WriteUsageTable {
  id: string;
  workspace_id: string;
  credential_id: string;
  writes: number;
  deletes: number;
  at: string;
  /** The credential's writes and deletes up to and including this row (migration 0021). */
  writes_total: number;
  deletes_total: number;
}

/**
 * The authentication epoch (migration 0020): one row whose counter the database's own
 * triggers move with every committed change a credential lookup could see.
 */
export interface AuthEpochTable {
  id: number;
  /** A bigint: PostgreSQL hands it back as a string, SQLite as a number. */
  epoch: string | number;
}

export interface WorkspacePolicyTable {
  workspace_id: string;
  create_tier: string | null;
  update_tier: string | null;
  delete_tier: string | null;
  bulk_tier: string | null;
  require_reason: number;
  require_read_first: number;
  require_oauth: number;
  approver: string;
  write_budget: number;
  delete_budget: number;
  budget_window_minutes: number;
  frozen_at: string | null;
  frozen_until: string | null;
  frozen_by: string | null;
  frozen_reason: string | null;
  updated_at: string;
  updated_by: string | null;
}

/**
 * `members.password_hash` (migration 0004). Kept out of MemberTable on purpose: only the
 * sign-in repository sees it (through `withTables`), so no other member query carries it.
 */
export interface MemberPasswordColumns {
  password_hash: string | null;
}

/** Server-side web sessions; `id` is the SHA-256 (hex) of the token in the cookie. */
export interface MemberSessionTable {
  id: string;
  member_id: string;
  workspace_id: string;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
  revoked_at: string | null;
}

/** Failed sign-in attempts, counted per account and per address for throttling. */
export interface SignInFailureTable {
  id: string;
  kind: string;
  subject: string;
  at: string;
}

/** One-time login links; `hash` is the SHA-256 (hex) of the token in the link. */
export interface LoginLinkTable {
  hash: string;
  workspace_id: string;
  member_id: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

/**
 * Everything oidc-provider persists (migration 0008), one row per (model, id): `payload` is
 * its JSON; `grant_id`, `user_code` and `uid` are copied out of it for lookups; `consumed_at`
 * is set once, by a conditional update, and is what makes codes and refresh tokens single-use.
 */
export interface OAuthModelTable {
  model: string;
  id: string;
  payload: string;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  expires_at: string | null;
  consumed_at: string | null;
}

/** Dynamic client registrations, counted per address for the registration rate limit. */
export interface OAuthRegistrationTable {
  id: string;
  ip: string | null;
  at: string;
}

export type * from './schema-monitoring.js';

export interface Database {
  workspaces: WorkspaceTable;
  members: MemberTable;
  projects: ProjectTable;
  project_members: ProjectMemberTable;
  tasks: TaskTable;
  task_changes: TaskChangeTable;
  comments: CommentTable;
  time_entries: TimeEntryTable;
  api_keys: ApiKeyTable;
  audit_events: AuditEventTable;
  pending_actions: PendingActionTable;
  audit_heads: AuditHeadTable;
  audit_checkpoints: AuditCheckpointTable;
  signing_keys: SigningKeyTable;
  write_usage: WriteUsageTable;
  workspace_policies: WorkspacePolicyTable;
  member_sessions: MemberSessionTable;
  sign_in_failures: SignInFailureTable;
  login_links: LoginLinkTable;
  oauth_models: OAuthModelTable;
  oauth_registrations: OAuthRegistrationTable;
  monitoring_settings: MonitoringSettingTable;
  rate_limits: RateLimitTable;
  key_baselines: KeyBaselineTable;
  alerts: AlertTable;
  webhook_endpoints: WebhookEndpointTable;
  notification_deliveries: NotificationDeliveryTable;
  notify_cursor: NotifyCursorTable;
  scheduled_jobs: ScheduledJobTable;
  auth_epoch: AuthEpochTable;
}
