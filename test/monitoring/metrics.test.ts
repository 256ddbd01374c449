/**
 * `/metrics` over a real server: closed without its token (and absent when none is
 * configured), and after real MCP calls through the official SDK client it counts each call
 * by tool and outcome, with a histogram of durations, the audit queue and the database's
 * connections (the PostgreSQL pool, or SQLite's one connection).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DURATION_BUCKETS } from '../../src/monitoring/index.js';
import { connectV2, startTestServer, type TestServer } from '../support/mcp-server.js';
import { postgresUrl } from '../support/postgres.js';

const TOKEN = randomBytes(32).toString('base64url');

const scrape = (server: TestServer, authorization?: string) =>
  fetch(`${server.url}/metrics`, { headers: authorization ? { authorization } : {} });

/** The value of one sample line, e.g. `taskgate_tool_calls_total{tool="whoami",outcome="ok"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics without a token configured', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.close());

  it('an unauthenticated scraper cannot read metrics when no token is configured (no route: 404)', async () => {
    expect((await scrape(server)).status).toBe(404);
    expect((await scrape(server, `Bearer ${TOKEN}`)).status).toBe(404);
  });
});

describe('metrics with a token', () => {
  let server: TestServer;
  let key: string;
  beforeAll(async () => {
    server = await startTestServer({ env: { TASKGATE_METRICS_TOKEN: TOKEN } });
    key = await server.issueKey();
  });
  afterAll(async () => server.close());

  it('an unauthenticated scraper cannot read metrics: no token, a wrong one, or the right one not as Bearer', async () => {
    const wrong = `${TOKEN.slice(0, -1)}${TOKEN.endsWith('A') ? 'B' : 'A'}`;
    for (const authorization of [undefined, `Bearer ${wrong}`, `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, TOKEN]) {
      const response = await scrape(server, authorization);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('Bearer');
      const text = await response.text();
      expect(text).not.toContain('taskgate_');
    }
  });

  it('counts real MCP calls by tool and outcome, with a histogram of their durations', async () => {
    const client = await connectV2(server, key);
    try {
      await client.callTool({ name: 'whoami', arguments: {} });
      await client.callTool({ name: 'whoami', arguments: {} });
      const missing = await client.callTool({ name: 'get_task', arguments: { task: 'APO-9999' } });
      expect(missing.isError).toBe(true);
    } finally {
      await client.close();
    }
    const response = await scrape(server, `Bearer ${TOKEN}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(sample(text, 'taskgate_tool_calls_total{tool="whoami",outcome="ok"}')).toBe(2);
    expect(sample(text, 'taskgate_tool_calls_total{tool="get_task",outcome="denied"}')).toBe(1);
    expect(text).toContain('# TYPE taskgate_tool_call_duration_seconds histogram');
    for (const le of DURATION_BUCKETS) {
      expect(text).toContain(`taskgate_tool_call_duration_seconds_bucket{le="${le}",tool="whoami"}`);
    }
    expect(sample(text, 'taskgate_tool_call_duration_seconds_bucket{le="+Inf",tool="whoami"}')).toBe(2);
    expect(sample(text, 'taskgate_tool_call_duration_seconds_count{tool="whoami"}')).toBe(2);
    // Every call's event is durable before its answer, so nothing is left queued.
    expect(sample(text, 'taskgate_audit_queue_depth')).toBe(0);
    expect(sample(text, 'taskgate_database_connections{state="total"}')).toBe(1);
  });

  it('counts 50 concurrent calls exactly once each', async () => {
    const before = sample(
      await (await scrape(server, `Bearer ${TOKEN}`)).text(),
      'taskgate_tool_calls_total{tool="list_projects",outcome="ok"}',
    );
    const client = await connectV2(server, key);
    try {
      await Promise.all(
        Array.from({ length: 50 }, () => client.callTool({ name: 'list_projects', arguments: {} })),
      );
    } finally {
      await client.close();
    }
    const text = await (await scrape(server, `Bearer ${TOKEN}`)).text();
    expect(sample(text, 'taskgate_tool_calls_total{tool="list_projects",outcome="ok"}')).toBe(
      (before ?? 0) + 50,
    );
  });

  it('shows rate-limit refusals and alerts told through the monitoring signals', async () => {
    server.app.monitoring.signals.rateLimited('mcp.key.read');
    server.app.monitoring.signals.alertRaised('new_ip');
    server.app.monitoring.signals.alertRaised('new_ip');
    const text = await (await scrape(server, `Bearer ${TOKEN}`)).text();
    expect(sample(text, 'taskgate_rate_limited_total{limit="mcp.key.read"}')).toBe(1);
    expect(sample(text, 'taskgate_alerts_total{rule="new_ip"}')).toBe(2);
  });

  it('keeps each app on its own registry: a second server starts from zero', async () => {
    const other = await startTestServer({ env: { TASKGATE_METRICS_TOKEN: TOKEN } });
    try {
      const text = await (await scrape(other, `Bearer ${TOKEN}`)).text();
      expect(text).not.toContain('taskgate_tool_calls_total{');
      expect(text).not.toContain('taskgate_alerts_total{');
    } finally {
      await other.close();
    }
  });
});

describe.skipIf(!postgresUrl())('metrics on PostgreSQL', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ kind: 'postgres', env: { TASKGATE_METRICS_TOKEN: TOKEN } });
  });
  afterAll(async () => server.close());

  it("reports the pool's connections: open, idle and waiting", async () => {
    const key = await server.issueKey();
    const client = await connectV2(server, key);
    try {
      await Promise.all(Array.from({ length: 20 }, () => client.callTool({ name: 'whoami', arguments: {} })));
    } finally {
      await client.close();
    }
    const text = await (await scrape(server, `Bearer ${TOKEN}`)).text();
    const total = sample(text, 'taskgate_database_connections{state="total"}')!;
    const idle = sample(text, 'taskgate_database_connections{state="idle"}')!;
    expect(total).toBeGreaterThanOrEqual(1);
    expect(total).toBeLessThanOrEqual(10);
    expect(idle).toBeLessThanOrEqual(total);
    expect(sample(text, 'taskgate_database_connections{state="waiting"}')).toBe(0);
    expect(sample(text, 'taskgate_tool_calls_total{tool="whoami",outcome="ok"}')).toBe(20);
  });
});
