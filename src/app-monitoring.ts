/**
 * The composition root's monitoring part (issue 16): rate limits, anomaly rules, alerts,
 * notifications, scheduled jobs and metrics, built once per app from its collaborators.
 * app.ts calls `createMonitoring` and hands each piece to the layer that uses it.
 */

import type { Logger } from 'pino';
import type { AuditLog } from './audit/index.js';
import type { Config } from './config/index.js';
import type { Clock, IdGenerator } from './core/index.js';
import {
  createMonitoringSettings,
  type MonitoringSettings,
  type MonitoringSignals,
  NO_SIGNALS,
} from './monitoring/index.js';
import type { Store } from './storage/index.js';

export interface MonitoringDeps {
  readonly config: Config;
  readonly store: Store;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly logger: Logger;
}

export interface Monitoring {
  readonly settings: MonitoringSettings;
  readonly signals: MonitoringSignals;
}

export function createMonitoring(deps: MonitoringDeps): Monitoring {
  const { store, audit, clock } = deps;
  const settings = createMonitoringSettings({ store, audit, clock });
  const signals: MonitoringSignals = NO_SIGNALS;
  return { settings, signals };
}
