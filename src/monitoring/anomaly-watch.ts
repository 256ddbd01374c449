/**
 * The anomaly rules at work: after each call's audit event, the credential's baseline is
 * locked (50 concurrent calls update it one after the other, none lost), read, run through
 * the rules (anomaly-evaluate.ts) and written back, and what the rules found is raised.
 *
 * Group evaluation: the calls observed while a transaction runs wait and share the next one,
 * as audit events share a group commit. Each credential in it is locked, read, parsed and
 * written once, its calls folded in the order they were observed; so a flood costs one
 * transaction (and one disk sync) per group instead of per call. `observe` resolves only
 * once its group committed: a suspension it decides holds from the key's next call. A group
 * that fails is retried call by call, so one bad call costs no other its evaluation.
 *
 * A baseline is derived state, so a group commits without a disk sync of its own (`deferSync`:
 * no sync on SQLite's event loop per group); the audit row each call already made durable,
 * and the next one syncs the baseline with it. A group whose rules find anything is not
 * derived state only (an alert, its audit event, maybe a suspension): that attempt stops
 * before writing and the group runs again in a synced transaction.
 *
 * On PostgreSQL a credential whose baseline this instance committed last skips the locked
 * transaction: its calls are folded in and written by one compare-and-set (anomaly-swap.ts).
 *
 * A `contain` action runs after the transaction commits, through the function the
 * composition root hands in (the incident layer sits above monitoring).
 */
import type { AuditLog } from '../audit/index.js';
import type { Clock, IdGenerator } from '../core/index.js';
import type {
  AlertRecord,
  KeyBaselineRepository,
  KeyBaselineRow,
  Repositories,
  Store,
} from '../storage/index.js';
import { type AlertCredential, raiseAlert } from './alerts.js';
import { type CallObservation, evaluate, type Finding, readBaseline } from './anomaly-evaluate.js';
import { ANOMALY_RULES, type AnomalyRules, RULE_IDS, RULE_SEVERITY, type RuleName } from './anomaly-rules.js';
import { type Committed, createBaselineSwaps } from './anomaly-swap.js';
import { type MonitoringSettings, readStored } from './settings.js';
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
  /** PostgreSQL's compare-and-set of a baseline (absent on SQLite). */
  readonly swap?: KeyBaselineRepository['swap'];
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

/** Upper bound on calls per group, so one transaction stays short. */
export const MAX_WATCH_GROUP = 256;

/** Thrown by a deferred attempt that found something to raise: it runs again, synced. */
class FoundInDeferred extends Error {}

interface Observed {
  readonly call: CallObservation;
  /** When the call was observed: the rules' clock, whichever group it lands in. */
  readonly at: number;
  readonly done: () => void;
}

export function createAnomalyWatch(deps: AnomalyWatchDeps): AnomalyWatch {
  const { store, clock } = deps;
  let queue: Observed[] = [];
  let draining = false;
  const swaps = deps.swap && createBaselineSwaps(deps.swap);

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

  /**
   * One group: every credential's baseline locked once and read with the rules, in one
   * statement on PostgreSQL; the rules run in JS; every baseline written back in one more.
   */
  async function evaluateGroup(
    repos: Repositories,
    group: readonly Observed[],
    deferred: boolean,
  ): Promise<{ alerts: AlertRecord[]; committed: Committed[] }> {
    const byCredential = new Map<string, Observed[]>();
    for (const o of group) {
      const calls = byCredential.get(o.call.credential.id);
      if (calls) calls.push(o);
      else byCredential.set(o.call.credential.id, [o]);
    }
    // In id order: a suspension a rule decides locks its key's row, so two instances' groups
    // take those in one order too.
    const owners = [...byCredential.keys()].sort().map((id) => ({
      credentialId: id,
      workspaceId: byCredential.get(id)?.[0]?.call.workspaceId ?? '',
    }));
    // Only this synced run raises, and a raise may suspend a key: like every change to a key's
    // rights it takes its workspace's keys lock first, after the writes waiting there.
    if (!deferred)
      for (const workspaceId of [...new Set(owners.map((o) => o.workspaceId))].sort())
        await repos.apiKeys.lockForChange(workspaceId);
    const at = clock.now().toISOString();
    const claim = await repos.keyBaselines.claim(owners, ANOMALY_RULES.name, at);
    const rulesOf = new Map<string, AnomalyRules>();
    const raised: AlertRecord[] = [];
    const written: KeyBaselineRow[] = [];
    const committed: Committed[] = [];
    for (const { credentialId: id, workspaceId } of owners) {
      const calls = byCredential.get(id) ?? [];
      const rules = rulesOf.get(workspaceId) ?? readStored(ANOMALY_RULES, claim.settings.get(workspaceId));
      rulesOf.set(workspaceId, rules);
      let baseline = readBaseline(claim.baselines.get(id)?.state);
      for (const { call, at: when } of calls) {
        const next = evaluate(baseline, call, rules, when);
        if (deferred && next.findings.length > 0) throw new FoundInDeferred();
        baseline = next.baseline;
        for (const finding of next.findings) raised.push(await raise(repos, rules, finding, call));
      }
      const state = JSON.stringify(baseline);
      const lastSeenAt = new Date(calls[calls.length - 1]?.at ?? clock.now().getTime()).toISOString();
      written.push({ workspaceId, credentialId: id, state, lastSeenAt });
      const settings = claim.settings.get(workspaceId) ?? null;
      committed.push({ credentialId: id, workspaceId, state, baseline, settings, rules });
    }
    await repos.keyBaselines.upsert(written);
    return { alerts: raised, committed };
  }

  async function run(group: readonly Observed[]): Promise<boolean> {
    try {
      const { alerts, committed } = await store
        .transaction((repos) => evaluateGroup(repos, group, true), { deferSync: true })
        .catch((error: unknown) => {
          if (!(error instanceof FoundInDeferred)) throw error;
          return store.transaction((repos) => evaluateGroup(repos, group, false));
        });
      for (const c of committed) swaps?.learn(c);
      await followUp(alerts);
      return true;
    } catch (error) {
      if (group.length === 1)
        deps.logger.error({ err: error, credential: group[0]?.call.credential.id }, 'anomaly rules failed');
      return false;
    }
  }

  async function drain() {
    while (queue.length > 0) {
      const group = queue.slice(0, MAX_WATCH_GROUP);
      queue = queue.slice(group.length);
      // Never stops the drain: what the swap could not take, the locked path does.
      const rest = swaps ? await swaps.apply(group).catch(() => group) : group;
      if (rest.length > 0 && !(await run(rest)) && rest.length > 1) for (const one of rest) await run([one]);
      for (const o of group) o.done();
    }
    draining = false;
  }

  return {
    observe(call) {
      return new Promise<void>((done) => {
        queue.push({ call, at: clock.now().getTime(), done });
        if (draining) return;
        draining = true;
        // One turn later: the calls whose audit events committed together join one group.
        setImmediate(drain);
      });
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
