/**
 * Several instances of one deployment share their limits: a client cannot multiply its
 * budget by spreading calls over the instances behind a load balancer. Two apps on one
 * PostgreSQL (counters in its `rate_limits` table), and two on Redis.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RATE_LIMIT_EXCEEDED_ACTION } from '../../src/monitoring/index.js';
import { post, startTestServer, type TestServer } from '../support/mcp-server.js';
import { postgresUrl } from '../support/postgres.js';

// Redis is not in the default test environment's contract; this machine and CI run one here.
const REDIS_URL = process.env.TASKGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
let servers: TestServer[] = [];

afterEach(async () => {
  // The second instance first: the first one drops the shared database.
  for (const server of servers.reverse()) await server.close();
  servers = [];
});

const whoami = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'whoami', arguments: {} },
});

async function twoInstances(options: { kind: 'sqlite' | 'postgres'; env?: Record<string, string> }) {
  const first = await startTestServer({ kind: options.kind, ...(options.env && { env: options.env }) });
  const second = await startTestServer({
    database: first.database,
    env: { ...options.env, TASKGATE_PUBLIC_URL: first.app.config.publicUrl },
  });
  servers = [first, second];
  return [first, second] as const;
}

async function floodAcross(first: TestServer, second: TestServer, key: string, calls: number) {
  const auth = { authorization: `Bearer ${key}` };
  const responses = await Promise.all(
    Array.from({ length: calls }, (_, i) => post(i % 2 ? second : first, whoami, auth)),
  );
  return responses.map((r) => r.status);
}

describe('rate limits shared by instances', () => {
  it.skipIf(!postgresUrl())(
    'holds one limit for two instances on one PostgreSQL under 50 concurrent calls',
    async () => {
      const [first, second] = await twoInstances({ kind: 'postgres' });
      await first.app.monitoring.rateLimits.tune('demo', { keyReadsPerMinute: 10 }, null);
      expect(first.app.monitoring.rateLimits.backend).toBe('postgres');
      const key = await first.issueKey();
      const statuses = await floodAcross(first, second, key, 50);
      expect(statuses.filter((s) => s === 200)).toHaveLength(10);
      expect(statuses.filter((s) => s === 429)).toHaveLength(40);
      // One event for the flood, whichever instance refused first.
      const ws = await first.app.store.workspaces.findBySlug('demo');
      const events = await first.app.store.audit.list(ws!.id, {
        action: RATE_LIMIT_EXCEEDED_ACTION,
        limit: 100,
      });
      expect(events).toHaveLength(1);
    },
  );

  it('holds one limit for two instances counting in Redis', async () => {
    const [first, second] = await twoInstances({ kind: 'sqlite', env: { TASKGATE_REDIS_URL: REDIS_URL } });
    await first.app.monitoring.rateLimits.tune('demo', { keyReadsPerMinute: 6 }, null);
    expect(second.app.monitoring.rateLimits.backend).toBe('redis');
    const key = await first.issueKey();
    const statuses = await floodAcross(first, second, key, 20);
    expect(statuses.filter((s) => s === 200)).toHaveLength(6);
    expect(statuses.filter((s) => s === 429)).toHaveLength(14);
  });
});
