/**
 * The anomaly rules at work: after each call's audit event, one transaction per call holds
 * the credential's baseline (a lock: 50 concurrent calls update it one after the other, none
 * lost), reads it, runs the rules (anomaly-evaluate.ts), writes it back, and raises what
 * they found. A `contain` action runs after that transaction commits, through the function
 * the composition root hands in (the incident layer sits above monitoring).
 */
import type { AuditLog } from '../audit/index.js';
import type { Clock, IdGenerator } from '../core/index.js';
import type { AlertRecord, Repositories, Store } from '../storage/index.js';
import { type AlertCredential, raiseAlert } from './alerts.js';
import { type CallObservation, evaluate, type Finding, readBaseline } from './anomaly-evaluate.js';
import { ANOMALY_RULES, type AnomalyRules, RULE_IDS, RULE_SEVERITY, type RuleName } from './anomaly-rules.js';
import type { MonitoringSettings } from './settings.js';
import type { MonitoringSignals } from './signals.js';

export interface AnomalyWatchDeps {
  readonly store: Pick<Store, 'transaction'>;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly settings: Pick<MonitoringSettings, 'read'>;
  readonly signals: MonitoringSignals;
  readonly logger: { error(obj: unknown, msg: string): void };
  /** The incident containment of a key (wired in src/app-monitoring.ts). */
  readonly contain?: (workspaceId: string, keyId: string) => Promise<void>;
}

export interface BudgetOverrun {
  readonly workspaceId: string;
  readonly environment: string;
  readonly credential: AlertCredential;
  readonly summary: string;
  readonly eventId: string;
}

export interface AnomalyWatch {
  /** Runs the rules on one call; never throws (the call has happened: its answer stands). */
  observe(call: CallObservation): Promise<void>;
  /** Inside the budget refusal's transaction: the alert (and suspension) of an overrun. */
  budgetOverrun(repos: Repositories, overrun: BudgetOverrun): Promise<AlertRecord | null>;
  /** After that transaction committed: what an alert's action asks beyond it (containment). */
  followUp(alerts: readonly AlertRecord[]): Promise<void>;
}

export function createAnomalyWatch(deps: AnomalyWatchDeps): AnomalyWatch {
  const { store, clock } = deps;

  async function raise(
    repos: Repositories,
    rules: AnomalyRules,
    finding: Finding,
    target: Omit<BudgetOverrun, 'summary' | 'eventId'>,
  ): Promise<AlertRecord> {
    const rule: RuleName = finding.rule;
    return raiseAlert(repos, deps, clock.now().toISOString(), {
      workspaceId: target.workspaceId,
      environment: target.environment,
      rule: RULE_IDS[rule],
      credential: target.credential,
      severity: RULE_SEVERITY[rule],
      summary: finding.summary,
      evidence: finding.evidence,
      action: rules[rule].action,
      suspendMode: rules[rule].suspendMode,
    });
  }

  async function followUp(alerts: readonly AlertRecord[]) {
    for (const alert of alerts) {
      if (alert.action !== 'contain' || !alert.credentialId) continue;
      try {
        await deps.contain?.(alert.workspaceId, alert.credentialId);
      } catch (error) {
        deps.logger.error({ err: error, alert: alert.id }, 'anomaly containment failed');
      }
    }
  }

  return {
    async observe(call) {
      try {
        const alerts = await store.transaction(async (repos) => {
          const rules = await deps.settings.read(call.workspaceId, ANOMALY_RULES, repos);
          await repos.keyBaselines.lock(call.credential.id);
          const row = await repos.keyBaselines.find(call.credential.id);
          const now = clock.now().getTime();
          const { baseline, findings } = evaluate(readBaseline(row?.state), call, rules, now);
          await repos.keyBaselines.upsert({
            workspaceId: call.workspaceId,
            credentialId: call.credential.id,
            state: JSON.stringify(baseline),
            lastSeenAt: new Date(now).toISOString(),
          });
          const raised: AlertRecord[] = [];
          for (const finding of findings) raised.push(await raise(repos, rules, finding, call));
          return raised;
        });
        await followUp(alerts);
      } catch (error) {
        deps.logger.error({ err: error, credential: call.credential.id }, 'anomaly rules failed');
      }
    },
    async budgetOverrun(repos, overrun) {
      const rules = await deps.settings.read(overrun.workspaceId, ANOMALY_RULES, repos);
      if (!rules.budgetOverrun.enabled) return null;
      return raise(
        repos,
        rules,
        { rule: 'budgetOverrun', summary: overrun.summary, evidence: [overrun.eventId] },
        overrun,
      );
    },
    followUp,
  };
}
