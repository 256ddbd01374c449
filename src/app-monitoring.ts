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
  createRateLimits,
  createTracing,
  type Metrics,
  type MonitoringSettings,
  type MonitoringSignals,
  type RateLimitBackend,
  type RateLimits,
  type Tracing,
} from './monitoring/index.js';
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
}

export interface Monitoring {
  readonly settings: MonitoringSettings;
  readonly signals: MonitoringSignals;
  readonly metrics: Metrics;
  /** `/metrics`, when a token is configured (none: the route does not exist). */
  readonly metricsEndpoint: MetricsEndpoint | undefined;
  readonly rateLimits: RateLimits;
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
  const { config, store, audit, clock, logger } = deps;
  const settings = createMonitoringSettings({ store, audit, clock });
  const metrics = createMetrics({
    auditQueueDepth: () => audit.queueDepth(),
    connectionUse: () => store.connectionUse(),
  });
  const { signals } = metrics;
  const token = config.metricsToken;
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
  return { settings, signals, metrics, metricsEndpoint, rateLimits, close: () => rateLimits.close() };
}

/** Traces of MCP calls and queries, only when an exporter is configured (none: no cost). */
export function createAppTracing(config: Config, version: string): Tracing | undefined {
  return config.otelExporterUrl ? createTracing({ url: config.otelExporterUrl, version }) : undefined;
}
