/**
 * The storage ports: the smallest interfaces the domain needs. Every method is scoped by
 * workspace id where an object belongs to one, so a query can never cross tenants by
 * accident. Implemented once with kysely for SQLite and PostgreSQL (`kysely-store.ts`)
 * and held to one contract suite.
 */

import type {
  ActionStatus,
  ApiKeyRecord,
  AuditEvent,
  Comment,
  Member,
  PendingAction,
  Project,
  Role,
  Task,
  TaskChange,
  TaskFields,
  TaskStatus,
  TimeEntry,
  Via,
  Workspace,
  WorkspacePolicyRecord,
  WriteUsage,
} from '../model/index.js';
import type { AlertRepository, KeyBaselineRepository, KeySuspensionRepository } from './anomaly-ports.js';
import type { AuditRepository } from './audit-ports.js';
import type { AuthEpochReader } from './auth-epoch-ports.js';
import type { ChainHead } from './checkpoint-ports.js';
import type { MonitoringSettingsRepository } from './monitoring-ports.js';
import type {
  DeliveryRepository,
  JobRepository,
  NotifyCursorRepository,
  WebhookRepository,
} from './notify-ports.js';
import type { OAuthModelRepository, OAuthRegistrationRepository } from './oauth-ports.js';
import type { SessionRepository, SignInRepository } from './session-ports.js';
import type { UsageRepository } from './usage-ports.js';
import type { WriteUsageRepository } from './write-usage-ports.js';

export interface WorkspaceRepository {
  insert(workspace: Workspace): Promise<void>;
  findById(id: string): Promise<Workspace | undefined>;
  findBySlug(slug: string): Promise<Workspace | undefined>;
  list(): Promise<Workspace[]>;
  /** The rotation policy: every key's rotation due date is computed from it when read. */
  setKeyRotationDays(id: string, days: number): Promise<void>;
}

export interface MemberLookupOptions {
  /** Also find members who were removed (they carry `removedAt`); by default only current ones. */
  readonly includeRemoved?: boolean;
}

export interface MemberRepository {
  insert(member: Member): Promise<void>;
  /** By id, removed or not: history (tasks, audit events) points at members by id. */
  findById(workspaceId: string, id: string): Promise<Member | undefined>;
  findByEmail(workspaceId: string, email: string, options?: MemberLookupOptions): Promise<Member | undefined>;
  /** The workspace's current members; removed ones only when asked. */
  list(workspaceId: string, options?: MemberLookupOptions): Promise<Member[]>;
  updateRole(workspaceId: string, id: string, role: Role): Promise<void>;
  /** Marks the member removed (`at`) or current again (`null`); returns whether it changed. */
  setRemoved(workspaceId: string, id: string, at: string | null): Promise<boolean>;
  /**
   * Inside a transaction: waits for, then holds until commit, the workspace's membership, so
   * that "is this the last owner?" and the change after it never interleave with another's.
   */
  lock(workspaceId: string): Promise<void>;
}

export interface ProjectPatch {
  readonly name?: string;
  readonly description?: string;
  readonly archived?: boolean;
  readonly updatedAt: string;
}

export interface ProjectRepository {
  insert(project: Project): Promise<void>;
  findById(workspaceId: string, id: string): Promise<Project | undefined>;
  findByKey(workspaceId: string, key: string): Promise<Project | undefined>;
  /** All projects of the workspace, or only those `memberId` belongs to. */
  list(workspaceId: string, options: { includeArchived: boolean; memberId?: string }): Promise<Project[]>;
  update(workspaceId: string, id: string, patch: ProjectPatch): Promise<void>;
  addMember(projectId: string, memberId: string): Promise<void>;
  isMember(projectId: string, memberId: string): Promise<boolean>;
  listMemberIds(projectId: string): Promise<string[]>;
}

