/**
 * The shapes the storage ports return and accept, and the closed vocabularies they use.
 * Defined here, below the domain, so that both the ports and the services speak them.
 */
import type { Environment } from '../config/index.js';

export const ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const VIAS = ['web', 'mcp', 'api', 'cli'] as const;
export type Via = (typeof VIAS)[number];

export const TASK_STATUSES = ['todo', 'in_progress', 'blocked', 'done', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const TASK_PRIORITIES = ['none', 'low', 'medium', 'high', 'urgent'] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

/** How often keys must be rotated: the workspace policy sets their lifetime. */
export const ROTATION_DAYS = [30, 60, 90, 180] as const;
export type RotationDays = (typeof ROTATION_DAYS)[number];
export const DEFAULT_ROTATION_DAYS: RotationDays = 90;

export interface Workspace {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly environment: Environment;
  readonly keyRotationDays: number;
  readonly createdAt: string;
}

export interface Member {
  readonly id: string;
  readonly workspaceId: string;
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly createdAt: string;
  /** Present once the member was removed: kept for history, never signs in or holds a credential. */
  readonly removedAt?: string;
}

export interface Project {
  readonly id: string;
  readonly workspaceId: string;
  readonly key: string;
  readonly name: string;
  readonly description: string;
  readonly archived: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The fields of a task a caller may set; everything else is bookkeeping. */
export interface TaskFields {
  readonly title: string;
  readonly description: string;
  readonly status: TaskStatus;
  readonly priority: TaskPriority;
  readonly assigneeId: string | null;
  readonly dueDate: string | null;
  readonly labels: readonly string[];
}

export interface Task extends TaskFields {
  readonly id: string;
  readonly workspaceId: string;
  readonly projectId: string;
  readonly number: number;
  readonly version: number;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly createdVia: Via;
  readonly updatedAt: string;
  readonly updatedBy: string;
  readonly updatedVia: Via;
  readonly deletedAt: string | null;
  readonly deletedBy: string | null;
}

export interface FieldChange {
  readonly before: unknown;
  readonly after: unknown;
}

/** One row of a task's history: which fields one version changed, by whom, through what. */
export interface TaskChange {
  readonly id: string;
  readonly workspaceId: string;
  readonly taskId: string;
  readonly version: number;
  readonly changes: Readonly<Record<string, FieldChange>>;
  readonly changedBy: string;
  readonly changedVia: Via;
  readonly credentialName: string | null;
  readonly changedAt: string;
}

export interface Comment {
  readonly id: string;
  readonly workspaceId: string;
  readonly taskId: string;
  readonly authorId: string;
  readonly body: string;
  readonly via: Via;
  readonly credentialName: string | null;
  readonly createdAt: string;
}

export interface TimeEntry {
  readonly id: string;
  readonly workspaceId: string;
  readonly taskId: string;
  readonly memberId: string;
  readonly date: string;
  readonly minutes: number;
  readonly billable: boolean;
  readonly note: string | null;
  readonly via: Via;
  readonly createdAt: string;
}

/** An API key as stored: never the key itself, only its SHA-256 and what may be displayed. */
export interface ApiKeyRecord {
  readonly id: string;
  readonly workspaceId: string;
  readonly memberId: string;
  readonly name: string;
  readonly environment: Environment;
  readonly hash: string;
  readonly prefix: string;
  readonly last4: string;
  readonly scopes: readonly string[];
  /** Project allow-list; `null` means every project the member can see. */
  readonly projectIds: readonly string[] | null;
  readonly readOnly: boolean;
  readonly dryRunOnly: boolean;
  /** CIDR allow-list; `null` means any address. */
  readonly ipAllow: readonly string[] | null;
  readonly client: string | null;
  readonly createdAt: string;
  readonly createdBy: string | null;
  readonly expiresAt: string;
  readonly revokedAt: string | null;
  readonly replaces: string | null;
  readonly replacedBy: string | null;
  readonly replacedAt: string | null;
  readonly graceUntil: string | null;
  readonly lastUsedAt: string | null;
  readonly lastUsedIp: string | null;
  readonly lastUsedClient: string | null;
  /** Set when the key went over its write budget: someone should look at what it did. */
  readonly flaggedAt: string | null;
  readonly flaggedReason: string | null;
  /** `api_key`, or `oauth` for an OAuth connection (which has no key to present). */
  readonly kind: CredentialKind;
  /** For a connection: the OAuth client it was granted to, and the grant it accepts tokens of. */
  readonly oauthClientId: string | null;
  readonly oauthClientName: string | null;
  readonly oauthGrantId: string | null;
  /** Set while the key is suspended (anomaly rules, write budget); absent where not loaded. */
  readonly suspension?: KeySuspension | null;
}

export const SUSPENSION_MODES = ['read_only', 'dry_run'] as const;
export type SuspensionMode = (typeof SUSPENSION_MODES)[number];

/**
 * A suspension narrows a key on top of its own rights (read-only: no writes; dry-run: writes
 * only preview) until a human lifts it; the key's own flags are left as they were.
 */
export interface KeySuspension {
  readonly at: string;
  readonly mode: SuspensionMode;
  readonly reason: string;
  /** The rule or member that suspended it (`rule:<id>`, `member:<id>`). */
  readonly by: string;
}

export const CREDENTIAL_KINDS = ['api_key', 'oauth'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

export const AUDIT_OUTCOMES = ['ok', 'denied', 'error', 'dry_run', 'pending'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

export interface AuditEvent {
  readonly id: string;
  readonly workspaceId: string | null;
  readonly occurredAt: string;
  /** `noun.verb_past`, e.g. `mcp.tool_called`, `key.revoked`. */
  readonly action: string;
  readonly tool: string | null;
  readonly outcome: AuditOutcome;
  readonly errorCode: string | null;
  readonly memberId: string | null;
  readonly credentialId: string | null;
  readonly credentialName: string | null;
  readonly environment: string | null;
  readonly params: unknown;
  readonly result: unknown;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly clientName: string | null;
  readonly clientVersion: string | null;
  readonly requestId: string | null;
  readonly durationMs: number | null;
  readonly detail: unknown;
  /** What a write changed: each object with its before/after state and versions. */
  readonly changes: readonly ObjectChange[] | null;
  readonly reason: string | null;
  /** The pending action (`act_…`) a confirmed write executed. */
  readonly confirmation: string | null;
  /** Place in its workspace's hash chain; null until stored. */
  readonly seq?: number | null;
  readonly prevHash?: string | null;
  readonly hash?: string | null;
}

export const OBJECT_KINDS = ['task', 'project', 'comment', 'time_entry'] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

/** One object a write creates, changes, trashes or restores, as the plan and the audit log show it. */
export interface ObjectChange {
  readonly kind: ObjectKind;
  readonly op: 'create' | 'update' | 'delete' | 'restore';
  /** `null` for an object a plan would create (its id is only known once it is). */
  readonly id: string | null;
  /** Human reference: `APO-12`, the project key, or the task a comment belongs to. */
  readonly ref: string;
  readonly before: Readonly<Record<string, unknown>> | null;
  readonly after: Readonly<Record<string, unknown>> | null;
  /** The version (tasks) or last-update time (projects) the change was planned against. */
  readonly beforeVersion: number | string | null;
  readonly afterVersion: number | string | null;
  /** What goes with a trashed task. */
  readonly dependents?: { readonly comments: number; readonly timeEntries: number };
}

export const ACTION_STATUSES = [
  'pending',
  'executed',
  'declined',
  'expired',
  'cancelled',
  'superseded',
] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

/** A planned write waiting for a human: by token, by elicitation or in the browser. */
export interface PendingAction {
  readonly id: string;
  readonly workspaceId: string;
  readonly credentialId: string;
  readonly memberId: string;
  readonly tool: string;
  readonly args: Readonly<Record<string, unknown>>;
  readonly digest: string;
  readonly risk: string;
  readonly tier: 'token' | 'elicit' | 'approve';
  /** The plan as the human saw it: what the approval page and the status show. */
  readonly plan: unknown;
  readonly status: ActionStatus;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly decidedAt: string | null;
  /** Member id of the human who approved or declined it, or `null` (token, expiry). */
  readonly decidedBy: string | null;
  readonly result: unknown;
}

export interface WriteUsage {
  readonly id: string;
  readonly workspaceId: string;
  readonly credentialId: string;
  readonly writes: number;
  readonly deletes: number;
  readonly at: string;
}

/** How a write is confirmed, from none to a human approving it in the browser. */
export const CONFIRMATION_TIERS = ['none', 'token', 'elicit', 'approve'] as const;
export type ConfirmationTier = (typeof CONFIRMATION_TIERS)[number];

/** The risk classes a workspace policy gives a tier each. */
export const RISK_CLASSES = ['create', 'update', 'delete', 'bulk'] as const;
export type RiskClass = (typeof RISK_CLASSES)[number];

/** Who may approve a pending action: the member the credential acts for, or also owners/admins. */
export const APPROVERS = ['member', 'member_or_admin'] as const;
export type Approver = (typeof APPROVERS)[number];

export const DEFAULT_WRITE_BUDGET = 60;
export const DEFAULT_DELETE_BUDGET = 10;
export const DEFAULT_BUDGET_WINDOW_MINUTES = 10;

/** A workspace's safe-write policy as stored; a `null` tier means "the environment default". */
export interface WorkspacePolicyRecord {
  readonly workspaceId: string;
  readonly tiers: Readonly<Record<RiskClass, ConfirmationTier | null>>;
  readonly requireReason: boolean;
  readonly requireReadFirst: boolean;
  /** API keys are refused: only OAuth connections may act (each consented to in the browser). */
  readonly requireOauth: boolean;
  readonly approver: Approver;
  readonly writeBudget: number;
  readonly deleteBudget: number;
  readonly budgetWindowMinutes: number;
  readonly frozenAt: string | null;
  /** `null` while frozen: until unfrozen. */
  readonly frozenUntil: string | null;
  /** The member who froze it; `null` for the command line. */
  readonly frozenBy: string | null;
  readonly frozenReason: string | null;
  readonly updatedAt: string;
  /** The member who last changed it; `null` for the command line. */
  readonly updatedBy: string | null;
}

/** A signed-in browser session. `id` is the SHA-256 of the cookie's token, never the token. */
export interface MemberSession {
  readonly id: string;
  readonly memberId: string;
  readonly workspaceId: string;
  /** Sent back in every form of this session and compared on every POST. */
  readonly csrfToken: string;
  readonly createdAt: string;
  readonly lastSeenAt: string;
  /** The absolute end of the session, however active it is. */
  readonly expiresAt: string;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly revokedAt: string | null;
}

export const SIGN_IN_FAILURE_KINDS = ['account', 'ip'] as const;
export type SignInFailureKind = (typeof SIGN_IN_FAILURE_KINDS)[number];

export interface SignInFailure {
  readonly id: string;
  readonly kind: SignInFailureKind;
  /** `<workspace>/<email>` for an account (known or not), the address for `ip`. */
  readonly subject: string;
  readonly at: string;
}

/** A one-time login link as stored: only the SHA-256 of its token. */
export interface LoginLink {
  readonly hash: string;
  readonly workspaceId: string;
  readonly memberId: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly usedAt: string | null;
}

/**
 * An object oidc-provider persists (a client, grant, code, token, session…) as the storage
 * holds it: its own JSON payload, opaque here apart from the `grantId`, `userCode` and `uid`
 * it is looked up by. Read back with `consumed` (epoch seconds) once it has been consumed.
 */
export type OAuthModelPayload = Readonly<Record<string, unknown>>;

/** One dynamic client registration, counted against its address's rate limit. */
export interface OAuthRegistration {
  readonly id: string;
  /** The registering address; null when unknown (all such registrations share one budget). */
  readonly ip: string | null;
  readonly at: string;
}
