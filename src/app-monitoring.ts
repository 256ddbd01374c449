/**
 * The composition root's monitoring part (issue 16): rate limits, anomaly rules, alerts,
 * notifications, scheduled jobs and metrics, built once per app from its collaborators.
 * app.ts calls `createMonitoring` and hands each piece to the layer that uses it.
 */

import type { Logger } from 'pino';
import type { AuditLog, AuditQueue } from './audit/index.js';
import type { Config } from './config/index.js';
import type { Clock, IdGenerator } from './core/index.js';
import type { MetricsEndpoint } from './http/index.js';
import {
  createMetrics,
  createMonitoringSettings,
  createTracing,
  type Metrics,
  type MonitoringSettings,
  type MonitoringSignals,
  type Tracing,
} from './monitoring/index.js';
import type { Store } from './storage/index.js';

export interface MonitoringDeps {
  readonly config: Config;
  readonly store: Store;
  readonly audit: AuditLog & AuditQueue;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly logger: Logger;
}

export interface Monitoring {
  readonly settings: MonitoringSettings;
  readonly signals: MonitoringSignals;
  readonly metrics: Metrics;
  /** `/metrics`, when a token is configured (none: the route does not exist). */
  readonly metricsEndpoint: MetricsEndpoint | undefined;
}

export function createMonitoring(deps: MonitoringDeps): Monitoring {
  const { config, store, audit, clock } = deps;
  const settings = createMonitoringSettings({ store, audit, clock });
  const metrics = createMetrics({
    auditQueueDepth: () => audit.queueDepth(),
    connectionUse: () => store.connectionUse(),
  });
  const token = config.metricsToken;
  const metricsEndpoint = token === undefined ? undefined : { token, render: metrics.render };
  return { settings, signals: metrics.signals, metrics, metricsEndpoint };
}

/** Traces of MCP calls and queries, only when an exporter is configured (none: no cost). */
export function createAppTracing(config: Config, version: string): Tracing | undefined {
  return config.otelExporterUrl ? createTracing({ url: config.otelExporterUrl, version }) : undefined;
}
