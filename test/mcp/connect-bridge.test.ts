/** The stdio bridge, as Claude Desktop would run it, against a real Taskgate server. */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/mcp-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.close());

it('relays a whole MCP session over stdio with the key from the environment', async () => {
  const key = await server.issueKey({ name: 'claude-desktop-macbook' });
  const child = spawn(process.execPath, ['dist/main.js', 'connect', '--url', server.mcpUrl], {
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
    const view = await server.app.keys.show('demo', 'claude-desktop-macbook');
    // The last request was the tools/call, which names no client (only the initialize did).
    expect(view.lastUsed).toMatchObject({ ip: '127.0.0.1', client: null });
  } finally {
    child.kill();
  }
});
