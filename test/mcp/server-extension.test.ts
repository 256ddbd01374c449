/**
 * The test-only `extendMcpServer` hook (the conformance harness registers the suite's fixture
 * tools through it): whatever it registers sits behind the same key check as Taskgate's own
 * tools, and a server started without it lists nothing extra.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  callToolOverHttp,
  connectV1,
  post,
  startTestServer,
  type TestServer,
} from '../support/mcp-server.js';

const FIXTURE = 'test_simple_text';

describe('MCP server extension hook', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('refuses a harness-registered tool to a caller without a key', async () => {
    server = await startTestServer({
      extendMcpServer: (mcp) =>
        mcp.registerTool(FIXTURE, { inputSchema: z.object({}) }, () => ({
          content: [{ type: 'text', text: 'fixture ran' }],
        })),
    });
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: FIXTURE, arguments: {} },
    });
    const anonymous = await post(server, body);
    expect(anonymous.status).toBe(401);

    const call = await callToolOverHttp(server, await server.issueKey(), FIXTURE);
    expect(call.status).toBe(200);
    expect(call.result?.content[0]?.text).toBe('fixture ran');
  });

  it('lists no fixture tool on a server started without the hook', async () => {
    server = await startTestServer();
    const { client } = await connectV1(server, await server.issueKey());
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).not.toContain(FIXTURE);
    await client.close();
  });
});
