/**
 * Alerts: what an anomaly rule (or the write budget) raised, with its evidence (audit event
 * ids) and what was done about it. Raising one records `alert.raised` with exactly
 * {alertId, rule, credentialId, severity, summary, notify, action}: the notifications read
 * those events (`notify: true`), so that shape is a contract. A human acknowledges an alert
 * (someone is on it) and resolves it (done); both are audited.
 */
import type { AuditLog } from '../audit/index.js';
import { AppError, type Clock, type IdGenerator } from '../core/index.js';
import { canManageMembers, resolveWorkspace } from '../domain/index.js';
import type { SuspensionMode, Workspace } from '../model/index.js';
import type { AlertFilter, AlertRecord, AlertSeverity, Repositories, Store } from '../storage/index.js';
import type { RuleAction } from './anomaly-rules.js';
import type { MonitoringSignals } from './signals.js';
import { suspendKey } from './suspension.js';

export const ALERT_RAISED = 'alert.raised';
export const ALERT_ACKNOWLEDGED = 'alert.acknowledged';
export const ALERT_RESOLVED = 'alert.resolved';

/** The key or connection an alert is about; a connection's client is named in every event. */
export interface AlertCredential {
  readonly id: string;
  readonly name: string;
  readonly oauthClient?: { readonly id: string; readonly name: string } | null;
}

export interface RaiseInput {
  readonly workspaceId: string;
  readonly environment: string;
  readonly rule: string;
  readonly credential: AlertCredential | null;
  readonly severity: AlertSeverity;
  readonly summary: string;
  readonly evidence: readonly string[];
  readonly action: RuleAction;
  readonly suspendMode: SuspensionMode;
}

/** Inside the caller's transaction: the alert, its event, and a suspension if that is its action. */
export async function raiseAlert(
  repos: Repositories,
  deps: { audit: AuditLog; ids: IdGenerator; signals: MonitoringSignals },
  at: string,
  input: RaiseInput,
): Promise<AlertRecord> {
  const id = deps.ids('alert');
  const taken = input.action === 'suspend' ? `suspend:${input.suspendMode}` : input.action;
  const alert: AlertRecord = {
    id,
    workspaceId: input.workspaceId,
    rule: input.rule,
    credentialId: input.credential?.id ?? null,
    severity: input.severity,
    summary: input.summary,
    evidence: input.evidence,
    action: taken,
    createdAt: at,
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolvedBy: null,
  };
  await repos.alerts.insert(alert);
  await deps.audit.record(repos, {
    action: ALERT_RAISED,
    outcome: 'ok',
    workspaceId: input.workspaceId,
    environment: input.environment,
    credentialId: input.credential?.id ?? null,
    credentialName: input.credential?.name ?? null,
    oauthClient: input.credential?.oauthClient ?? null,
    detail: {
      alertId: id,
      rule: input.rule,
      credentialId: input.credential?.id ?? null,
      severity: input.severity,
      summary: input.summary,
      // Anything beyond a record (a suspension, a containment) is someone's to look at.
      notify: input.action !== 'alert',
      action: taken,
    },
  });
  if (input.action === 'suspend' && input.credential) {
    await suspendKey(repos, deps.audit, at, {
      workspaceId: input.workspaceId,
      environment: input.environment,
      credential: input.credential,
      mode: input.suspendMode,
      reason: input.summary,
      rule: input.rule,
      alertId: id,
    });
  }
  deps.signals.alertRaised(input.rule);
  return alert;
}

export interface AlertServiceDeps {
  readonly store: Pick<Store, 'workspaces' | 'members' | 'alerts' | 'transaction'>;
  readonly audit: AuditLog;
  readonly clock: Clock;
}

export type AlertService = ReturnType<typeof createAlertService>;

export function createAlertService(deps: AlertServiceDeps) {
  const { store, audit, clock } = deps;

  /** SECURITY: alerts tell about every key: owners and admins only (`null`: the command line). */
  async function assertMayRead(repos: Pick<Store, 'members'>, workspace: Workspace, memberId: string | null) {
    if (memberId === null) return;
    const member = await repos.members.findById(workspace.id, memberId);
    if (!member || !canManageMembers(member.role))
      throw new AppError(
        'forbidden',
        `your role cannot see or change the alerts of ${workspace.slug}; ask an owner or admin`,
      );
  }

  async function change(
    workspaceRef: string,
    id: string,
    memberId: string | null,
    kind: 'acknowledge' | 'resolve',
  ): Promise<AlertRecord> {
    const workspace = await resolveWorkspace(store, workspaceRef);
    return store.transaction(async (repos) => {
      await assertMayRead(repos, workspace, memberId);
      const alert = await repos.alerts.find(workspace.id, id);
      if (!alert) throw new AppError('not_found', `alert ${id} not found in ${workspace.slug}`);
      const at = clock.now().toISOString();
      const by = memberId ?? 'cli';
      const done = await repos.alerts[kind](workspace.id, id, at, by);
      if (!done) return alert;
      await audit.record(repos, {
        action: kind === 'resolve' ? ALERT_RESOLVED : ALERT_ACKNOWLEDGED,
        outcome: 'ok',
        workspaceId: workspace.id,
        environment: workspace.environment,
        memberId,
        credentialId: alert.credentialId,
        detail: { alertId: id, rule: alert.rule },
      });
      return (await repos.alerts.find(workspace.id, id)) ?? alert;
    });
  }

  return {
    async list(
      workspaceRef: string,
      memberId: string | null,
      filter: AlertFilter = {},
    ): Promise<AlertRecord[]> {
      const workspace = await resolveWorkspace(store, workspaceRef);
      await assertMayRead(store, workspace, memberId);
      return store.alerts.list(workspace.id, filter);
    },
    async show(workspaceRef: string, id: string, memberId: string | null): Promise<AlertRecord> {
      const workspace = await resolveWorkspace(store, workspaceRef);
      await assertMayRead(store, workspace, memberId);
      const alert = await store.alerts.find(workspace.id, id);
      if (!alert) throw new AppError('not_found', `alert ${id} not found in ${workspace.slug}`);
      return alert;
    },
    /** The header's count; no role check (the header shows it only to owners and admins). */
    countOpen: (workspaceId: string) => store.alerts.countOpen(workspaceId),
    acknowledge: (workspaceRef: string, id: string, memberId: string | null) =>
      change(workspaceRef, id, memberId, 'acknowledge'),
    resolve: (workspaceRef: string, id: string, memberId: string | null) =>
      change(workspaceRef, id, memberId, 'resolve'),
  };
}
