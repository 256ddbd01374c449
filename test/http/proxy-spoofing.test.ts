/**
 * Behind a proxy (issue 18): only a trusted proxy (here the test's own 127.0.0.1) may name
 * the client address, and only as the rightmost hop it appended. Every attack below is a
 * client choosing its address through X-Forwarded-For or Forwarded, to pass a key's IP
 * allow-list, to dodge a per-address rate limit, or to put someone else's address in the
 * audit log. Real server, official SDK client, SQLite and PostgreSQL.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ANOMALY_RULES } from '../../src/monitoring/index.js';
import { post, startTestServer, type TestServer } from '../support/mcp-server.js';
import { cookiesOf, getLoginForm, givePassword } from '../support/sign-in.js';
import { storeKinds } from '../support/stores.js';

const OFFICE = '198.51.100.0/24';
const OFFICE_IP = '198.51.100.7';
const HOME_IP = '203.0.113.9';

let server: TestServer;
afterEach(async () => {
  await server?.close();
});

const start = (kind: 'sqlite' | 'postgres', env: Record<string, string> = {}) =>
  startTestServer({ kind, env: { TASKGATE_RATE_LIMIT_FAILED_AUTH_PER_MINUTE: '3', ...env } });

/** The official SDK client, every request carrying `headers` (what a client controls). */
async function sdkCall(key: string, headers: Record<string, string>) {
  const client = new Client({ name: 'proxy-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(server.mcpUrl), {
    requestInit: { headers: { Authorization: `Bearer ${key}`, ...headers } },
  });
  try {
    await client.connect(transport);
    return await client.callTool({ name: 'whoami', arguments: {} });
  } finally {
    await client.close();
  }
}

const toolCall = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'whoami', arguments: {} },
});
const rawCall = (key: string, headers: Record<string, string>) =>
  post(server, toolCall, { authorization: `Bearer ${key}`, ...headers });

async function auditIps(action: string): Promise<(string | null)[]> {
  const workspace = (await server.app.store.workspaces.findBySlug('demo'))!;
  const events = await server.app.store.audit.list(workspace.id, { action, limit: 500 });
  return events.map((event) => event.ip);
}

const spoofing = (address: string) => ({
  'x-forwarded-for': address,
  forwarded: `for=${address}`,
  'x-real-ip': address,
});

