/**
 * The composition root's monitoring part (issue 16): rate limits, anomaly rules, alerts,
 * notifications, scheduled jobs and metrics, built once per app from its collaborators.
 * app.ts calls `createMonitoring` and hands each piece to the layer that uses it.
 */

import type { Logger } from 'pino';
import type { AuditLog } from './audit/index.js';
import type { Config } from './config/index.js';
import type { Clock, IdGenerator } from './core/index.js';
import type { IncidentService } from './incident/index.js';
import {
  type AlertService,
  type AnomalyWatch,
  createAlertService,
  createAnomalyWatch,
  createMonitoringSettings,
  createSuspensions,
  type MonitoringSettings,
  type MonitoringSignals,
  NO_SIGNALS,
  type Suspensions,
} from './monitoring/index.js';
import type { Store } from './storage/index.js';

export interface MonitoringDeps {
  readonly config: Config;
  readonly store: Store;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly logger: Logger;
  /**
   * The incident service, once built (it is built after monitoring): an anomaly rule whose
   * action is `contain` runs its containment. Monitoring may not import incident (layers).
   */
  readonly incident?: () => IncidentService;
}

export interface Monitoring {
  readonly settings: MonitoringSettings;
  readonly signals: MonitoringSignals;
  readonly anomaly: AnomalyWatch;
  readonly alerts: AlertService;
  readonly suspensions: Suspensions;
}

export function createMonitoring(deps: MonitoringDeps): Monitoring {
  const { store, audit, clock, ids, logger } = deps;
  const settings = createMonitoringSettings({ store, audit, clock });
  const signals: MonitoringSignals = NO_SIGNALS;
  const contain = async (workspaceId: string, keyId: string) => {
    const workspace = await store.workspaces.findById(workspaceId);
    const key = await store.apiKeys.findById(workspaceId, keyId);
    if (!workspace || !key || !deps.incident) return;
    await deps.incident().contain(workspace, key.name, null);
  };
  const anomaly = createAnomalyWatch({ store, audit, clock, ids, settings, signals, logger, contain });
  const alerts = createAlertService({ store, audit, clock });
  const suspensions = createSuspensions({ store, audit, clock });
  return { settings, signals, anomaly, alerts, suspensions };
}
