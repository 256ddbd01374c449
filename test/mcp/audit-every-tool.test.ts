/**
 * Every tool a client can list leaves exactly one call event with its true outcome: walked
 * from `tools/list`, so a tool added without an entry here fails the walk. Security events
 * (confirmation.*) may come with a call; a second call event may not. Includes the action
 * tools answering about real pending actions, and `incident report` reading the result.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyPatch } from '../../src/admin/index.js';
import { createIncidentReporter } from '../../src/incident/index.js';
import type { AuditEvent } from '../../src/model/index.js';
import { connectV1, connectV2, startTestServer, type TestServer } from '../support/mcp-server.js';
import { storeKinds } from '../support/stores.js';

/** What the walk needs of a client, the same for the v1 (2025-11-25) and v2 (2026-07-28) SDKs. */
interface Client {
  callTool(params: { name: string; arguments: Args }): Promise<unknown>;
  listTools(): Promise<{ tools: { name: string }[] }>;
  close(): Promise<void>;
}
type Era = '2025-11-25' | '2026-07-28';
type ToolResult = { isError?: boolean; structuredContent?: Record<string, unknown> };
type Args = Record<string, unknown>;

/** Actions that stand for a call; every other action is a security event beside it. */
const CALL_ACTIONS = new Set(['mcp.tool_called', 'mcp.request']);
const ALL_NONE: PolicyPatch = { create: 'none', update: 'none', delete: 'none', bulk: 'none' };

const SUITES = storeKinds().flatMap((kind) =>
  (['2025-11-25', '2026-07-28'] as const).map((era) => ({ kind, era })),
);