export interface TaskFilter {
  /** Restrict to these projects; `undefined` means every project of the workspace. */
  readonly projectIds?: readonly string[];
  readonly statuses?: readonly TaskStatus[];
  readonly assigneeId?: string;
  readonly dueBefore?: string;
  readonly dueAfter?: string;
  readonly label?: string;
  /** Case-insensitive substring of title or description. */
  readonly text?: string;
  readonly deleted?: 'exclude' | 'only';
}

export interface PageRequest {
  /** Return items whose id sorts after this one. */
  readonly afterId?: string;
  readonly limit: number;
}

export interface TaskUpdate {
  readonly fields: Partial<TaskFields>;
  readonly updatedAt: string;
  readonly updatedBy: string;
  readonly updatedVia: Via;
}

export type TaskByKey = { project: Project; task: Task | undefined };

export interface TaskRepository {
  insert(task: Task): Promise<void>;
  /**
   * Inserts `task` under its project's next number (the `12` of `APO-12`), taken atomically;
   * with `created`, the task's first history row goes in with it (one statement on PostgreSQL).
   */
  insertNumbered(task: Omit<Task, 'number'>, created?: TaskChange): Promise<Task>;
  findById(workspaceId: string, id: string): Promise<Task | undefined>;
  /** A task by its key (`APO-12`) in one read: the project (none: undefined), the task if any. */
  findByProjectKey(workspaceId: string, projectKey: string, number: number): Promise<TaskByKey | undefined>;
  list(workspaceId: string, filter: TaskFilter, page: PageRequest): Promise<Task[]>;
  /**
   * Applies `update` and increments the version only if the stored version equals
   * `expectedVersion`; returns the new task, or `undefined` when the version moved on.
   */
  updateIfVersion(
    workspaceId: string,
    id: string,
    expectedVersion: number,
    update: TaskUpdate,
  ): Promise<Task | undefined>;
  /** Sets or clears `deleted_at` if the version matches; same contract as updateIfVersion. */
  setDeletedIfVersion(
    workspaceId: string,
    id: string,
    expectedVersion: number,
    deleted: { at: string; by: string } | null,
    update: Omit<TaskUpdate, 'fields'>,
  ): Promise<Task | undefined>;
  insertChange(change: TaskChange): Promise<void>;
  listChanges(workspaceId: string, taskId: string, afterVersion: number): Promise<TaskChange[]>;
  countDependents(workspaceId: string, taskId: string): Promise<{ comments: number; timeEntries: number }>;
  /** Permanently removes trashed tasks deleted before `before`, with their comments, time and history. */
  purgeDeletedBefore(workspaceId: string, before: string): Promise<number>;
  /** How many trashed tasks `purgeDeletedBefore` would remove. */
  countDeletedBefore(workspaceId: string, before: string): Promise<number>;
}

export interface CommentRepository {
  insert(comment: Comment): Promise<void>;
  listByTask(workspaceId: string, taskId: string, page: PageRequest): Promise<Comment[]>;
}

export interface TimeEntryFilter {
  readonly taskId?: string;
  readonly memberId?: string;
  readonly projectIds?: readonly string[];
  readonly from?: string;
  readonly to?: string;
}

export interface TimeEntryRepository {
  insert(entry: TimeEntry): Promise<void>;
  list(workspaceId: string, filter: TimeEntryFilter, page: PageRequest): Promise<TimeEntry[]>;
}

export interface KeyUsage {
  readonly at: string;
  readonly ip: string | null;
  readonly client: string | null;
}

