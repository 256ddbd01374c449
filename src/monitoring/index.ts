/**
 * Watching every key: rate limits, anomaly rules and their alerts and suspensions,
 * notifications (email, webhooks) and the scheduled jobs that send reminders and digests,
 * metrics. Below the call pipeline (guard's rate-limit and anomaly steps use it) and beside
 * the entry layers, which show and tune it through the same services.
 */

export type { AlertRecord } from '../storage/index.js';
export {
  ALERT_ACKNOWLEDGED,
  ALERT_RAISED,
  ALERT_RESOLVED,
  type AlertService,
  createAlertService,
  raiseAlert,
} from './alerts.js';
export type { CallObservation } from './anomaly-evaluate.js';
export { networkOf } from './anomaly-evaluate.js';
export {
  ANOMALY_RULES,
  type AnomalyRules,
  RULE_ACTIONS,
  RULE_IDS,
  RULE_NAMES,
  type RuleAction,
  type RuleName,
} from './anomaly-rules.js';
export { type AnomalyWatch, type BudgetOverrun, createAnomalyWatch } from './anomaly-watch.js';
export {
  createMonitoringSettings,
  type MonitoringSettings,
  type MonitoringSettingsDeps,
  SETTINGS_CHANGED_ACTION,
  type SettingsSection,
} from './settings.js';
export { type MonitoringSignals, NO_SIGNALS } from './signals.js';
export { createSuspensions, KEY_SUSPENDED, KEY_UNSUSPENDED, type Suspensions } from './suspension.js';
