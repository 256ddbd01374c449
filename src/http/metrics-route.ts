/**
 * `/metrics` for a Prometheus scraper. Served only when a token is configured (otherwise the
 * route does not exist: 404), and only to a request that presents it as a Bearer token: the
 * counters name tools and show traffic, which is nobody else's business.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Hono } from 'hono';
import { AppError } from '../core/index.js';

export interface MetricsEndpoint {
  /** The Bearer token a scraper must send. */
  readonly token: string;
  render(): Promise<{ readonly contentType: string; readonly body: string }>;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** SECURITY: constant time, and the lengths are hidden by comparing digests. */
function presents(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer +(\S+)\s*$/i.exec(header ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!), expected);
}

export function mountMetrics(app: Hono, metrics: MetricsEndpoint): void {
  const expected = digest(metrics.token);
  app.get('/metrics', async (c) => {
    if (!presents(c.req.header('authorization'), expected)) {
      c.header('WWW-Authenticate', 'Bearer realm="metrics"');
      throw new AppError('unauthenticated', 'send the metrics token (metricsToken) as a Bearer token');
    }
    const { contentType, body } = await metrics.render();
    return c.body(body, 200, { 'Content-Type': contentType });
  });
}
