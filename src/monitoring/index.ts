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
export { type DigestFigures, digestFigures, digestNotice } from './digest.js';
export { type DoctorInput, runDoctor } from './doctor.js';
export { type CheckResult, type CheckStatus, redactUrl } from './doctor-checks.js';
export { createEmailTransport, type EmailMessage, type EmailTransport } from './email-transport.js';
export { createJobRunner, type Job, type JobRunner, nextWeekly } from './jobs.js';
export {
  type CallOutcome,
  createMetrics,
  DURATION_BUCKETS,
  type Metrics,
  type MetricsSources,
  UNREAD_METRICS,
} from './metrics.js';
export { RETRY_DELAYS_MS, recipientsOf } from './notify-deliver.js';
export { noticesOf } from './notify-events.js';
export { NOTICE_KINDS, type Notice, type NoticeKind } from './notify-notice.js';
export { reminderOf } from './notify-reminders.js';
export {
  createNotifications,
  NOTIFY_JOBS,
  type Notifications,
  type NotificationsDeps,
} from './notify-service.js';
export {
  describeRefusal,
  type LimitVerdict,
  rateLimitHeaders,
  tightest,
} from './rate-limit-headers.js';
export {
  RATE_LIMIT_FIELDS,
  RATE_LIMIT_LABELS,
  RATE_LIMIT_MAX,
  RATE_LIMITS_SECTION,
  type RateLimitSettings,
} from './rate-limit-settings.js';
export type { RateLimitBackend } from './rate-limit-stores.js';
export {
  type AddressLimit,
  type AddressLimits,
  type CallCheck,
  type CallSubject,
  createRateLimits,
  RATE_LIMIT_EXCEEDED_ACTION,
  RATE_LIMIT_WINDOW_SECONDS,
  type RateLimitRefusal,
  type RateLimits,
  type RateLimitsDeps,
} from './rate-limits.js';
export {
  createMonitoringSettings,
  type MonitoringSettings,
  type MonitoringSettingsDeps,
  SETTINGS_CHANGED_ACTION,
  type SettingsSection,
} from './settings.js';
export { type MonitoringSignals, NO_SIGNALS } from './signals.js';
export { createSuspensions, KEY_SUSPENDED, KEY_UNSUSPENDED, type Suspensions } from './suspension.js';
export { createTracing, type McpTraceRequest, type QueryEvent, type Tracing } from './tracing.js';
export { signWebhook } from './webhooks-send.js';
export {
  type DeliveryView,
  MAX_WEBHOOKS,
  WEBHOOK_ADDED_ACTION,
  WEBHOOK_REMOVED_ACTION,
  type WebhookService,
  type WebhookView,
} from './webhooks-service.js';
export { type BlockedRange, parseWebhookUrl, WEBHOOK_URL_MAX } from './webhooks-url.js';
