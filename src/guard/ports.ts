/**
 * What the pipeline's steps are handed: the smallest slice of the store they use, the audit
 * log, time, ids and the workspace policy. One object for every step, so adding a step never
 * changes how the others are wired.
 */
import type { AuditLog } from '../audit/index.js';
import type { Clock, IdGenerator } from '../core/index.js';
import type { Workspace } from '../model/index.js';
import type { AnomalyWatch } from '../monitoring/index.js';
import type { Store } from '../storage/index.js';
import type { EffectivePolicy } from './policy.js';
import type { CallObserver } from './runner.js';
import type { WriteSpec } from './write-spec.js';

/** The workspace's policy, read on every call so that no instance acts on a stale copy. */
export type PolicySource = (workspace: Workspace) => Promise<EffectivePolicy>;

/** Transactions for plans and writes; the rest is what the action service looks up. */
export type GuardStore = Pick<Store, 'transaction' | 'pendingActions' | 'apiKeys' | 'members' | 'writeUsage'>;

export interface Logger {
  error(obj: unknown, msg: string): void;
}

export interface WriteDeps {
  readonly store: GuardStore;
  readonly audit: Pick<AuditLog, 'append' | 'record' | 'prepare' | 'recordPrepared'>;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly policyFor: PolicySource;
  /** Key of the confirmation tokens' MAC. */
  readonly tokenKey: Buffer;
  readonly publicUrl: string;
  readonly logger: Logger;
  /** Told how each call ended (metrics); see `RunnerDeps.onCall`. */
  readonly onCall?: CallObserver;
  /** The anomaly rules: every call once its event is written, and a budget overrun (issue 16). */
  readonly anomaly?: AnomalyWatch;
}

export interface ActionDeps extends WriteDeps {
  /** The write tools by name: an action names the tool it will run. */
  readonly specs: ReadonlyMap<string, WriteSpec>;
}
