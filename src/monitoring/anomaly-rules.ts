/**
 * The anomaly rules a workspace tunes: the `anomalyRules` section of its monitoring
 * settings. Every rule can be switched off (`enabled: false`), has thresholds, and an action
 * (`alert`: record it; `notify`: record it and tell people; `suspend`: narrow the key until a
 * human lifts it; `contain`: run the incident containment). The defaults and why they are
 * what they are: docs/monitoring.md, "Anomaly rules".
 */
import { z } from 'zod';
import type { SuspensionMode } from '../model/index.js';
import type { AlertSeverity } from '../storage/index.js';
import type { SettingsSection } from './settings.js';

export const RULE_ACTIONS = ['alert', 'notify', 'suspend', 'contain'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

const action = (fallback: RuleAction) => z.enum(RULE_ACTIONS).default(fallback);
const mode = (fallback: SuspensionMode) => z.enum(['read_only', 'dry_run']).default(fallback);
const count = (fallback: number, max = 1_000_000) => z.number().int().min(1).max(max).default(fallback);

const rule = <S extends z.ZodRawShape>(fallback: RuleAction, fallbackMode: SuspensionMode, shape: S) =>
  z
    .strictObject({
      enabled: z.boolean().default(true),
      action: action(fallback),
      suspendMode: mode(fallbackMode),
      ...shape,
    })
    .prefault({} as never);

const schema = z.strictObject({
  /** A network (/24, /64) the key was never used from, once it had a stable one. */
  newNetwork: rule('notify', 'read_only', { stableAfterCalls: count(5) }),
  /** An MCP client name the key never declared, once it had a stable one. */
  newClient: rule('notify', 'read_only', { stableAfterCalls: count(5) }),
  /** Two networks or clients within a few minutes: one of them is probably not the owner. */
  concurrentUse: rule('notify', 'read_only', { windowMinutes: count(10, 1440) }),
  /** Calls in the current hour above `factor` × the key's hourly EWMA (and at least `minCalls`). */
  callBurst: rule('alert', 'read_only', {
    factor: z.number().min(1).max(1000).default(5),
    minCalls: count(120),
  }),
  /** Objects deleted or changed in bulk within the window. */
  destructiveBurst: rule('suspend', 'read_only', { threshold: count(25), windowMinutes: count(10, 1440) }),
  /** Denied or `not_found` answers within the window: someone maps what the key may reach. */
  probing: rule('notify', 'read_only', { threshold: count(20), windowMinutes: count(10, 1440) }),
  /** The first call after `days` without any. */
  idleReuse: rule('alert', 'read_only', { days: count(30, 3650) }),
  /** A rotated-out key still used during its grace window (once per key). */
  rotatedInGrace: rule('notify', 'read_only', {}),
  /** The write budget refused a call: the key is suspended, dry-run only, by default. */
  budgetOverrun: rule('suspend', 'dry_run', {}),
});

export type AnomalyRules = z.infer<typeof schema>;
export type RuleName = keyof AnomalyRules;

export const ANOMALY_RULES: SettingsSection<AnomalyRules> = { name: 'anomalyRules', schema };

export const RULE_NAMES = Object.keys(schema.shape) as RuleName[];

/** The rule ids alerts and metrics use (snake_case, stable). */
export const RULE_IDS: Record<RuleName, string> = {
  newNetwork: 'new_network',
  newClient: 'new_client',
  concurrentUse: 'concurrent_use',
  callBurst: 'call_burst',
  destructiveBurst: 'destructive_burst',
  probing: 'probing',
  idleReuse: 'idle_reuse',
  rotatedInGrace: 'rotated_in_grace',
  budgetOverrun: 'budget_overrun',
};

export const RULE_SEVERITY: Record<RuleName, AlertSeverity> = {
  newNetwork: 'warning',
  newClient: 'warning',
  concurrentUse: 'critical',
  callBurst: 'warning',
  destructiveBurst: 'critical',
  probing: 'critical',
  idleReuse: 'info',
  rotatedInGrace: 'info',
  budgetOverrun: 'critical',
};

export type RuleConfig = AnomalyRules[RuleName];
