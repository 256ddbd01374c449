/**
 * Watching every key: rate limits, anomaly rules and their alerts and suspensions,
 * notifications (email, webhooks) and the scheduled jobs that send reminders and digests,
 * metrics. Below the call pipeline (guard's rate-limit and anomaly steps use it) and beside
 * the entry layers, which show and tune it through the same services.
 */

export { type DigestFigures, digestFigures, digestNotice } from './digest.js';
export { createEmailTransport, type EmailMessage, type EmailTransport } from './email-transport.js';
export { createJobRunner, type Job, type JobRunner, nextWeekly } from './jobs.js';
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
  createMonitoringSettings,
  type MonitoringSettings,
  type MonitoringSettingsDeps,
  SETTINGS_CHANGED_ACTION,
  type SettingsSection,
} from './settings.js';
export { type MonitoringSignals, NO_SIGNALS } from './signals.js';
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
