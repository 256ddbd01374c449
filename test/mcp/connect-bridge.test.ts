/**
 * The stdio bridge, as Claude Desktop would run it: the built `taskgate connect` spawned as a
 * child process and driven over stdio by the official SDK clients — v1 (2025-11-25) and v2
 * pinned to 2026-07-28 — against a real Taskgate server. Answers and errors must be the ones
 * the server gives a client that talks HTTP directly.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Client as ClientV2, ProtocolError } from '@modelcontextprotocol/client';
import { StdioClientTransport as StdioV2 } from '@modelcontextprotocol/client/stdio';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as StdioV1 } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN } from '../support/cli-binary.js';
import { connectV1, connectV2, startTestServer, type TestServer } from '../support/mcp-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.close());

const bridgeParams = (key: string) => ({
  command: process.execPath,
  args: [MAIN, 'connect', '--url', server.mcpUrl],
  env: { PATH: process.env.PATH ?? '', TASKGATE_API_KEY: key },
  stderr: 'pipe' as const,
});

async function bridgedV1(key: string, name = 'claude-ai') {
  const client = new ClientV1({ name, version: '0.14.1' });
  await client.connect(new StdioV1(bridgeParams(key)));
  return client;
}

async function bridgedV2(key: string) {
  const client = new ClientV2(
    { name: 'vitest-v2-stdio', version: '2.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await client.connect(new StdioV2(bridgeParams(key)));
  return client;
}

/** What a rejected request says, from either SDK's error type. */
function wireError(error: unknown) {
  if (error instanceof McpError || error instanceof ProtocolError) {
    return { code: error.code, message: error.message, data: error.data };
  }
  throw error;
}

async function errorOf(request: Promise<unknown>) {
  try {
    await request;
  } catch (error) {
    return wireError(error);
  }
  throw new Error('the request succeeded');
}

it('relays a whole MCP session over stdio with the key from the environment', async () => {
  const key = await server.issueKey({ name: 'claude-desktop-macbook' });
  const child = spawn(process.execPath, [MAIN, 'connect', '--url', server.mcpUrl], {
    env: { PATH: process.env.PATH, TASKGATE_API_KEY: key },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const send = (message: unknown) => child.stdin.write(`${JSON.stringify(message)}\n`);
  const next = async () =>
    JSON.parse((await lines.next()).value as string) as { id: number; result: Record<string, never> };
  try {
    send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'claude-ai', version: '0.14.1' },
      },
    });
    expect((await next()).result).toMatchObject({
      protocolVersion: '2025-11-25',
      serverInfo: { name: 'taskgate' },
    });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: {} } });
    const whoami = await next();
    expect(whoami.id).toBe(2);
    expect(whoami.result).toMatchObject({
      structuredContent: { credential: { name: 'claude-desktop-macbook' } },
    });
    expect(stderr).not.toContain(key);
    // The bridge is the client of the tools/call: it names the client its initialize named.
    const view = await server.app.keys.show('demo', 'claude-desktop-macbook');
    expect(view.lastUsed).toMatchObject({ ip: '127.0.0.1', client: 'claude-ai/0.14.1' });
  } finally {
    child.kill();
  }
});

describe('the SDK v1 client (2025-11-25) over taskgate connect', () => {
  it('lists tools and calls one when it speaks stdio to the bridge', async () => {
    const client = await bridgedV1(await server.issueKey({ name: 'v1-stdio-tools' }));
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('list_tasks');
      const result = await client.callTool({ name: 'get_task', arguments: { task: 'APO-1' } });
      expect(result.structuredContent).toMatchObject({ task: { key: 'APO-1' } });
    } finally {
      await client.close();
    }
  });

  it('passes a method-not-found error through with the code and message the server sent', async () => {
    const key = await server.issueKey({ name: 'v1-stdio-errors' });
    const direct = await connectV1(server, key);
    const bridged = await bridgedV1(key);
    try {
      const unknownMethod = { method: 'no/such-method', params: {} };
      const viaHttp = await errorOf(direct.client.request(unknownMethod, McpError as never));
      const viaBridge = await errorOf(bridged.request(unknownMethod, McpError as never));
      expect(viaHttp.code).toBe(-32601);
      expect(viaBridge).toEqual(viaHttp);
    } finally {
      await direct.client.close();
      await bridged.close();
    }
  });

  it('answers with the HTTP status and the server reason when the key is revoked mid-session', async () => {
    const key = await server.issueKey({ name: 'v1-stdio-revoked' });
    const client = await bridgedV1(key);
    try {
      await server.app.keys.revoke('demo', 'v1-stdio-revoked');
      const error = await errorOf(client.listTools());
      expect(error.code).toBe(-32000);
      expect(error.message).toMatch(/revoked/);
      expect(error.data).toMatchObject({
        status: 401,
        body: { error: { code: 'unauthenticated', reason: 'revoked' } },
        headers: { 'www-authenticate': expect.stringContaining('invalid_token') },
      });
    } finally {
      await client.close();
    }
  });
});

describe('the SDK v2 client pinned to 2026-07-28 over taskgate connect', () => {
  it('negotiates 2026-07-28 and calls a tool when it speaks stdio to the bridge', async () => {
    const client = await bridgedV2(await server.issueKey({ name: 'v2-stdio-tools' }));
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('search_tasks');
      const result = await client.callTool({ name: 'whoami', arguments: {} });
      expect(result.structuredContent).toMatchObject({ credential: { name: 'v2-stdio-tools' } });
    } finally {
      await client.close();
    }
    // A 2026-07-28 request names its client itself; the bridge leaves it as it came.
    const view = await server.app.keys.show('demo', 'v2-stdio-tools');
    expect(view.lastUsed).toMatchObject({ client: 'vitest-v2-stdio/2.0.0' });
  });

  it('passes the error of a refused call through with its code, message and data', async () => {
    const key = await server.issueKey({ name: 'v2-stdio-errors' });
    const direct = await connectV2(server, key);
    const bridged = await bridgedV2(key);
    try {
      const call = { name: 'no_such_tool', arguments: {} };
      const viaHttp = await errorOf(direct.callTool(call));
      const viaBridge = await errorOf(bridged.callTool(call));
      expect(viaHttp.code).toBeLessThan(0);
      expect(viaBridge).toEqual(viaHttp);
    } finally {
      await direct.close();
      await bridged.close();
    }
  });
});