export interface ApiKeyRepository {
  insert(key: ApiKeyRecord): Promise<void>;
  findByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  /**
   * The key with its workspace, member and whether the workspace's policy accepts OAuth
   * connections only (`requireOauth`), in one query: the hot path of every request.
   */
  findOwnedByHash(
    hash: string,
  ): Promise<{ key: ApiKeyRecord; workspace: Workspace; member: Member; requireOauth: boolean } | undefined>;
  findById(workspaceId: string, id: string): Promise<ApiKeyRecord | undefined>;
  /** The key that currently holds `name` (not revoked, not rotated out). */
  findCurrentByName(workspaceId: string, name: string): Promise<ApiKeyRecord | undefined>;
  list(workspaceId: string): Promise<ApiKeyRecord[]>;
  markReplaced(
    workspaceId: string,
    id: string,
    replacement: { replacedBy: string; replacedAt: string; graceUntil: string },
  ): Promise<void>;
  /** Revokes the key if it is not revoked yet; returns whether it did. */
  revoke(workspaceId: string, id: string, at: string): Promise<boolean>;
  recordUse(id: string, usage: KeyUsage): Promise<void>;
  /** Marks the key for review (it went over its write budget); keeps the first flag. */
  flag(workspaceId: string, id: string, flag: { at: string; reason: string }): Promise<void>;
  /** Distinct environments of the workspaces this database serves. */
  servedEnvironments(): Promise<string[]>;
  /** Replaces a live key's scopes and read-only flag (a lowered role); returns whether it did. */
  narrow(
    workspaceId: string,
    id: string,
    rights: { readonly scopes: readonly string[]; readonly readOnly: boolean },
  ): Promise<boolean>;
  /**
   * Replaces a live key's rights with narrower ones (`keys narrow`; the service has checked
   * that nothing widens); returns whether it did.
   */
  narrowRights(workspaceId: string, id: string, rights: KeyRights): Promise<boolean>;
  /** Makes the key dry-run-only (incident containment) if it is not yet; returns whether it did. */
  restrictToDryRun(workspaceId: string, id: string): Promise<boolean>;
  /** A credential by id alone with its workspace and member: how an OAuth access token is resolved. */
  findOwnedById(id: string): Promise<{ key: ApiKeyRecord; workspace: Workspace; member: Member } | undefined>;
  /** The member's live (not revoked) connection for an OAuth client, if any. */
  findConnection(workspaceId: string, memberId: string, clientId: string): Promise<ApiKeyRecord | undefined>;
  /** A new consent on an existing connection: its rights and the grant it now accepts. */
  updateConnection(workspaceId: string, id: string, change: ConnectionChange): Promise<void>;
  /**
   * Revokes the live connection holding `grantId`; returns it when there was one. Takes
   * `lockForChange` for its workspace first: call it before anything else in the transaction.
   */
  revokeByGrant(grantId: string, at: string): Promise<ApiKeyRecord | undefined>;
  /**
   * Inside a transaction, before its first read: waits for any other rotation or revocation
   * in the workspace to end, so a family read here cannot miss a key minted beside it; and
   * for the writes already past their checks (they hold it shared: `writeUsage.lockForWrite`),
   * so none of them commits after a change to a key's rights. Every such change takes it.
   */
  lockForChange(workspaceId: string): Promise<void>;
}

/** Everything a key may do, as `narrowRights` stores it. */
export interface KeyRights {
  readonly scopes: readonly string[];
  readonly projectIds: readonly string[] | null;
  readonly readOnly: boolean;
  readonly dryRunOnly: boolean;
  readonly ipAllow: readonly string[] | null;
  readonly expiresAt: string;
}

export interface ConnectionChange {
  readonly scopes: readonly string[];
  readonly projectIds: readonly string[] | null;
  readonly readOnly: boolean;
  readonly grantId: string;
  readonly clientName: string;
  readonly expiresAt: string;
}

export interface ActionDecision {
  readonly status: ActionStatus;
  readonly at: string;
  readonly by: string | null;
  readonly result?: unknown;
}

export interface PendingActionRepository {
  insert(action: PendingAction): Promise<void>;
  findById(workspaceId: string, id: string): Promise<PendingAction | undefined>;
  /**
   * Moves the action from `from` to the decision's status only if it is still in `from`;
   * returns whether this call moved it. The one way an action is ever used, so that of
   * many concurrent confirmations exactly one wins.
   */
  transition(workspaceId: string, id: string, from: ActionStatus, decision: ActionDecision): Promise<boolean>;
  /** Pending actions of the workspace not yet expired at `now`, oldest first. */
  listPending(workspaceId: string, now: string): Promise<PendingAction[]>;
  /**
   * Decided actions of a tier (no longer pending, with a decision time), newest decision
   * first, the id breaking ties; `after` is the last row of the previous page (keyset paging).
   */
  listDecided(workspaceId: string, query: DecidedActionQuery): Promise<PendingAction[]>;
}

