/**
 * The composition root's monitoring part (issue 16): rate limits, anomaly rules, alerts,
 * notifications, scheduled jobs and metrics, built once per app from its collaborators.
 * app.ts calls `createMonitoring` and hands each piece to the layer that uses it.
 */

import type { Logger } from 'pino';
import type { AuditLog, AuditQueue } from './audit/index.js';
import type { Config } from './config/index.js';
import { type Clock, deriveKey, type IdGenerator } from './core/index.js';
import type { MetricsEndpoint } from './http/index.js';
import type { IncidentService } from './incident/index.js';
import {
  type AlertService,
  type AnomalyWatch,
  createAlertService,
  createAnomalyWatch,
  createMetrics,
  createMonitoringSettings,
  createNotifications,
  createRateLimits,
  createSuspensions,
  createTracing,
  type Metrics,
  type MonitoringSettings,
  type MonitoringSignals,
  type Notifications,
  type RateLimitBackend,
  type RateLimits,
  type Suspensions,
  type Tracing,
  UNREAD_METRICS,
} from './monitoring/index.js';
import { blockedRange } from './oauth/index.js';
import { openRateLimitPool, type Store } from './storage/index.js';

export interface MonitoringDeps {
  readonly config: Config;
  readonly store: Store;
  readonly audit: AuditLog & AuditQueue;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly logger: Logger;
  /** Tests only: a shorter rate-limit window than a minute. */
  readonly rateLimitWindowSeconds?: number;
  /**
   * The incident service, once built (it is built after monitoring): an anomaly rule whose
   * action is `contain` runs its containment. Monitoring may not import incident (layers).
   */
  readonly incident?: () => IncidentService;
  /** The instance secret: webhook signing secrets are sealed under a key derived from it. */
  readonly secret: string;
}

export interface Monitoring {
  readonly settings: MonitoringSettings;
  readonly signals: MonitoringSignals;
  readonly metrics: Metrics;
  /** `/metrics`, when a token is configured (none: the route does not exist). */
  readonly metricsEndpoint: MetricsEndpoint | undefined;
  readonly rateLimits: RateLimits;
  readonly anomaly: AnomalyWatch;
  readonly alerts: AlertService;
  readonly suspensions: Suspensions;
  readonly notifications: Notifications;
  close(): Promise<void>;
}

/** Redis when configured; else the shared PostgreSQL; else memory (SQLite: one instance). */
function rateLimitBackend(config: Config, logger: Logger): RateLimitBackend {
  if (config.redisUrl) return { kind: 'redis', url: config.redisUrl };
  const pool = openRateLimitPool(config.databaseUrl, {
    timeouts: {
      connectMs: config.databaseConnectTimeoutMs,
      statementMs: config.databaseStatementTimeoutMs,
      idleInTransactionMs: config.databaseIdleInTransactionTimeoutMs,
    },
    logger,
  });
  return pool ? { kind: 'postgres', pool } : { kind: 'memory' };
}

export function createMonitoring(deps: MonitoringDeps): Monitoring {
  const { config, store, audit, clock, ids, logger } = deps;
  const settings = createMonitoringSettings({ store, audit, clock });
  const token = config.metricsToken;
  const metrics =
    token === undefined
      ? UNREAD_METRICS
      : createMetrics({
          auditQueueDepth: () => audit.queueDepth(),
          connectionUse: () => store.connectionUse(),
        });
  const { signals } = metrics;
  const metricsEndpoint = token === undefined ? undefined : { token, render: metrics.render };
  const rateLimits = createRateLimits({
    backend: rateLimitBackend(config, logger),
    settings,
    audit,
    signals,
    clock,
    logger,
    addressLimits: {
      failedAuthPerMinute: config.rateLimitFailedAuthPerMinute,
      oauthPerMinute: config.rateLimitOauthPerMinute,
      loginPerMinute: config.rateLimitLoginPerMinute,
    },
    ...(deps.rateLimitWindowSeconds && { windowSeconds: deps.rateLimitWindowSeconds }),
  });
  const contain = async (workspaceId: string, keyId: string) => {
    const workspace = await store.workspaces.findById(workspaceId);
    const key = await store.apiKeys.findById(workspaceId, keyId);
    if (!workspace || !key || !deps.incident) return;
    await deps.incident().contain(workspace, key.name, null);
  };
  const swap = store.keyBaselines.swap;
  const anomaly = createAnomalyWatch({ store, audit, clock, ids, settings, signals, logger, contain, swap });
  const alerts = createAlertService({ store, audit, clock });
  const suspensions = createSuspensions({ store, audit, clock });
  const notifications = createNotifications({
    store,
    audit,
    clock,
    ids,
    publicUrl: config.publicUrl,
    sealKey: deriveKey(deps.secret, 'webhook-secrets'),
    smtpUrl: config.smtpUrl,
    notifyFrom: config.notifyFrom,
    blockedRange,
    webhookTestHosts: config.webhookTestHosts,
    // Job leases name the process that holds them.
    instanceId: ids('request'),
    logger,
  });
  return {
    settings,
    signals,
    metrics,
    metricsEndpoint,
    rateLimits,
    anomaly,
    alerts,
    suspensions,
    notifications,
    close: async () => {
      notifications.close();
      await rateLimits.close();
    },
  };
}

/** Traces of MCP calls and queries, only when an exporter is configured (none: no cost). */
export function createAppTracing(config: Config, version: string): Tracing | undefined {
  return config.otelExporterUrl ? createTracing({ url: config.otelExporterUrl, version }) : undefined;
}