for (const kind of storeKinds()) {
  describe.each([
    ['no trusted proxies configured', {}],
    ['trusted proxies that do not include the peer', { TASKGATE_TRUSTED_PROXIES: '10.0.0.0/8, fd00::/8' }],
  ])(`an untrusted peer's forwarding headers change nothing: %s [${kind}]`, (_title, env) => {
    it('refuses a key restricted to an office network when the client claims an office address', async () => {
      server = await start(kind, env);
      const key = await server.issueKey({ ip: [OFFICE] });
      await expect(sdkCall(key, spoofing(OFFICE_IP))).rejects.toThrow();
      const refused = await rawCall(key, spoofing(OFFICE_IP));
      expect(refused.status).toBe(403);
      expect(await auditIps('mcp.auth_failed')).toEqual(['127.0.0.1', '127.0.0.1']);
    });

    it('keeps counting failed authentications against the peer however the client rotates its claimed address', async () => {
      server = await start(kind, env);
      const statuses: number[] = [];
      for (let i = 1; i <= 5; i += 1) {
        const response = await rawCall(`tg_live_${'x'.repeat(40)}${i}`, spoofing(`203.0.113.${i}`));
        statuses.push(response.status);
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      // The peer is blocked, a correct key included, whatever address it claims next.
      const key = await server.issueKey();
      expect((await rawCall(key, spoofing('192.0.2.200'))).status).toBe(429);
    });

    it('records the peer, never the claimed address, in the audit log', async () => {
      server = await start(kind, env);
      const key = await server.issueKey();
      const result = await sdkCall(key, spoofing('192.0.2.66'));
      expect(result.isError).toBeFalsy();
      const ips = await auditIps('mcp.tool_called');
      expect(ips.length).toBeGreaterThan(0);
      expect(new Set(ips)).toEqual(new Set(['127.0.0.1']));
    });
  });

  describe(`behind a trusted proxy (127.0.0.1/32), X-Forwarded-For [${kind}]`, () => {
    const proxied = { TASKGATE_TRUSTED_PROXIES: '127.0.0.1/32' };

    it('serves a key restricted to an office network when the proxy forwards an office client, and records that client', async () => {
      server = await start(kind, proxied);
      const key = await server.issueKey({ name: 'office-laptop', ip: [OFFICE] });
      const result = await sdkCall(key, { 'x-forwarded-for': OFFICE_IP });
      expect(result.isError).toBeFalsy();
      expect(new Set(await auditIps('mcp.tool_called'))).toEqual(new Set([OFFICE_IP]));
      const workspace = (await server.app.store.workspaces.findBySlug('demo'))!;
      const record = await server.app.store.apiKeys.findCurrentByName(workspace.id, 'office-laptop');
      expect(record?.lastUsedIp).toBe(OFFICE_IP);
    });

    it('refuses a client that prepends an office address: the hop the proxy appended wins', async () => {
      server = await start(kind, proxied);
      const key = await server.issueKey({ ip: [OFFICE] });
      // The client sent `X-Forwarded-For: 198.51.100.7`; the proxy appended the real address.
      const chain = { 'x-forwarded-for': `${OFFICE_IP}, ${HOME_IP}` };
      await expect(sdkCall(key, chain)).rejects.toThrow();
      expect((await rawCall(key, { 'x-forwarded-for': `${OFFICE_IP},${HOME_IP}` })).status).toBe(403);
      // A chain of our own proxies on the right is skipped, not mistaken for the client.
      expect((await rawCall(key, { 'x-forwarded-for': `${OFFICE_IP}, ${HOME_IP}, 127.0.0.1` })).status).toBe(
        403,
      );
      expect(new Set(await auditIps('mcp.auth_failed'))).toEqual(new Set([HOME_IP]));
    });

    it('counts the failed-authentication limit per forwarded client, not per proxy', async () => {
      server = await start(kind, proxied);
      const bad = (i: number, from: string) =>
        rawCall(`tg_live_${'y'.repeat(40)}${i}`, { 'x-forwarded-for': from });
      const first: number[] = [];
      for (let i = 0; i < 4; i += 1) first.push((await bad(i, `${OFFICE_IP}, 192.0.2.1`)).status);
      expect(first).toEqual([401, 401, 401, 429]);
      // Another client behind the same proxy is not blocked by the first one's failures,
      expect((await bad(9, '192.0.2.2')).status).toBe(401);
      // and the blocked one cannot escape by prepending a fresh address.
      const key = await server.issueKey();
      expect((await rawCall(key, { 'x-forwarded-for': '192.0.2.77, 192.0.2.1' })).status).toBe(429);
    });

    it('reads IPv6 hops with ports and falls back to the proxy on garbage, without failing the call', async () => {
      server = await start(kind, proxied);
      const key = await server.issueKey();
      expect((await rawCall(key, { 'x-forwarded-for': '[2001:DB8::7]:4711' })).status).toBe(200);
      // Header bytes reach the server as Latin-1: the full-width digits arrive as UTF-8 bytes.
      const unicode = Buffer.from('２０３.０.１１３.９', 'utf8').toString('latin1');
      for (const garbage of ['unknown', '203.0.113.9 , ,', unicode, '"203.0.113.9"', '::ffff:zz'])
        expect((await rawCall(key, { 'x-forwarded-for': garbage })).status).toBe(200);
      expect(await auditIps('mcp.tool_called')).toEqual([
        '127.0.0.1',
        '127.0.0.1',
        '127.0.0.1',
        '127.0.0.1',
        '127.0.0.1',
        '2001:db8::7',
      ]);
    });

    it('ignores a Forwarded header a client slips past a proxy that writes X-Forwarded-For', async () => {
      server = await start(kind, proxied);
      const key = await server.issueKey({ ip: [OFFICE] });
      const response = await rawCall(key, { forwarded: `for=${OFFICE_IP}`, 'x-forwarded-for': HOME_IP });
      expect(response.status).toBe(403);
      expect(await auditIps('mcp.auth_failed')).toEqual([HOME_IP]);
    });
  });

  describe(`behind a trusted proxy (127.0.0.1/32), Forwarded [${kind}]`, () => {
    const proxied = { TASKGATE_TRUSTED_PROXIES: '127.0.0.1', TASKGATE_TRUSTED_PROXY_HEADER: 'forwarded' };

    it('reads quoted IPv6 with a port, several elements and several header lines', async () => {
      server = await start(kind, proxied);
      const key = await server.issueKey({ ip: ['2001:db8:cafe::/48'] });
      const result = await sdkCall(key, {
        forwarded: 'for=198.51.100.1;proto=https, for="[2001:db8:cafe::17]:4711";by=127.0.0.1, for=127.0.0.1',
      });
      expect(result.isError).toBeFalsy();
      expect(new Set(await auditIps('mcp.tool_called'))).toEqual(new Set(['2001:db8:cafe::17']));
    });

    it('refuses a client whose glued or obfuscated Forwarded tries to pass an office address', async () => {
      server = await start(kind, { ...proxied, TASKGATE_RATE_LIMIT_FAILED_AUTH_PER_MINUTE: '100' });
      const key = await server.issueKey({ ip: [OFFICE] });
      const attempts = [
        // The proxy appended the real client after what the client sent.
        `for=${OFFICE_IP},for=${HOME_IP}`,
        `for="${OFFICE_IP}, for=${OFFICE_IP}",for=${HOME_IP}`,
        `for=${OFFICE_IP};for=${OFFICE_IP}`,
        `for=[${OFFICE_IP}]`,
        `for="${OFFICE_IP}`,
        `for = ${OFFICE_IP}`,
        `for=_office`,
        `for=unknown`,
      ];
      for (const forwarded of attempts)
        expect((await rawCall(key, { forwarded, 'x-forwarded-for': OFFICE_IP })).status, forwarded).toBe(403);
      expect(await auditIps('mcp.auth_failed')).toEqual([
        '127.0.0.1',
        '127.0.0.1',
        '127.0.0.1',
        '127.0.0.1',
        '127.0.0.1',
        '127.0.0.1',
        HOME_IP,
        HOME_IP,
      ]);
    });
  });
}

/** The console sign-in form, posted with `headers` (a client's or a proxy's). */
async function signIn(password: string, headers: Record<string, string>) {
  const form = await getLoginForm(server);
  return fetch(`${server.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: server.url,
      cookie: form.cookie,
      ...headers,
    },
    body: new URLSearchParams({ csrf: form.csrf, email: 'alan@example.com', password, workspace: 'demo' }),
  });
}

for (const kind of storeKinds()) {
  describe(`the console and the anomaly rules use the same address [${kind}]`, () => {
    it('records the forwarded client on a console sign-in through a trusted proxy, the peer otherwise', async () => {
      server = await start(kind, { TASKGATE_TRUSTED_PROXIES: '127.0.0.1/32' });
      const password = await givePassword(server);
      const through = await signIn(password, { 'x-forwarded-for': `192.0.2.1, ${HOME_IP}` });
      expect(cookiesOf(through).has('taskgate_session')).toBe(true);
      expect(await auditIps('member.signed_in')).toEqual([HOME_IP]);
      await server.close();
      server = await start(kind);
      const spoofed = await signIn(await givePassword(server), { 'x-forwarded-for': HOME_IP });
      expect(cookiesOf(spoofed).has('taskgate_session')).toBe(true);
      expect(await auditIps('member.signed_in')).toEqual(['127.0.0.1']);
    });

    it('keeps the console sign-in address limit on the peer however the client rotates its claimed address', async () => {
      server = await start(kind, { TASKGATE_RATE_LIMIT_LOGIN_PER_MINUTE: '4' });
      const statuses: number[] = [];
      for (let i = 1; i <= 6; i += 1) {
        const response = await fetch(`${server.url}/login`, {
          headers: { 'x-forwarded-for': `203.0.113.${i}`, forwarded: `for=203.0.113.${i}` },
        });
        statuses.push(response.status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    });

    it('raises a new-network alert when the forwarded client moves, not when the client only claims to', async () => {
      server = await start(kind, { TASKGATE_TRUSTED_PROXIES: '127.0.0.1/32' });
      const workspace = (await server.app.store.workspaces.findBySlug('demo'))!;
      const current = await server.app.monitoring.settings.read(workspace.id, ANOMALY_RULES);
      await server.app.monitoring.settings.change(
        'demo',
        ANOMALY_RULES,
        {
          newNetwork: { ...current.newNetwork, action: 'alert' },
          concurrentUse: { ...current.concurrentUse, enabled: false },
        },
        null,
      );
      const key = await server.issueKey();
      for (let i = 0; i < 5; i += 1) await sdkCall(key, { 'x-forwarded-for': OFFICE_IP });
      // A client prepending another network's address is still the office client.
      await sdkCall(key, { 'x-forwarded-for': `${HOME_IP}, ${OFFICE_IP}` });
      expect(await server.app.monitoring.alerts.list('demo', null, { limit: 10 })).toEqual([]);
      await sdkCall(key, { 'x-forwarded-for': HOME_IP });
      const alerts = await server.app.monitoring.alerts.list('demo', null, { limit: 10 });
      expect(alerts.map((alert) => alert.rule)).toEqual(['new_network']);
      expect(alerts[0]!.summary).toMatch(/203\.0\.113\.0\/24/);
    });
  });
}
