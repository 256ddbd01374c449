/**
 * Issue 13 point 7, batch amplification: one 10 KB JSON-RPC batch of 100 `list_tasks` calls
 * with `limit: 100` came back as 2.5 MB. A batch longer than `mcpMaxMessagesPerRequest` is
 * refused whole, before any of it runs, with an error naming the limit and the setting, and
 * leaves one audit record like every other refused request.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { post, startTestServer, type TestServer } from '../support/mcp-server.js';

let server: TestServer;
afterEach(async () => server?.close());

const BATCH_HEADERS = { 'mcp-protocol-version': '2025-03-26' };
const listTasks = (id: number) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'list_tasks', arguments: { limit: 100 } },
});
const batchOf = (count: number, make: (id: number) => unknown = listTasks) =>
  JSON.stringify(Array.from({ length: count }, (_, i) => make(i + 1)));

async function eventsOf(keyName: string) {
  const workspace = await server.app.domain.workspaces.get('demo');
  return server.app.store.audit.list(workspace.id, { credentialName: keyName, limit: 1000 });
}

describe('batch amplification', () => {
  it('refuses a 100-call batch of list_tasks limit 100 before running any, naming the limit and the setting', async () => {
    server = await startTestServer();
    const key = await server.issueKey({ name: 'batch-attacker' });
    const body = batchOf(100);
    expect(body.length).toBeLessThan(11_000);
    const response = await post(server, body, { authorization: `Bearer ${key}`, ...BATCH_HEADERS });
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(text.length).toBeLessThan(1000);
    const answer = JSON.parse(text) as {
      id: unknown;
      error: { code: number; message: string; data: unknown };
    };
    expect(answer.id).toBeNull();
    expect(answer.error.code).toBe(-32600);
    expect(answer.error.message).toContain('100 JSON-RPC messages');
    expect(answer.error.message).toContain('at most 10');
    expect(answer.error.message).toContain('mcpMaxMessagesPerRequest');
    expect(answer.error.message).toContain('TASKGATE_MCP_MAX_MESSAGES_PER_REQUEST');
    expect(answer.error.data).toEqual({
      code: 'invalid_input',
      limit: 'mcpMaxMessagesPerRequest',
      setting: 'TASKGATE_MCP_MAX_MESSAGES_PER_REQUEST',
      max: 10,
      received: 100,
    });

    const events = await eventsOf('batch-attacker');
    expect(events.filter((e) => e.action === 'mcp.tool_called')).toEqual([]);
    expect(events.filter((e) => e.action === 'mcp.request')).toEqual([
      expect.objectContaining({
        outcome: 'denied',
        errorCode: 'invalid_input',
        tool: 'list_tasks',
        detail: expect.objectContaining({
          reason: 'too_many_messages',
          messages: 100,
          max: 10,
          setting: 'TASKGATE_MCP_MAX_MESSAGES_PER_REQUEST',
          toolCallsRun: 0,
        }),
      }),
    ]);
  });

  it('runs no write of a refused batch either', async () => {
    server = await startTestServer();
    const key = await server.issueKey();
    const create = (id: number) => ({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name: 'create_task', arguments: { project: 'APO', title: `flood ${id}` } },
    });
    const response = await post(server, batchOf(11, create), {
      authorization: `Bearer ${key}`,
      ...BATCH_HEADERS,
    });
    expect(response.status).toBe(400);
    const search = () =>
      post(
        server,
        JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'search_tasks', arguments: { query: 'flood' } },
        }),
        { authorization: `Bearer ${key}` },
      ).then((r) => r.json() as Promise<{ result: { structuredContent: { tasks: unknown[] } } }>);
    expect((await search()).result.structuredContent.tasks).toHaveLength(0);
    // The same call in a batch within the limit does write: the refusal above is what stopped it.
    expect(
      (await post(server, batchOf(1, create), { authorization: `Bearer ${key}`, ...BATCH_HEADERS })).status,
    ).toBe(200);
    expect((await search()).result.structuredContent.tasks).toHaveLength(1);
  });

  it('serves a batch at the limit, every call run and recorded', async () => {
    server = await startTestServer();
    const key = await server.issueKey({ name: 'batch-at-limit' });
    const response = await post(server, batchOf(10), { authorization: `Bearer ${key}`, ...BATCH_HEADERS });
    expect(response.status).toBe(200);
    const answers = (await response.json()) as { id: number; result: { isError?: boolean } }[];
    expect(answers.map((a) => a.id).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(answers.every((a) => a.result && !a.result.isError)).toBe(true);
    const events = await eventsOf('batch-at-limit');
    expect(events.filter((e) => e.action === 'mcp.tool_called' && e.outcome === 'ok')).toHaveLength(10);
  });

  it('takes the limit from TASKGATE_MCP_MAX_MESSAGES_PER_REQUEST and never refuses a single message', async () => {
    server = await startTestServer({ env: { TASKGATE_MCP_MAX_MESSAGES_PER_REQUEST: '1' } });
    const key = await server.issueKey();
    const headers = { authorization: `Bearer ${key}`, ...BATCH_HEADERS };
    const refused = await post(server, batchOf(2), headers);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { data: { max: 1, received: 2 } } });
    expect((await post(server, batchOf(1), headers)).status).toBe(200);
    expect((await post(server, JSON.stringify(listTasks(1)), headers)).status).toBe(200);
  });
});
