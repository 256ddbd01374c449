/** The same front door on PostgreSQL: key lookup, a read tool, its audit row, and revocation. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectV1, initializeBody, post, startTestServer, type TestServer } from '../support/mcp-server.js';
import { postgresUrl } from '../support/postgres.js';

describe.skipIf(!postgresUrl())('MCP endpoint on PostgreSQL', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ kind: 'postgres' });
  });
  afterAll(async () => server?.close());

  it('serves a read tool with its audit row and refuses the key once revoked', async () => {
    const key = await server.issueKey({ name: 'cursor-work-laptop', projects: 'APO' });
    const { client } = await connectV1(server, key);
    try {
      const result = await client.callTool({ name: 'get_task', arguments: { task: 'APO-1' } });
      expect(result.structuredContent).toMatchObject({ task: { key: 'APO-1' } });
      const hidden = await client.callTool({ name: 'get_task', arguments: { task: 'WEB-1' } });
      expect(hidden.isError).toBe(true);
    } finally {
      await client.close();
    }
    const workspace = await server.app.domain.workspaces.get('demo');
    const [event] = await server.app.store.audit.list(workspace.id, { limit: 1 });
    expect(event).toMatchObject({
      tool: 'get_task',
      outcome: 'denied',
      credentialName: 'cursor-work-laptop',
    });
    await server.app.keys.revoke('demo', 'cursor-work-laptop');
    expect((await post(server, initializeBody, { authorization: `Bearer ${key}` })).status).toBe(401);
  });
});
