/**
 * The front door of /mcp, one attack per test: stolen, mistyped, revoked, rotated, expired
 * or foreign keys; credentials smuggled in URLs or cookies; DNS rebinding; oversized or
 * malformed bodies; scope and project escalation; and an audit log that cannot be written.
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cryptoRandom } from '../../src/core/index.js';
import { generateApiKey } from '../../src/credentials/index.js';
import { openDatabase } from '../../src/storage/index.js';
import { connectV1, initializeBody, post, startTestServer, type TestServer } from '../support/mcp-server.js';

let server: TestServer;
beforeEach(async () => {
  server = await startTestServer();
});
afterEach(async () => server.close());

const prm = () => `${server.url}/.well-known/oauth-protected-resource/mcp`;

async function expect401(response: Response, reason: string, message?: RegExp) {
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toContain(`Bearer resource_metadata="${prm()}"`);
  const body = (await response.json()) as { error: { code: string; reason: string; message: string } };
  expect(body.error).toMatchObject({ code: 'unauthenticated', reason });
  if (message) expect(body.error.message).toMatch(message);
  return body;
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const callTool = (name: string, args: Record<string, unknown> = {}) =>
  JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name, arguments: args } });

async function toolResult(response: Response) {
  expect(response.status).toBe(200);
  const body = (await response.json()) as {
    result: { isError?: boolean; content: { text: string }[]; structuredContent?: unknown };
  };
  return body.result;
}

describe('authentication', () => {
  it('refuses a request without a key with 401 and the resource metadata challenge', async () => {
    await expect401(await post(server, initializeBody), 'missing', /Authorization: Bearer/);
  });

  it('refuses a mistyped key by its checksum, naming the problem', async () => {
    const key = await server.issueKey();
    const typo = key.slice(0, 12) + (key[12] === 'a' ? 'b' : 'a') + key.slice(13);
    await expect401(await post(server, initializeBody, bearer(typo)), 'bad_checksum', /mistyped/);
  });

  it('refuses a syntactically wrong token as malformed', async () => {
    await expect401(await post(server, initializeBody, bearer('sk-not-ours')), 'malformed');
  });

  it('refuses a well-formed key that was never issued', async () => {
    await expect401(
      await post(server, initializeBody, bearer(generateApiKey('development', cryptoRandom))),
      'unknown',
    );
  });

  it('refuses a key from another environment and names both environments', async () => {
    const body = await expect401(
      await post(server, initializeBody, bearer(generateApiKey('production', cryptoRandom))),
      'wrong_environment',
    );
    expect(body.error.message).toBe(
      'this is a production key, but this server serves development workspaces',
    );
  });

  it('refuses a revoked key on the very next request', async () => {
    const key = await server.issueKey({ name: 'stolen-laptop' });
    expect((await post(server, initializeBody, bearer(key))).status).toBe(200);
    await server.app.keys.revoke('demo', 'stolen-laptop');
    await expect401(await post(server, initializeBody, bearer(key)), 'revoked');
  });

  it('keeps a rotated key working through its grace window and refuses it after', async () => {
    const old = await server.issueKey({ name: 'cursor-work-laptop' });
    const rotated = await server.app.keys.rotate('demo', 'cursor-work-laptop', { graceHours: 24 });
    server.clock.advance(23 * 3_600_000);
    expect((await post(server, initializeBody, bearer(old))).status).toBe(200);
    expect((await post(server, initializeBody, bearer(rotated.secret))).status).toBe(200);
    const [oldView] = (await server.app.keys.list('demo')).filter((k) => k.status === 'grace');
    expect(oldView?.grace).toMatchObject({ stillInUse: true });
    server.clock.advance(2 * 3_600_000);
    await expect401(await post(server, initializeBody, bearer(old)), 'rotated', /replacement/);
    expect((await post(server, initializeBody, bearer(rotated.secret))).status).toBe(200);
  });

  it('refuses an expired key', async () => {
    const key = await server.issueKey({ expiresIn: '30d' });
    server.clock.advance(30 * 86_400_000);
    await expect401(await post(server, initializeBody, bearer(key)), 'expired', /expired at/);
  });

  it('refuses a key used from outside its IP allow-list with 403', async () => {
    const fenced = await server.issueKey({ ip: '10.0.0.0/8,2001:db8::/32' });
    const response = await post(server, initializeBody, bearer(fenced));
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { reason: string } }).error.reason).toBe('ip_not_allowed');
    const loopback = await server.issueKey({ ip: '127.0.0.0/8' });
    expect((await post(server, initializeBody, bearer(loopback))).status).toBe(200);
  });

  it('refuses a key passed in the query string instead of ignoring it', async () => {
    const key = await server.issueKey();
    const response = await post(server, initializeBody, {}, `/mcp?access_token=${key}`);
    expect(response.status).toBe(401);
    expect(JSON.stringify(await response.json())).toContain('credentials in the URL are refused');
  });

  it('ignores a key sent as a cookie (a browser would attach it cross-site)', async () => {
    const key = await server.issueKey();
    await expect401(
      await post(server, initializeBody, { cookie: `taskgate_key=${key}; api_key=${key}` }),
      'missing',
    );
  });

  it('records every refused request with the reason and, when known, the key', async () => {
    const key = await server.issueKey({ name: 'revoked-laptop' });
    await server.app.keys.revoke('demo', 'revoked-laptop');
    await post(server, initializeBody, bearer(key));
    const workspace = await server.app.domain.workspaces.get('demo');
    const [event] = await server.app.store.audit.list(workspace.id, { limit: 1 });
    expect(event).toMatchObject({
      action: 'mcp.auth_failed',
      outcome: 'denied',
      credentialName: 'revoked-laptop',
      detail: { reason: 'revoked' },
      ip: '127.0.0.1',
    });
    await post(server, initializeBody);
    const [anonymous] = await server.app.store.audit.list(null, { limit: 1 });
    expect(anonymous).toMatchObject({ action: 'mcp.auth_failed', detail: { reason: 'missing' } });
  });
});

describe('nothing escapes the audit log', () => {
  async function latest(workspaceScoped = true) {
    const workspace = await server.app.domain.workspaces.get('demo');
    const [event] = await server.app.store.audit.list(workspaceScoped ? workspace.id : null, { limit: 1 });
    return event;
  }

  it('records a call to a tool that does not exist (probing for hidden tools)', async () => {
    const key = await server.issueKey();
    await post(server, callTool('drop_database'), bearer(key));
    expect(await latest()).toMatchObject({
      action: 'mcp.request',
      tool: 'drop_database',
      outcome: 'error',
      detail: { methods: ['tools/call'], tools: ['drop_database'], toolCallsRun: 0 },
    });
  });

  it('records a call whose arguments fail the schema (probing argument shapes)', async () => {
    const key = await server.issueKey();
    await post(server, callTool('get_task', { task: 'APO-1', injected: true }), bearer(key));
    expect(await latest()).toMatchObject({ action: 'mcp.request', tool: 'get_task', outcome: 'error' });
  });

  it('records every method of a batch, not only its tool calls', async () => {
    const key = await server.issueKey();
    const batch = JSON.stringify([
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: {} } },
    ]);
    await post(server, batch, { ...bearer(key), 'mcp-protocol-version': '2025-03-26' });
    const workspace = await server.app.domain.workspaces.get('demo');
    const events = await server.app.store.audit.list(workspace.id, { limit: 2 });
    expect(events.map((e) => e.action).sort()).toEqual(['mcp.request', 'mcp.tool_called']);
  });

  it('records refusals that happen before authentication: rebinding, wrong method, oversized body', async () => {
    await post(server, initializeBody, { origin: 'https://evil.example' });
    expect(await latest(false)).toMatchObject({
      action: 'mcp.rejected',
      detail: { reason: 'host_or_origin', status: 403 },
    });
    await fetch(server.mcpUrl, { method: 'DELETE' });
    expect(await latest(false)).toMatchObject({ detail: { reason: 'method_not_allowed', status: 405 } });
    await post(server, JSON.stringify({ pad: 'x'.repeat(300 * 1024) }));
    expect(await latest(false)).toMatchObject({
      detail: { reason: 'body_too_large', status: 413 },
      ip: '127.0.0.1',
    });
  });
});

describe('transport', () => {
  it('refuses a foreign Origin with 403 (DNS rebinding / cross-site)', async () => {
    const key = await server.issueKey();
    const response = await post(server, initializeBody, { ...bearer(key), origin: 'https://evil.example' });
    expect(response.status).toBe(403);
  });

  it('refuses a foreign Host header with 403 (DNS rebinding)', async () => {
    const key = await server.issueKey();
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        server.mcpUrl,
        {
          method: 'POST',
          headers: { host: 'evil.example.com', 'content-type': 'application/json', ...bearer(key) },
        },
        (res) => resolve(res.statusCode ?? 0),
      );
      req.on('error', reject);
      req.end(initializeBody);
    });
    expect(status).toBe(403);
  });

  it('accepts its own Origin', async () => {
    const key = await server.issueKey();
    expect((await post(server, initializeBody, { ...bearer(key), origin: server.url })).status).toBe(200);
  });

  it('refuses an oversized body with 413 before reading it', async () => {
    const key = await server.issueKey();
    const huge = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'ping',
      params: { pad: 'x'.repeat(300 * 1024) },
    });
    expect((await post(server, huge, bearer(key))).status).toBe(413);
  });

  it('answers malformed JSON with a JSON-RPC parse error and keeps serving', async () => {
    const key = await server.issueKey();
    const response = await post(server, '{"jsonrpc": "2.0", "id": 1, "method": ', bearer(key));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
    expect((await post(server, initializeBody, bearer(key))).status).toBe(200);
  });

  it('answers GET with 405: the endpoint is stateless', async () => {
    const key = await server.issueKey();
    const response = await fetch(server.mcpUrl, { headers: { ...bearer(key), accept: 'text/event-stream' } });
    expect(response.status).toBe(405);
  });

  it('publishes protected resource metadata at the path and the root fallback', async () => {
    for (const path of [
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
    ]) {
      const response = await fetch(`${server.url}${path}`);
      expect(await response.json()).toMatchObject({
        resource: server.mcpUrl,
        bearer_methods_supported: ['header'],
        scopes_supported: expect.arrayContaining(['tasks:read', 'tasks:write', 'audit:read']),
      });
    }
  });
});

describe('authorization', () => {
  it('refuses a tool the key has no scope for, naming the missing scope', async () => {
    const key = await server.issueKey({ scopes: 'projects:read' });
    const result = await toolResult(await post(server, callTool('list_tasks'), bearer(key)));
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toContain('missing scope tasks:read');
    const workspace = await server.app.domain.workspaces.get('demo');
    const [event] = await server.app.store.audit.list(workspace.id, { limit: 1 });
    expect(event).toMatchObject({ tool: 'list_tasks', outcome: 'denied', errorCode: 'forbidden' });
  });

  it('confines a key to its project allow-list: other projects do not exist for it', async () => {
    const key = await server.issueKey({ projects: 'APO' });
    const { client } = await connectV1(server, key);
    try {
      const projects = await client.callTool({ name: 'list_projects', arguments: {} });
      expect(
        (projects.structuredContent as { projects: { key: string }[] }).projects.map((p) => p.key),
      ).toEqual(['APO']);
      const other = await client.callTool({ name: 'get_task', arguments: { task: 'WEB-1' } });
      expect(other.isError).toBe(true);
      expect((other.content as { text: string }[])[0]?.text).toBe('not_found: task WEB-1 not found');
      const searched = await client.callTool({ name: 'search_tasks', arguments: { query: 'a' } });
      const keys = (searched.structuredContent as { tasks: { key: string }[] }).tasks.map((t) => t.key);
      expect(keys.every((k) => k.startsWith('APO-'))).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('gives a read-only key no write scope even when it asked for them', async () => {
    const key = await server.issueKey({ preset: 'full', readOnly: true });
    const { client } = await connectV1(server, key);
    try {
      const me = (await client.callTool({ name: 'whoami', arguments: {} })).structuredContent as {
        credential: { scopes: string[]; readOnly: boolean };
      };
      expect(me.credential.readOnly).toBe(true);
      expect(me.credential.scopes.filter((s) => !s.endsWith(':read'))).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it("caps a key's scopes at its member's role: a viewer's key cannot be minted with writes", async () => {
    await expect(
      server.app.keys.create({
        workspace: 'demo',
        name: 'viewer-laptop',
        environment: 'development',
        member: 'katherine@example.com',
        preset: 'standard',
      }),
    ).rejects.toMatchObject({
      code: 'invalid_input',
      publicMessage: expect.stringContaining('exceed the role viewer'),
    });
  });

  it('validates tool arguments and changes nothing on bad input', async () => {
    const key = await server.issueKey();
    const result = await toolResult(
      await post(server, callTool('list_tasks', { limit: 10_000, project: 'APO' }), bearer(key)),
    );
    expect(result.isError).toBe(true);
  });
});

describe('audit fail-closed', () => {
  it('answers 503 and returns no data when the audit record cannot be written', async () => {
    const key = await server.issueKey();
    // A real failure, not a mock: another connection drops the audit table under the server.
    const handle = await openDatabase(server.app.config.databaseUrl);
    await sql`drop table audit_events`.execute(handle.db);
    await handle.close();
    const response = await post(server, callTool('get_task', { task: 'APO-1' }), bearer(key));
    expect(response.status).toBe(503);
    expect(await response.text()).not.toContain('Freeze the release branch');
  });
});
