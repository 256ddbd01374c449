/**
 * The read side over real HTTP with the official SDK clients: every read tool answers with
 * structured content and text, a 2025-11-25 client and a 2026-07-28 client both work, and
 * every call leaves an audit row naming the key, member, tool, address and client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectV1, connectV2, startTestServer, type TestServer } from '../support/mcp-server.js';

let server: TestServer;
let key: string;

beforeAll(async () => {
  server = await startTestServer();
  key = await server.issueKey({ name: 'cursor-work-laptop' });
});
afterAll(async () => server.close());

describe('read tools over the v1 SDK client (protocol 2025-11-25)', () => {
  it('negotiates 2025-11-25 and lists every read tool, then the write tools, with accurate annotations', async () => {
    const { client, protocolVersion } = await connectV1(server, key);
    try {
      expect(protocolVersion()).toBe('2025-11-25');
      expect(client.getServerCapabilities()?.tools).toEqual({ listChanged: false });
      expect(client.getInstructions()).toContain('whoami');
      const { tools: all } = await client.listTools();
      const tools = all.filter((t) => t.annotations?.readOnlyHint);
      expect(all.slice(0, tools.length - 1).every((t) => t.annotations?.readOnlyHint)).toBe(true);
      expect(tools.map((t) => t.name)).toEqual([
        'whoami',
        'list_projects',
        'get_project',
        'list_tasks',
        'get_task',
        'search_tasks',
        'list_comments',
        'list_time_entries',
        'list_members',
        'get_action_status',
      ]);
      expect(all.filter((t) => !t.annotations?.readOnlyHint).map((t) => t.name)).toEqual([
        'create_task',
        'update_task',
        'delete_task',
        'restore_task',
        'bulk_update_tasks',
        'add_comment',
        'log_time',
        'create_project',
        'update_project',
        'confirm_action',
        'cancel_action',
      ]);
      for (const tool of tools.filter((t) => t.name !== 'get_action_status')) {
        expect(tool.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
        expect(tool.outputSchema?.type).toBe('object');
        expect(tool.inputSchema.type).toBe('object');
      }
    } finally {
      await client.close();
    }
  });

  it('answers every read tool with structured content that matches its text', async () => {
    const { client } = await connectV1(server, key);
    try {
      const call = async (name: string, args: Record<string, unknown> = {}) => {
        const result = await client.callTool({ name, arguments: args });
        expect(result.isError, `${name}: ${JSON.stringify(result.content)}`).toBeFalsy();
        expect((result.content as { type: string; text: string }[])[0]?.text.length).toBeGreaterThan(0);
        return result.structuredContent as Record<string, unknown>;
      };
      const me = await call('whoami');
      expect(me).toMatchObject({
        credential: { name: 'cursor-work-laptop', environment: 'development', readOnly: false },
        member: { email: 'ada@example.com', role: 'owner' },
        workspace: { slug: 'demo' },
        writePolicy: { create: 'none', delete: 'none' },
      });
      const projects = (await call('list_projects')).projects as { key: string }[];
      expect(projects.map((p) => p.key)).toEqual(['APO', 'ONB', 'WEB']);
      expect((await call('get_project', { project: 'WEB' })).project).toMatchObject({
        key: 'WEB',
        name: 'Website redesign',
      });
      const page1 = await call('list_tasks', { project: 'APO', limit: 10 });
      expect((page1.tasks as unknown[]).length).toBe(10);
      const page2 = await call('list_tasks', { project: 'APO', limit: 10, cursor: page1.nextCursor });
      expect((page2.tasks as unknown[]).length).toBe(8);
      expect(page2.nextCursor).toBeNull();
      expect((await call('get_task', { task: 'APO-1' })).task).toMatchObject({
        key: 'APO-1',
        title: 'Freeze the release branch',
      });
      const found = (await call('search_tasks', { query: 'acme' })).tasks as { key: string }[];
      expect(found.map((t) => t.key)).toEqual(['ONB-1']);
      expect((await call('list_comments', { task: 'APO-1' })).comments).toBeInstanceOf(Array);
      const time = await call('list_time_entries', { limit: 100 });
      expect((time.entries as unknown[]).length).toBeGreaterThan(0);
      expect(time.totalMinutes).toBeGreaterThan(0);
      expect(((await call('list_members')).members as unknown[]).length).toBe(4);
    } finally {
      await client.close();
    }
  });

  it('records every tool call with key, member, tool, outcome, arguments, address and the client it names', async () => {
    const { client } = await connectV1(server, key, 'claude-desktop');
    try {
      await client.callTool({ name: 'get_task', arguments: { task: 'WEB-2' } });
    } finally {
      await client.close();
    }
    const workspace = await server.app.domain.workspaces.get('demo');
    const [event] = await server.app.store.audit.list(workspace.id, { limit: 1 });
    expect(event).toMatchObject({
      action: 'mcp.tool_called',
      tool: 'get_task',
      outcome: 'ok',
      credentialName: 'cursor-work-laptop',
      environment: 'development',
      params: { task: 'WEB-2' },
      ip: '127.0.0.1',
      // The 2025-era tools/call names no client (its initialize did, in its own record).
      clientName: null,
      clientVersion: null,
    });
    expect(event?.userAgent).toBeTruthy();
    expect(event?.memberId).toMatch(/^mbr_/);
    expect(event?.durationMs).toBeGreaterThanOrEqual(0);
    expect(event?.requestId).toMatch(/^req_/);
  });
});

describe('read tools over the v2 client', () => {
  it('negotiates 2026-07-28 in auto mode and answers whoami', async () => {
    const client = await connectV2(server, key, 'auto');
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
      const result = await client.callTool({ name: 'whoami', arguments: {} });
      expect(result.structuredContent).toMatchObject({ credential: { name: 'cursor-work-laptop' } });
      const workspace = await server.app.domain.workspaces.get('demo');
      const [event] = await server.app.store.audit.list(workspace.id, { limit: 1 });
      expect(event).toMatchObject({ tool: 'whoami', clientName: 'vitest-v2', clientVersion: '2.0.0' });
    } finally {
      await client.close();
    }
  });

  it('still speaks 2025-11-25 to a v2 client in legacy mode', async () => {
    const client = await connectV2(server, key, 'legacy');
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe('2025-11-25');
      expect((await client.listTools()).tools).toHaveLength(21);
    } finally {
      await client.close();
    }
  });
});
