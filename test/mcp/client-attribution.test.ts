/**
 * Which MCP client a call is recorded under: only what the request itself carries (an
 * `initialize`'s clientInfo, or the 2026-07-28 per-request `_meta` envelope), never the name
 * an earlier request gave — not the key's last client, not a pooled server's last
 * `initialize`. A script holding a stolen key must not hide behind the real client's name.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENT_INFO_META_KEY } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/model/index.js';
import { connectV1, connectV2, post, startTestServer, type TestServer } from '../support/mcp-server.js';
import { storeKinds } from '../support/stores.js';

const SCRIPT_AGENT = 'python-requests/2.32';

describe.each(storeKinds())('the client named in the audit log and on the key [%s]', (kind) => {
  let server: TestServer;
  let wsId: string;

  const events = async (credentialName: string) =>
    server.app.store.audit.list(wsId, { credentialName, limit: 1000 });

  /** A stateless 2025-era tools/call as a script sends it: no initialize, its own User-Agent. */
  const scriptCall = (key: string, task: string, meta?: Record<string, unknown>) =>
    post(
      server,
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'get_task', arguments: { task }, ...(meta && { _meta: meta }) },
      }),
      { authorization: `Bearer ${key}`, 'user-agent': SCRIPT_AGENT },
    );

  beforeAll(async () => {
    server = await startTestServer({ kind });
    wsId = (await server.app.store.workspaces.findBySlug('demo'))!.id;
  });
  afterAll(async () => server?.close());

  it('refuses to name the real client on a call from a script that never initialized', async () => {
    const key = await server.issueKey({ name: 'claude-desktop-stolen' });
    const { client } = await connectV1(server, key, 'claude-desktop');
    try {
      await client.callTool({ name: 'get_task', arguments: { task: 'APO-1' } });
      const script = await scriptCall(key, 'APO-2');
      expect(script.status).toBe(200);
    } finally {
      await client.close();
    }
    const recorded = await events('claude-desktop-stolen');
    const initialize = recorded.find((e) => e.action === 'mcp.request' && e.clientName !== null);
    expect(initialize).toMatchObject({ clientName: 'claude-desktop', clientVersion: '1.0.0' });
    const stolen = recorded.find((e) => (e.params as { task?: string } | null)?.task === 'APO-2');
    expect(stolen).toMatchObject({
      tool: 'get_task',
      clientName: null,
      clientVersion: null,
      userAgent: SCRIPT_AGENT,
    });
    // The key's last use is the script's, so it names no client either.
    const view = await server.app.keys.show('demo', 'claude-desktop-stolen');
    expect(view.lastUsed).toMatchObject({ client: null });
  });

  it('refuses to lend the name of an earlier initialize to a 2025-era call from the same client', async () => {
    const key = await server.issueKey({ name: 'cursor-pooled' });
    const { client } = await connectV1(server, key, 'cursor');
    try {
      await client.callTool({ name: 'get_task', arguments: { task: 'APO-1' } });
    } finally {
      await client.close();
    }
    const [call] = (await events('cursor-pooled')).filter((e) => e.action === 'mcp.tool_called');
    // The tools/call carried no clientInfo: it is recorded as it came, with its User-Agent.
    expect(call).toMatchObject({ clientName: null, clientVersion: null });
    expect(call?.userAgent).toBeTruthy();
  });

  it('records the name a request declares itself, not the one declared before it', async () => {
    const key = await server.issueKey({ name: 'claude-desktop-named' });
    const v2 = await connectV2(server, key, 'auto', { name: 'claude-desktop' });
    try {
      await v2.callTool({ name: 'get_task', arguments: { task: 'APO-1' } });
    } finally {
      await v2.close();
    }
    const other = { [CLIENT_INFO_META_KEY]: { name: 'evil-script', version: '6.6.6' } };
    expect((await scriptCall(key, 'APO-3', other)).status).toBe(200);
    const calls = (await events('claude-desktop-named')).filter((e) => e.action === 'mcp.tool_called');
    const byTask = (task: string) => calls.find((e) => (e.params as { task: string }).task === task);
    expect(byTask('APO-1')).toMatchObject({ clientName: 'claude-desktop', clientVersion: '2.0.0' });
    expect(byTask('APO-3')).toMatchObject({ clientName: 'evil-script', clientVersion: '6.6.6' });
    const view = await server.app.keys.show('demo', 'claude-desktop-named');
    expect(view.lastUsed).toMatchObject({ client: 'evil-script/6.6.6' });
  });

  it('refuses to mix clients up when 50 calls from three clients share one key at once', async () => {
    const key = await server.issueKey({ name: 'shared-key' });
    const desktop = await connectV2(server, key, 'auto', { name: 'claude-desktop' });
    const { client: cursor } = await connectV1(server, key, 'cursor');
    const evil = { [CLIENT_INFO_META_KEY]: { name: 'evil-script', version: '6.6.6' } };
    // Each client reads its own task, so each event says whose call it was.
    const expected: Record<string, string | null> = {
      'APO-1': 'claude-desktop',
      'APO-2': null,
      'APO-3': 'evil-script',
    };
    try {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) => {
          if (i % 3 === 0) return desktop.callTool({ name: 'get_task', arguments: { task: 'APO-1' } });
          if (i % 3 === 1) return cursor.callTool({ name: 'get_task', arguments: { task: 'APO-2' } });
          return scriptCall(key, 'APO-3', evil);
        }),
      );
    } finally {
      await desktop.close();
      await cursor.close();
    }
    const calls = (await events('shared-key')).filter((e) => e.action === 'mcp.tool_called');
    expect(calls).toHaveLength(50);
    const wrong = calls.filter(
      (e: AuditEvent) => e.clientName !== expected[(e.params as { task: string }).task],
    );
    expect(wrong.map((e) => [(e.params as { task: string }).task, e.clientName])).toEqual([]);
  });
});

/** Source files under `dir`, recursively. */
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );

it('reads no client identity a pooled server remembers from an earlier initialize', () => {
  // The SDK's getClientVersion/getClientCapabilities answer, on a 2025-era pooled server, with
  // whatever client initialized it last: reading them would bring the inheritance back.
  const readers = sources('src').filter((file) =>
    /getClient(Version|Capabilities)\s*\(/.test(readFileSync(file, 'utf8')),
  );
  expect(readers).toEqual([]);
});
