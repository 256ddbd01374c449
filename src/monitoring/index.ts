/**
 * Watching every key: rate limits, anomaly rules and their alerts and suspensions,
 * notifications (email, webhooks) and the scheduled jobs that send reminders and digests,
 * metrics. Below the call pipeline (guard's rate-limit and anomaly steps use it) and beside
 * the entry layers, which show and tune it through the same services.
 */

export { type DoctorInput, runDoctor } from './doctor.js';
export { type CheckResult, type CheckStatus, redactUrl } from './doctor-checks.js';
export {
  type CallOutcome,
  createMetrics,
  DURATION_BUCKETS,
  type Metrics,
  type MetricsSources,
} from './metrics.js';
export {
  createMonitoringSettings,
  type MonitoringSettings,
  type MonitoringSettingsDeps,
  SETTINGS_CHANGED_ACTION,
  type SettingsSection,
} from './settings.js';
export { type MonitoringSignals, NO_SIGNALS } from './signals.js';
export { createTracing, type McpTraceRequest, type QueryEvent, type Tracing } from './tracing.js';
