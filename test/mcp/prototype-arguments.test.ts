/**
 * Prototype-named tool arguments (`__proto__`, `constructor`, `prototype`), sent as JSON by a
 * raw 2025-era client and by the SDK v2 client over 2026-07-28: each is refused like any other
 * unknown argument, with the same error, and the call changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectV2, post, startTestServer, type TestServer } from '../support/mcp-server.js';

let server: TestServer;
let key: string;

beforeAll(async () => {
  server = await startTestServer();
  key = await server.issueKey();
});
afterAll(() => server?.close());

type ToolAnswer = { result?: { isError?: boolean; content: { text: string }[] } };

/** A raw `tools/call` whose arguments are JSON text, so `__proto__` arrives as an own key. */
async function rawCall(name: string, argumentsJson: string): Promise<ToolAnswer> {
  const body = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"${name}","arguments":${argumentsJson}}}`;
  const response = await post(server, body, { authorization: `Bearer ${key}` });
  expect(response.status).toBe(200);
  return (await response.json()) as ToolAnswer;
}

const unknownArgumentError = (tool: string, key: string) =>
  `Input validation error: Invalid arguments for tool ${tool}: Unrecognized key: "${key}"`;

describe('prototype-named tool arguments', () => {
  it('refuses an unknown argument with an error naming it (the behaviour the others must match)', async () => {
    const answer = await rawCall('list_tasks', '{"limit":1,"bogus":1}');
    expect(answer.result).toMatchObject({ isError: true });
    expect(answer.result!.content[0]!.text).toBe(unknownArgumentError('list_tasks', 'bogus'));
  });

  for (const name of ['__proto__', 'constructor', 'prototype']) {
    it(`refuses a "${name}" argument to a read like any unknown argument instead of dropping it`, async () => {
      const answer = await rawCall('list_tasks', `{"limit":1,"${name}":{"isAdmin":true}}`);
      expect(answer.result).toMatchObject({ isError: true });
      expect(answer.result!.content[0]!.text).toBe(unknownArgumentError('list_tasks', name));
    });

    it(`refuses a "${name}" argument to a write and creates nothing`, async () => {
      const answer = await rawCall(
        'create_task',
        `{"project":"APO","title":"polluted ${name}","${name}":{"status":"done"}}`,
      );
      expect(answer.result!.content[0]!.text).toBe(unknownArgumentError('create_task', name));
      const search = await rawCall('search_tasks', `{"query":"polluted ${name}"}`);
      expect(search.result!.isError).toBeFalsy();
      expect(search.result!.content[0]!.text).not.toContain(`polluted ${name}`);
    });
  }

  it('refuses a "__proto__" argument sent by the SDK v2 client over 2026-07-28', async () => {
    const client = await connectV2(server, key);
    try {
      const result = (await client.callTool({
        name: 'list_tasks',
        arguments: JSON.parse('{"limit":1,"__proto__":{"isAdmin":true}}'),
      })) as { isError?: boolean; content: { text: string }[] };
      expect(result.isError).toBe(true);
      expect(result.content[0]!.text).toBe(unknownArgumentError('list_tasks', '__proto__'));
    } finally {
      await client.close();
    }
  });

  it('records the refused call in the audit log as a refused request', async () => {
    await rawCall('list_tasks', '{"limit":2,"__proto__":{"marker":"proto-audit"}}');
    const workspace = await server.app.store.workspaces.findBySlug('demo');
    const events = await server.app.store.audit.list(workspace!.id, { limit: 500 });
    const refused = events.filter((e) => e.action === 'mcp.request' && e.tool === 'list_tasks');
    expect(refused.at(-1)).toMatchObject({ outcome: 'error', errorCode: 'invalid_input' });
  });
});
