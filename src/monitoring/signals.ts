/**
 * What monitoring tells the metrics (`/metrics`, src/monitoring/metrics) as it happens. The
 * rate limiter and the anomaly rules take a `MonitoringSignals`; the composition root hands
 * them the Prometheus-backed one, tests and tools that need no metrics `NO_SIGNALS`.
 */
export interface MonitoringSignals {
  /** A request refused by a rate limit (`limit`: which one, e.g. `mcp.key.read`). */
  rateLimited(limit: string): void;
  /** An anomaly rule raised an alert (`rule`: its id). */
  alertRaised(rule: string): void;
}

export const NO_SIGNALS: MonitoringSignals = Object.freeze({
  rateLimited() {},
  alertRaised() {},
});
