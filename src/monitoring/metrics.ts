/**
 * The Prometheus metrics of one app (`/metrics`), on a registry of its own: two apps in one
 * process (tests, a CLI command beside the server) never share a counter, and nothing is
 * module state. Counters are told as things happen (tool calls through the runner's
 * observer, rate-limit refusals and alerts through `MonitoringSignals`); gauges are read
 * from their source when scraped.
 *
 * Label values are bounded: `tool` comes from the runner, which sees only registered tools
 * (the SDK refuses an unknown name first); `outcome` is one of three; `limit` and `rule` are
 * ids the code names.
 */
import { createRequire } from 'node:module';
import { type MonitoringSignals, NO_SIGNALS } from './signals.js';

export interface MetricsSources {
  /** Audit events queued for the group commit or being written, not yet durable. */
  auditQueueDepth(): number;
  /** The database's connections (PostgreSQL pool; SQLite: one). */
  connectionUse(): { readonly total: number; readonly idle: number; readonly waiting: number };
}

export type CallOutcome = 'ok' | 'denied' | 'error';

/** Seconds; a read takes milliseconds, a write that waits on a lock or a slow disk longer. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

export interface Metrics {
  readonly signals: MonitoringSignals;
  /** One tool call that recorded its event (the runner's `onCall`). */
  callEnded(tool: string, outcome: CallOutcome, durationMs: number): void;
  /** The text exposition format and its content type. */
  render(): Promise<{ readonly contentType: string; readonly body: string }>;
}

/**
 * Without a token nobody can read the metrics: nothing is counted, and prom-client is never
 * loaded (start-up time, and a histogram observation on every call).
 */
export const UNREAD_METRICS: Metrics = Object.freeze({
  signals: NO_SIGNALS,
  callEnded() {},
  render: async () => ({ contentType: 'text/plain', body: '' }),
});

export function createMetrics(sources: MetricsSources): Metrics {
  const { Counter, Gauge, Histogram, Registry } = createRequire(import.meta.url)(
    'prom-client',
  ) as typeof import('prom-client');
  const registry = new Registry();
  const registers = [registry];
  const calls = new Counter({
    name: 'taskgate_tool_calls_total',
    help: 'MCP tool calls, by tool and outcome (ok, denied, error), each recorded in the audit log.',
    labelNames: ['tool', 'outcome'] as const,
    registers,
  });
  const durations = new Histogram({
    name: 'taskgate_tool_call_duration_seconds',
    help: 'How long a tool call took through the call pipeline, audit event included.',
    labelNames: ['tool'] as const,
    buckets: [...DURATION_BUCKETS],
    registers,
  });
  const rateLimited = new Counter({
    name: 'taskgate_rate_limited_total',
    help: 'Requests refused by a rate limit, by limit.',
    labelNames: ['limit'] as const,
    registers,
  });
  const alerts = new Counter({
    name: 'taskgate_alerts_total',
    help: 'Alerts raised by the anomaly rules, by rule.',
    labelNames: ['rule'] as const,
    registers,
  });
  new Gauge({
    name: 'taskgate_audit_queue_depth',
    help: 'Audit events waiting for or in a group commit (not yet durable).',
    registers,
    collect() {
      this.set(sources.auditQueueDepth());
    },
  });
  new Gauge({
    name: 'taskgate_database_connections',
    help: 'Database connections: total open, idle, and requests waiting for one (SQLite: one connection).',
    labelNames: ['state'] as const,
    registers,
    collect() {
      const use = sources.connectionUse();
      this.set({ state: 'total' }, use.total);
      this.set({ state: 'idle' }, use.idle);
      this.set({ state: 'waiting' }, use.waiting);
    },
  });

  return {
    signals: {
      rateLimited: (limit) => rateLimited.inc({ limit }),
      alertRaised: (rule) => alerts.inc({ rule }),
    },
    callEnded(tool, outcome, durationMs) {
      calls.inc({ tool, outcome });
      durations.observe({ tool }, durationMs / 1000);
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