describe.each(SUITES)(
  'every tool call leaves exactly one event with its true outcome [$kind, $era]',
  ({ kind, era }) => {
    let server: TestServer;
    let wsId: string;
    let owner: Client;
    let narrow: Client;
    let counter = 0;

    const call = async (client: Client, name: string, args: Args) =>
      (await client.callTool({ name, arguments: args })) as ToolResult;
    const allEvents = async () => server.app.store.audit.list(wsId, { limit: 5000 });
    const setPolicy = (patch: PolicyPatch) => server.app.policy.set(null, 'demo', patch);

    /** A real pending action of the owner key, planned under `tier` for one task. */
    async function pending(tier: 'token' | 'approve', task: string) {
      await setPolicy({ update: tier });
      try {
        const result = await call(owner, 'update_task', { task, title: `pending ${++counter}` });
        expect(result.structuredContent?.status).toBe(
          tier === 'token' ? 'confirmation_required' : 'approval_required',
        );
        return result.structuredContent!;
      } finally {
        await setPolicy(ALL_NONE);
      }
    }

    /** Valid arguments for each listed tool; setup (pending actions) happens here, before the call. */
    const VALID: Record<string, () => Args | Promise<Args>> = {
      whoami: () => ({}),
      list_projects: () => ({}),
      get_project: () => ({ project: 'APO' }),
      list_tasks: () => ({ project: 'APO' }),
      search_tasks: () => ({ query: 'a' }),
      get_task: () => ({ task: 'APO-1' }),
      list_comments: () => ({ task: 'APO-1' }),
      list_time_entries: () => ({ limit: 5 }),
      list_members: () => ({}),
      create_task: () => ({ project: 'APO', title: `walk ${++counter}` }),
      update_task: () => ({ task: 'APO-1', priority: 'low' }),
      delete_task: () => ({ task: 'WEB-2' }),
      restore_task: () => ({ task: 'WEB-2' }),
      add_comment: () => ({ task: 'APO-1', body: 'walked' }),
      log_time: () => ({ task: 'APO-1', date: '2026-11-27', minutes: 15 }),
      create_project: () => ({ key: `W${++counter}`, name: 'Walk' }),
      update_project: () => ({ project: 'APO', description: 'walked' }),
      bulk_update_tasks: () => ({ tasks: [{ task: 'APO-1' }], set: { priority: 'medium' } }),
      confirm_action: async () => ({ token: (await pending('token', 'APO-2')).token }),
      cancel_action: async () => ({ token: (await pending('token', 'APO-3')).token }),
      get_action_status: async () => ({ action_id: (await pending('approve', 'APO-4')).action }),
    };

    /** Runs one call and returns it with the events it left (calls run one at a time). */
    async function measured(client: Client, name: string, args: Args) {
      const before = new Set((await allEvents()).map((e) => e.id));
      const result = await call(client, name, args);
      const fresh = (await allEvents()).filter((e) => !before.has(e.id));
      return { result, fresh, calls: fresh.filter((e) => CALL_ACTIONS.has(e.action)) };
    }

    /** The call events of each request among `events`: one list per request id. */
    const callsPerRequest = (events: readonly AuditEvent[]) => {
      const byRequest = new Map<string, string[][]>();
      for (const e of events) {
        const row = byRequest.get(e.requestId!) ?? [];
        if (CALL_ACTIONS.has(e.action)) row.push([e.action, e.tool!, e.outcome, e.errorCode ?? '-']);
        byRequest.set(e.requestId!, row);
      }
      return [...byRequest.values()];
    };

    const connect = async (clientEra: Era, key: string): Promise<Client> =>
      clientEra === '2025-11-25'
        ? (await connectV1(server, key, 'walker')).client
        : ((await connectV2(server, key, 'auto', { name: 'walker' })) as unknown as Client);

    const listed = async (client: Client) => (await client.listTools()).tools.map((t) => t.name);

    beforeAll(async () => {
      server = await startTestServer({ kind });
      wsId = (await server.app.store.workspaces.findBySlug('demo'))!.id;
      await setPolicy(ALL_NONE);
      owner = await connect(era, await server.issueKey({ name: 'walk-owner' }));
      narrow = await connect(
        era,
        await server.issueKey({ name: 'walk-members-only', scopes: ['members:read'] }),
      );
    });
    afterAll(async () => {
      await owner?.close();
      await narrow?.close();
      await server?.close();
    });

    it('has valid arguments for every listed tool, the action tools included', async () => {
      const tools = await listed(owner);
      expect(tools).toEqual(expect.arrayContaining(['confirm_action', 'cancel_action', 'get_action_status']));
      expect(tools.filter((name) => !(name in VALID))).toEqual([]);
    });

    it('records each answered call once, as ok, with no error', async () => {
      for (const name of await listed(owner)) {
        const args = await VALID[name]!();
        const { result, fresh, calls } = await measured(owner, name, args);
        expect({ name, isError: result.isError ?? false }).toEqual({ name, isError: false });
        expect(calls.map((e) => [e.action, e.tool, e.outcome, e.errorCode])).toEqual([
          ['mcp.tool_called', name, 'ok', null],
        ]);
        // One request: the security events beside it carry the same request id.
        expect(new Set(fresh.map((e) => e.requestId)).size).toBe(1);
      }
    });

    it('records each refused call once, with the code the caller was given', async () => {
      for (const name of await listed(narrow)) {
        const args = await VALID[name]!();
        const { result, calls } = await measured(narrow, name, args);
        const [event] = calls as [AuditEvent];
        expect(calls.map((e) => [e.action, e.tool])).toEqual([['mcp.tool_called', name]]);
        if (name === 'whoami' || name === 'list_members') {
          expect(event).toMatchObject({ outcome: 'ok', errorCode: null });
          continue;
        }
        expect({ name, isError: result.isError }).toEqual({ name, isError: true });
        // A members:read key is refused every other scoped tool; another key's action is not found.
        const code = ['confirm_action', 'cancel_action', 'get_action_status'].includes(name)
          ? 'not_found'
          : 'forbidden';
        expect({ name, outcome: event.outcome, errorCode: event.errorCode }).toEqual({
          name,
          outcome: 'denied',
          errorCode: code,
        });
      }
    });

    it('records a confirmation that met a drift once, as the conflict it answered', async () => {
      const { token } = await pending('token', 'APO-5');
      await server.app.domain.tasks.update(
        {
          workspaceId: wsId,
          memberId: (await server.app.store.members.list(wsId))[0]!.id,
          role: 'owner',
          via: 'web',
        },
        'APO-5',
        { title: 'changed by a human meanwhile' },
      );
      const { result, fresh } = await measured(owner, 'confirm_action', { token });
      expect(result.structuredContent?.status).toBe('drifted');
      expect(callsPerRequest(fresh)).toEqual([[['mcp.tool_called', 'confirm_action', 'error', 'conflict']]]);
      expect(fresh.map((e) => e.action).sort()).toEqual([
        'confirmation.requested',
        'confirmation.superseded',
        'mcp.tool_called',
      ]);
    });

    it('records each round trip of a form elicitation once: asked (pending), then declined (ok)', async () => {
      await setPolicy({ create: 'elicit' });
      const v2 = await connectV2(server, await server.issueKey({ name: 'walk-elicit' }), 'auto', {
        onElicit: () => ({ action: 'accept', content: { confirm: false } }),
      });
      try {
        const before = new Set((await allEvents()).map((e) => e.id));
        const result = (await v2.callTool({
          name: 'create_task',
          arguments: { project: 'APO', title: 'no' },
        })) as ToolResult;
        expect(result.structuredContent?.status).toBe('declined');
        const fresh = (await allEvents()).filter((e) => !before.has(e.id)).reverse();
        expect(callsPerRequest(fresh)).toEqual([
          [['mcp.tool_called', 'create_task', 'pending', '-']],
          [['mcp.tool_called', 'create_task', 'ok', '-']],
        ]);
        expect(fresh.filter((e) => e.action === 'confirmation.declined')).toHaveLength(1);
      } finally {
        await v2.close();
        await setPolicy(ALL_NONE);
      }
    });

    it('records the retry after a URL approval once, as the status it answered', async () => {
      await setPolicy({ delete: 'approve' });
      const v2 = await connectV2(server, await server.issueKey({ name: 'walk-url' }), 'auto', {
        onElicit: () => ({ action: 'accept' }),
      });
      try {
        const before = new Set((await allEvents()).map((e) => e.id));
        const result = (await v2.callTool({
          name: 'delete_task',
          arguments: { task: 'APO-6' },
        })) as ToolResult;
        expect(result.structuredContent?.status).toBe('pending');
        const fresh = (await allEvents()).filter((e) => !before.has(e.id)).reverse();
        expect(callsPerRequest(fresh)).toEqual([
          [['mcp.tool_called', 'delete_task', 'pending', '-']],
          [['mcp.tool_called', 'delete_task', 'ok', '-']],
        ]);
      } finally {
        await v2.close();
        await setPolicy(ALL_NONE);
      }
    });

    it('counts answered action tools as answered in the incident report', async () => {
      const workspace = (await server.app.store.workspaces.findBySlug('demo'))!;
      const report = await createIncidentReporter({ store: server.app.store, clock: server.clock })(
        workspace,
        {
          keyName: 'walk-owner',
        },
      );
      const row = (tool: string) => report.calls.find((c) => c.tool === tool)?.outcomes;
      expect(row('get_action_status')).toEqual({ ok: 1 });
      expect(row('cancel_action')).toEqual({ ok: 1 });
      // The walk's confirmation, and the one that met a drift.
      expect(row('confirm_action')).toEqual({ ok: 1, error: 1 });
      expect(report.calls.some((c) => c.tool.includes('tools/call'))).toBe(false);
    });
  },
);
