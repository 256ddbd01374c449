/**
 * Anomaly detection (src/monitoring): a baseline per credential, the alerts the rules raise,
 * and a key's suspension. The store keeps the baseline's JSON as it is given; the monitoring
 * layer reads it through its own schema.
 */
import type { KeySuspension } from '../model/index.js';

export interface KeyBaselineRow {
  readonly workspaceId: string;
  readonly credentialId: string;
  /** The rules' state, JSON. */
  readonly state: string;
  readonly lastSeenAt: string;
}

/** One credential of a group of calls, and the workspace it belongs to. */
export interface BaselineOwner {
  readonly credentialId: string;
  readonly workspaceId: string;
}

/** What the anomaly rules read for one group of calls. */
export interface BaselineClaim {
  /** The baselines of the group's credentials (absent: never seen). */
  readonly baselines: ReadonlyMap<string, KeyBaselineRow>;
  /** The settings section asked for, of each of the group's workspaces (absent: none stored). */
  readonly settings: ReadonlyMap<string, string>;
}

export interface KeyBaselineRepository {
  /**
   * Inside a transaction: waits for, then holds until commit, the baselines of `owners` (in
   * credential order, the one order every writer takes, so two instances never deadlock),
   * so concurrent calls of one key update it one after the other (no lost update); returns
   * them with each workspace's `section` of the monitoring settings, as of the lock.
   * One statement on PostgreSQL once a key has a baseline (a new key's row is created first).
   */
  claim(owners: readonly BaselineOwner[], section: string, at: string): Promise<BaselineClaim>;
  find(credentialId: string): Promise<KeyBaselineRow | undefined>;
  /** Writes every row given, in one statement. */
  upsert(rows: readonly KeyBaselineRow[]): Promise<void>;
  /**
   * Outside a transaction, PostgreSQL only (else absent): writes each row whose stored state is
   * still `previous` and whose workspace's `section` of the monitoring settings is still
   * `settings` (`null`: none stored), in one autocommitted statement, waiting for any holder
   * of a row's lock and comparing what it committed. Each row stands alone; the credential ids
   * written are returned, and a row not written changed nothing.
   */
  swap?(rows: readonly BaselineSwap[], section: string): Promise<ReadonlySet<string>>;
}

/** A baseline to write only if its stored state and its workspace's rules are what were read. */
export interface BaselineSwap extends KeyBaselineRow {
  readonly previous: string;
  readonly settings: string | null;
}

export type AlertSeverity = 'info' | 'warning' | 'critical';

export interface AlertRecord {
  readonly id: string;
  readonly workspaceId: string;
  readonly rule: string;
  readonly credentialId: string | null;
  readonly severity: AlertSeverity;
  readonly summary: string;
  /** Audit event ids. */
  readonly evidence: readonly string[];
  /** What was done: `alert`, `notify`, `suspend:read_only`, `suspend:dry_run`, `contain`. */
  readonly action: string;
  readonly createdAt: string;
  readonly acknowledgedAt: string | null;
  readonly acknowledgedBy: string | null;
  readonly resolvedAt: string | null;
  readonly resolvedBy: string | null;
}

export interface AlertFilter {
  readonly open?: boolean;
  readonly credentialId?: string;
  readonly limit?: number;
}

export interface AlertRepository {
  insert(alert: AlertRecord): Promise<void>;
  find(workspaceId: string, id: string): Promise<AlertRecord | undefined>;
  /** Newest first. */
  list(workspaceId: string, filter?: AlertFilter): Promise<AlertRecord[]>;
  countOpen(workspaceId: string): Promise<number>;
  /** Sets the acknowledgement if there is none yet; returns whether it did. */
  acknowledge(workspaceId: string, id: string, at: string, by: string): Promise<boolean>;
  /** Resolves an open alert; returns whether it did. */
  resolve(workspaceId: string, id: string, at: string, by: string): Promise<boolean>;
}

export interface KeySuspensionRepository {
  /** Suspends a live, unsuspended credential; returns whether it did (the first one wins). */
  suspend(workspaceId: string, id: string, suspension: KeySuspension): Promise<boolean>;
  /** Lifts a suspension; returns whether there was one. */
  lift(workspaceId: string, id: string): Promise<boolean>;
}
