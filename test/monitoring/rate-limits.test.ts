/**
 * Request limits on a real server (SQLite: counters in memory), driven by the official SDK
 * client and by raw fetch: a flood is refused with 429, the draft's RateLimit headers and a
 * JSON-RPC error the model can read, and leaves one audit event however many were refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RATE_LIMIT_EXCEEDED_ACTION } from '../../src/monitoring/index.js';
import { connectV1, post, startTestServer, type TestServer } from '../support/mcp-server.js';

let server: TestServer;

afterEach(async () => {
  await server?.close();
});

const call = (name: string, args: Record<string, unknown> = {}, id = 1) =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

const callAs = (key: string, name = 'whoami', args: Record<string, unknown> = {}) =>
  post(server, call(name, args), { authorization: `Bearer ${key}` });

async function workspaceId(): Promise<string> {
  const ws = await server.app.store.workspaces.findBySlug('demo');
  return ws!.id;
}

async function exceeded() {
  const events = await server.app.store.audit.list(await workspaceId(), {
    action: RATE_LIMIT_EXCEEDED_ACTION,
    limit: 1000,
  });
  return events;
}

describe('rate limits on /mcp', () => {
  it('refuses a flood of 50 concurrent calls over the key limit with 429, headers, a JSON-RPC error and one sampled audit event', async () => {
    server = await startTestServer();
    await server.app.monitoring.rateLimits.tune('demo', { keyReadsPerMinute: 10 }, null);
    const key = await server.issueKey();
    const responses = await Promise.all(Array.from({ length: 50 }, () => callAs(key)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(40);
    const refused = responses.find((r) => r.status === 429)!;
    expect(refused.headers.get('ratelimit-policy')).toBe('"mcp.key.read";q=10;w=60');
    expect(refused.headers.get('ratelimit')).toMatch(/^"mcp\.key\.read";r=0;t=\d+$/);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const body = (await refused.json()) as {
      jsonrpc: string;
      error: { code: number; message: string; data: Record<string, unknown> };
    };
    expect(body.jsonrpc).toBe('2.0');
    expect(body.error.message).toContain('mcp.key.read');
    expect(body.error.message).toContain('retry after');
    expect(body.error.data).toMatchObject({ code: 'rate_limited', limit: 'mcp.key.read', quota: 10 });
    const events = await exceeded();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: 'denied', errorCode: 'rate_limited' });
    expect(events[0]!.detail).toMatchObject({ limit: 'mcp.key.read', quota: 10, suppressed: 0 });
  });

  it('gives a client other than the SDK the same headers, on answered requests too', async () => {
    server = await startTestServer();
    await server.app.monitoring.rateLimits.tune('demo', { keyReadsPerMinute: 2 }, null);
    const key = await server.issueKey();
    const first = await callAs(key);
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-policy')).toBe('"mcp.key.read";q=2;w=60');
    expect(first.headers.get('ratelimit')).toMatch(/^"mcp\.key\.read";r=1;t=\d+$/);
    expect((await callAs(key)).status).toBe(200);
    const third = await callAs(key);
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(third.headers.get('ratelimit')).toMatch(/^"mcp\.key\.read";r=0;t=\d+$/);
    // Another key of the same member is still served: the limit is the key's.
    expect((await callAs(await server.issueKey())).status).toBe(200);
  });

  it('counts write tool calls against the write limit, leaving reads alone', async () => {
    server = await startTestServer();
    await server.app.monitoring.rateLimits.tune('demo', { keyWritesPerMinute: 2 }, null);
    const key = await server.issueKey();
    for (let i = 0; i < 2; i += 1) {
      expect((await callAs(key, 'create_project', { name: `Limits ${i}`, dry_run: true })).status).toBe(200);
    }
    const refused = await callAs(key, 'create_project', { name: 'Limits 3', dry_run: true });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('ratelimit-policy')).toBe('"mcp.key.write";q=2;w=60');
    expect((await callAs(key)).status).toBe(200);
  });

  it('stops a key spread over many keys by the member limit', async () => {
    server = await startTestServer();
    await server.app.monitoring.rateLimits.tune('demo', { memberReadsPerMinute: 3 }, null);
    const keys = await Promise.all([1, 2, 3, 4].map(() => server.issueKey()));
    const statuses = [];
    for (const key of keys) statuses.push((await callAs(key)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('refuses the official SDK client with an error naming the limit once the workspace lowers it', async () => {
    server = await startTestServer();
    const key = await server.issueKey();
    const { client } = await connectV1(server, key);
    await client.callTool({ name: 'whoami', arguments: {} });
    await server.app.monitoring.rateLimits.tune('demo', { keyReadsPerMinute: 3 }, null);
    await expect(
      (async () => {
        for (let i = 0; i < 5; i += 1) await client.callTool({ name: 'whoami', arguments: {} });
      })(),
    ).rejects.toThrow(/429|rate limit mcp\.key\.read/);
    await client.close();
    const [event] = await exceeded();
    expect(event!.credentialId).not.toBeNull();
  });

  it('refuses bad settings with field errors and changes nothing', async () => {
    server = await startTestServer();
    const limits = server.app.monitoring.rateLimits;
    const before = await limits.show(await workspaceId());
    await expect(
      limits.tune('demo', { keyReadsPerMinute: 0, keyWritesPerMinute: 'lots', bogus: 1 }, null),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    const error = await limits.tune('demo', { keyReadsPerMinute: -1 }, null).catch((e: unknown) => e);
    expect(JSON.stringify((error as { fields: unknown }).fields)).toContain('keyReadsPerMinute');
    expect(await limits.show(await workspaceId())).toEqual(before);
    expect(before).toMatchObject({ keyReadsPerMinute: 600, keyWritesPerMinute: 120 });
  });
});

describe('rate limits before anyone is known', () => {
  it('stops a failed-authentication flood of 60 bad keys from one address, then refuses even a good key', async () => {
    server = await startTestServer({ env: { TASKGATE_RATE_LIMIT_FAILED_AUTH_PER_MINUTE: '20' } });
    const good = await server.issueKey();
    const bad = Array.from({ length: 60 }, (_, i) => `tg_dev_${'x'.repeat(30)}${i}_abcdef`);
    const statuses = [];
    for (const key of bad) statuses.push((await callAs(key)).status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(40);
    const refused = await callAs(good);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('ratelimit-policy')).toBe('"auth.failed.ip";q=20;w=60');
    const events = await server.app.store.audit.list(null, {
      action: RATE_LIMIT_EXCEEDED_ACTION,
      limit: 100,
    });
    expect(events).toHaveLength(1);
    expect(events[0]!.ip).toBe('127.0.0.1');
  });

  it('limits the console sign-in and the OAuth endpoints per address', async () => {
    server = await startTestServer({
      env: { TASKGATE_RATE_LIMIT_LOGIN_PER_MINUTE: '3', TASKGATE_RATE_LIMIT_OAUTH_PER_MINUTE: '2' },
    });
    const logins = [];
    for (let i = 0; i < 4; i += 1) logins.push(await fetch(`${server.url}/login`, { redirect: 'manual' }));
    expect(logins.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(logins[3]!.headers.get('ratelimit-policy')).toBe('"login.ip";q=3;w=60');
    expect(logins[3]!.headers.get('retry-after')).toMatch(/^\d+$/);
    const tokens = [];
    for (let i = 0; i < 3; i += 1)
      tokens.push(await fetch(`${server.url}/oauth/token`, { method: 'POST', body: 'grant_type=x' }));
    expect(tokens[0]!.status).not.toBe(429);
    expect(tokens[2]!.status).toBe(429);
    expect(tokens[2]!.headers.get('ratelimit-policy')).toBe('"oauth.ip";q=2;w=60');
    expect(((await tokens[2]!.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
  });
});