export interface DecidedActionQuery {
  readonly tier: PendingAction['tier'];
  /** Only the actions asked on behalf of this member. */
  readonly memberId?: string;
  readonly after?: { readonly decidedAt: string; readonly id: string };
  readonly limit: number;
}

export interface PolicyRepository {
  /**
   * Inside a transaction: waits for, then holds until commit, the workspace's policy, so
   * that a read-modify-write of it never loses a concurrent change (even of a missing row).
   */
  lock(workspaceId: string): Promise<void>;
  find(workspaceId: string): Promise<WorkspacePolicyRecord | undefined>;
  /** Inserts the workspace's policy or replaces every field of the stored one. */
  upsert(record: WorkspacePolicyRecord): Promise<void>;
}

export interface Repositories {
  readonly workspaces: WorkspaceRepository;
  readonly members: MemberRepository;
  readonly projects: ProjectRepository;
  readonly tasks: TaskRepository;
  readonly comments: CommentRepository;
  readonly timeEntries: TimeEntryRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly audit: AuditRepository;
  readonly pendingActions: PendingActionRepository;
  readonly writeUsage: WriteUsageRepository;
  readonly policies: PolicyRepository;
  readonly sessions: SessionRepository;
  readonly signIn: SignInRepository;
  readonly oauthModels: OAuthModelRepository;
  readonly oauthRegistrations: OAuthRegistrationRepository;
  /** Calls per day read out of the audit log (not the write budget's ledger, `writeUsage`). */
  readonly usage: UsageRepository;
  readonly monitoringSettings: MonitoringSettingsRepository;
  readonly keyBaselines: KeyBaselineRepository;
  readonly alerts: AlertRepository;
  readonly keySuspensions: KeySuspensionRepository;
  readonly webhooks: WebhookRepository;
  readonly deliveries: DeliveryRepository;
  readonly notifyCursor: NotifyCursorRepository;
  readonly jobs: JobRepository;
}

/** How a transaction commits. */
export interface TransactionOptions {
  /**
   * For derived state only (the anomaly baselines, whose last moments a power loss may take):
   * commit without a disk sync of its own — on SQLite, where that sync would stall the event
   * loop; PostgreSQL syncs as ever. The commit is as atomic and survives the process crashing;
   * the next synced commit makes it durable. Every repository but the derived ones refuses in
   * such a transaction, so a change or an audit event is never committed this way.
   */
  readonly deferSync?: boolean;
  /**
   * Transactions that would queue on one lock anyway (a credential's writes, on its budget
   * lock) may share one database transaction, each in its own savepoint, and one commit; a
   * caller's promise settles only once that commit returned. PostgreSQL groups by this key
   * (kysely/postgres-groups.ts); SQLite groups every write transaction already. `work` must
   * not wait for another transaction of its own group: that one runs after it.
   */
  readonly group?: string;
}

export interface Store extends Repositories {
  readonly kind: 'sqlite' | 'postgres';
  readonly authEpoch: AuthEpochReader;
  /** Runs `work` in one database transaction; it commits only if `work` resolves. */
  transaction<T>(work: (repos: Repositories) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Group commit for audit events that record no change of their own: one transaction for
   * the batch (on SQLite, off the event loop), each failed row retried alone. One entry per
   * event: `null` once it is durable, else why it is not.
   */
  appendAudit(events: readonly AuditEvent[]): Promise<(Error | null)[]>;
  ping(): Promise<void>;
  /** Migrations this code has that the database has not had yet (readiness). */
  pendingMigrations(): Promise<readonly string[]>;
  /** Connections in use and waited for (metrics); SQLite: its one connection. */
  connectionUse(): { readonly total: number; readonly idle: number; readonly waiting: number };
  close(): Promise<void>;
}
