/**
 * The composition root's monitoring part (issue 16): rate limits, anomaly rules, alerts,
 * notifications, scheduled jobs and metrics, built once per app from its collaborators.
 * app.ts calls `createMonitoring` and hands each piece to the layer that uses it.
 */

import type { Logger } from 'pino';
import type { AuditLog } from './audit/index.js';
import type { Config } from './config/index.js';
import { type Clock, deriveKey, type IdGenerator } from './core/index.js';
import {
  createMonitoringSettings,
  createNotifications,
  type MonitoringSettings,
  type MonitoringSignals,
  NO_SIGNALS,
  type Notifications,
} from './monitoring/index.js';
import { blockedRange } from './oauth/index.js';
import type { Store } from './storage/index.js';

export interface MonitoringDeps {
  readonly config: Config;
  readonly store: Store;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly logger: Logger;
  /** The instance secret: webhook signing secrets are sealed under a key derived from it. */
  readonly secret: string;
}

export interface Monitoring {
  readonly settings: MonitoringSettings;
  readonly signals: MonitoringSignals;
  readonly notifications: Notifications;
}

export function createMonitoring(deps: MonitoringDeps): Monitoring {
  const { store, audit, clock, config } = deps;
  const settings = createMonitoringSettings({ store, audit, clock });
  const signals: MonitoringSignals = NO_SIGNALS;
  const notifications = createNotifications({
    store,
    audit,
    clock,
    ids: deps.ids,
    publicUrl: config.publicUrl,
    sealKey: deriveKey(deps.secret, 'webhook-secrets'),
    smtpUrl: config.smtpUrl,
    notifyFrom: config.notifyFrom,
    blockedRange,
    webhookTestHosts: config.webhookTestHosts,
    // Job leases name the process that holds them.
    instanceId: deps.ids('request'),
    logger: deps.logger,
  });
  return { settings, signals, notifications };
}
