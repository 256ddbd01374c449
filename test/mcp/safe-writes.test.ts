/**
 * Safe writes end to end over real HTTP with the official SDK clients: each confirmation
 * tier, dry runs that provably change nothing, tokens that cannot be forged, replayed or
 * moved, drift between preview and confirmation, the write budget, the freeze switch and
 * the reason / read-first policies.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PolicyPatch } from '../../src/admin/index.js';
import { connectV1, connectV2, startTestServer, type TestServer } from '../support/mcp-server.js';
import { AUDIT_TABLES, fingerprintTables } from '../support/snapshot.js';
import { storeKinds } from '../support/stores.js';

let server: TestServer;
let key: string;
let client: Awaited<ReturnType<typeof connectV1>>['client'];

type ToolResult = {
  isError?: boolean;
  content: { type: string; text: string }[];
  structuredContent?: Record<string, unknown>;
};

const call = async (name: string, args: Record<string, unknown>) =>
  (await client.callTool({ name, arguments: args })) as ToolResult;
const textOf = (result: ToolResult) => result.content.map((c) => c.text).join('\n');
const task = (ref: string) => server.app.domain.tasks.get(owner(), ref, { includeTrashed: true });
let ownerActor: Parameters<TestServer['app']['domain']['tasks']['get']>[0];
const owner = () => ownerActor;
const setPolicy = (patch: PolicyPatch) => server.app.policy.set(null, 'demo', patch);
const resetPolicy = () =>
  setPolicy({
    create: 'default',
    update: 'default',
    delete: 'default',
    bulk: 'default',
    requireReason: false,
    requireReadFirst: false,
    requireOauth: false,
    writeBudget: 60,
    deleteBudget: 10,
  });
const events = async (action?: string) =>
  (await server.app.store.audit.list(server.app.domain ? await workspaceId() : null, { limit: 500 })).filter(
    (e) => action === undefined || e.action === action,
  );
let wsId: string;
const workspaceId = async () => wsId;

beforeAll(async () => {
  server = await startTestServer();
  key = await server.issueKey({ name: 'cursor-work-laptop' });
  const workspace = await server.app.store.workspaces.findBySlug('demo');
  wsId = workspace!.id;
  const ownerMember = (await server.app.store.members.list(wsId)).find((m) => m.role === 'owner')!;
  ownerActor = { workspaceId: wsId, memberId: ownerMember.id, role: 'owner', via: 'web' };
  ({ client } = await connectV1(server, key, 'Cursor'));
});
afterAll(async () => {
  await client.close();
  await server.close();
});
beforeEach(async () => resetPolicy());

describe('tier none (development default)', () => {
  it('writes at once, in one transaction with its audit event and an audit comment on the task', async () => {
    const result = await call('create_task', {
      project: 'APO',
      title: 'Ship the beta',
      reason: 'planning call',
    });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent?.status).toBe('done');
    const ref = (result.structuredContent!.result as { task: string }).task;
    expect((await task(ref)).title).toBe('Ship the beta');
    const [event] = (await events('mcp.tool_called')).filter(
      (e) => e.tool === 'create_task' && e.outcome === 'ok',
    );
    expect(event).toMatchObject({
      credentialName: 'cursor-work-laptop',
      reason: 'planning call',
      // A 2025-era tools/call carries no clientInfo (only its initialize did): none is recorded.
      clientName: null,
    });
    expect(event!.changes).toEqual([expect.objectContaining({ kind: 'task', op: 'create', ref })]);
    const comments = await server.app.domain.comments.list(owner(), { task: ref });
    expect(comments.items.map((c) => c.body)).toEqual([
      'Created via MCP by cursor-work-laptop, reason: "planning call"',
    ]);
  });
});

describe('dry run', () => {
  it('changes nothing: every table has the same rows before and after, and one dry_run event is recorded', async () => {
    await call('whoami', {});
    const before = await fingerprintTables(server.app.config.databaseUrl, { except: AUDIT_TABLES });
    const auditBefore = (await events()).length;
    const result = await call('update_task', {
      task: 'APO-3',
      status: 'cancelled',
      title: 'Renamed',
      dry_run: true,
    });
    expect(textOf(result)).toMatch(/^DRY RUN: nothing was changed/);
    expect(textOf(result)).toMatch(/status: "[a-z_]+" -> "cancelled"/);
    const deleted = await call('delete_task', { task: 'APO-4', dry_run: true });
    expect(textOf(deleted)).toMatch(/move to the trash task APO-4 with \d+ comment\(s\)/);
    expect(await fingerprintTables(server.app.config.databaseUrl, { except: AUDIT_TABLES })).toEqual(before);
    const added = (await events()).slice(0, (await events()).length - auditBefore);
    expect(added.map((e) => e.outcome)).toEqual(['dry_run', 'dry_run']);
    expect(added.map((e) => e.changes?.[0]?.ref)).toEqual(['APO-4', 'APO-3']);
  });

  it('a dry-run-only key gets the plan for every write and never writes', async () => {
    const dryKey = await server.issueKey({ name: 'claude-desktop-dry', dryRunOnly: true });
    const { client: dry } = await connectV1(server, dryKey);
    try {
      const before = await task('APO-5');
      const result = (await dry.callTool({
        name: 'update_task',
        arguments: { task: 'APO-5', title: 'Nope' },
      })) as ToolResult;
      expect(result.structuredContent?.status).toBe('dry_run');
      expect(await task('APO-5')).toEqual(before);
    } finally {
      await dry.close();
    }
  });
});

describe('tier token', () => {
  it('previews a delete, executes it only on confirm_action, and never twice', async () => {
    await setPolicy({ delete: 'token' });
    const preview = await call('delete_task', { task: 'APO-6', version: (await task('APO-6')).version });
    expect(preview.structuredContent?.status).toBe('confirmation_required');
    expect(textOf(preview)).toContain('nothing has changed yet');
    expect((await task('APO-6')).deletedAt).toBeNull();
    const token = preview.structuredContent?.token as string;
    const done = await call('confirm_action', { token });
    expect(done.structuredContent?.status).toBe('done');
    expect((await task('APO-6')).deletedAt).not.toBeNull();
    const replay = await call('confirm_action', { token });
    expect(replay.isError).toBe(true);
    expect(textOf(replay)).toMatch(/conflict: action act_\w+ is approved/);
  });

  it('cancel_action discards the action and the token dies with it', async () => {
    await setPolicy({ delete: 'token' });
    const preview = await call('delete_task', { task: 'APO-7' });
    const token = preview.structuredContent?.token as string;
    expect((await call('cancel_action', { token })).structuredContent?.status).toBe('cancelled');
    expect(textOf(await call('confirm_action', { token }))).toMatch(/is cancelled/);
    expect((await task('APO-7')).deletedAt).toBeNull();
  });

  it('forged token: a changed MAC, another action id or another key are all refused and change nothing', async () => {
    await setPolicy({ delete: 'token' });
    const token = (await call('delete_task', { task: 'APO-8' })).structuredContent?.token as string;
    const forged = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(textOf(await call('confirm_action', { token: forged }))).toMatch(/^not_found/);
    expect(textOf(await call('confirm_action', { token: 'tgc_act_nonsense.x' }))).toMatch(/^invalid_input/);
    const otherKey = await server.issueKey({ name: 'windsurf-other' });
    const { client: other } = await connectV1(server, otherKey);
    try {
      const stolen = (await other.callTool({ name: 'confirm_action', arguments: { token } })) as ToolResult;
      expect(textOf(stolen)).toMatch(/^not_found/);
    } finally {
      await other.close();
    }
    expect((await task('APO-8')).deletedAt).toBeNull();
  });

  it('drift: a task changed between preview and confirm is refused with the new diff and a new token', async () => {
    await setPolicy({ update: 'token' });
    const preview = await call('update_task', { task: 'APO-9', priority: 'urgent' });
    const token = preview.structuredContent?.token as string;
    await server.app.domain.tasks.update(owner(), 'APO-9', { title: 'Changed by a human' });
    const refused = await call('confirm_action', { token });
    expect(refused.isError).toBe(true);
    expect(refused.structuredContent?.status).toBe('drifted');
    expect(textOf(refused)).toMatch(/the data changed since the preview/);
    expect((await task('APO-9')).priority).not.toBe('urgent');
    const next = refused.structuredContent?.token as string;
    expect(next).not.toBe(token);
    expect((await call('confirm_action', { token: next })).structuredContent?.status).toBe('done');
    expect((await task('APO-9')).priority).toBe('urgent');
  });

  it('50 concurrent confirm_action calls with one token execute exactly once', async () => {
    // A comment touches no versioned object, so only the single claim of the action, not
    // drift detection, can stop a second execution.
    await setPolicy({ create: 'token' });
    const comments = async () => (await server.app.domain.comments.list(owner(), { task: 'APO-10' })).items;
    const before = (await comments()).length;
    const token = (await call('add_comment', { task: 'APO-10', body: 'Once only' })).structuredContent
      ?.token as string;
    const results = await Promise.all(Array.from({ length: 50 }, () => call('confirm_action', { token })));
    expect(results.filter((r) => r.structuredContent?.status === 'done')).toHaveLength(1);
    expect(results.filter((r) => r.isError)).toHaveLength(49);
    expect((await comments()).filter((c) => c.body === 'Once only')).toHaveLength(1);
    expect((await comments()).length).toBe(before + 1);
  });
});

describe('tier elicit', () => {
  it('asks the human through a form elicitation and writes only on accept + confirm', async () => {
    await setPolicy({ create: 'elicit' });
    const asked: string[] = [];
    let answer = true;
    const v2 = await connectV2(server, key, 'auto', {
      onElicit: (request) => {
        asked.push((request.params as { message: string }).message);
        return { action: 'accept', content: { confirm: answer } };
      },
    });
    try {
      const done = (await v2.callTool({
        name: 'create_task',
        arguments: { project: 'WEB', title: 'Elicited' },
      })) as ToolResult;
      expect(done.structuredContent?.status).toBe('done');
      expect(asked[0]).toMatch(/create task in workspace demo \(development\), 1 object\(s\)/);
      answer = false;
      const declined = (await v2.callTool({
        name: 'create_task',
        arguments: { project: 'WEB', title: 'Refused' },
      })) as ToolResult;
      expect(declined.structuredContent?.status).toBe('declined');
      const titles = (await server.app.domain.tasks.list(owner(), { project: 'WEB', limit: 100 })).items.map(
        (t) => t.title,
      );
      expect(titles).toContain('Elicited');
      expect(titles).not.toContain('Refused');
    } finally {
      await v2.close();
    }
  });

  it('forged elicitation state: a tampered, replayed-by-another-key or declined retry writes nothing', async () => {
    await setPolicy({ create: 'elicit' });
    const accept = () => ({ action: 'accept' as const, content: { confirm: true } });
    const manual = await connectV2(server, key, 'auto', { onElicit: accept, manual: true });
    const otherKey = await server.issueKey({ name: 'vscode-thief' });
    const thief = await connectV2(server, otherKey, 'auto', { onElicit: accept, manual: true });
    const params = { name: 'create_task', arguments: { project: 'WEB', title: 'Forged state' } };
    const retry = (client: typeof manual, state: string, confirm = true) =>
      client.callTool(
        {
          ...params,
          inputResponses: { confirm: { action: 'accept', content: { confirm } } },
          requestState: state,
        } as never,
        { allowInputRequired: true } as never,
      );
    try {
      const first = (await manual.callTool(params, { allowInputRequired: true } as never)) as unknown as {
        resultType: string;
        requestState: string;
      };
      expect(first.resultType).toBe('input_required');
      const state = first.requestState;
      const tampered = `${state.slice(0, -3)}${state.endsWith('AAA') ? 'BBB' : 'AAA'}`;
      await expect(retry(manual, tampered)).rejects.toThrow(/Invalid or expired requestState/);
      await expect(retry(thief, state)).rejects.toThrow(/Invalid or expired requestState/);
      expect(((await retry(manual, state, false)) as ToolResult).structuredContent?.status).toBe('declined');
      const replay = (await retry(manual, state)) as ToolResult;
      expect(textOf(replay)).toMatch(/^conflict: action act_\w+ is declined/);
      const titles = (await server.app.domain.tasks.list(owner(), { project: 'WEB', limit: 100 })).items.map(
        (t) => t.title,
      );
      expect(titles).not.toContain('Forged state');
    } finally {
      await manual.close();
      await thief.close();
    }
  });

  it('falls back to approval in the browser when the client cannot elicit', async () => {
    await setPolicy({ create: 'elicit' });
    const result = await call('create_task', { project: 'WEB', title: 'Needs a human' });
    expect(result.structuredContent?.status).toBe('approval_required');
    expect(result.structuredContent?.approvalUrl).toMatch(/\/admin\/approvals\/act_/);
  });
});

describe('tier approve', () => {
  it('returns an approval URL; get_action_status follows it; nothing over MCP can approve it', async () => {
    await setPolicy({ delete: 'approve' });
    const result = await call('delete_task', { task: 'APO-11' });
    const actionId = result.structuredContent?.action as string;
    expect(textOf(await call('get_action_status', { action_id: actionId }))).toMatch(/is pending/);
    // A confirmation token for an approve-tier action does not exist and cannot be made up.
    expect(textOf(await call('confirm_action', { token: `tgc_${actionId}.${'A'.repeat(43)}` }))).toMatch(
      /^not_found/,
    );
    expect((await task('APO-11')).deletedAt).toBeNull();
  });

  it('offers the approval URL as URL-mode elicitation to clients that support it', async () => {
    await setPolicy({ delete: 'approve' });
    const shown: { mode?: string; url?: string }[] = [];
    const v2 = await connectV2(server, key, 'auto', {
      onElicit: (request) => {
        shown.push(request.params as { mode?: string; url?: string });
        return { action: 'accept' };
      },
    });
    try {
      const result = (await v2.callTool({
        name: 'delete_task',
        arguments: { task: 'APO-14' },
      })) as ToolResult;
      expect(shown[0]).toMatchObject({ mode: 'url', url: expect.stringMatching(/\/admin\/approvals\/act_/) });
      expect(result.structuredContent?.status).toBe('pending');
      expect(textOf(result)).toMatch(/waits for approval/);
      expect((await task('APO-14')).deletedAt).toBeNull();
    } finally {
      await v2.close();
    }
  });

  it('an action nobody decided expires: status says so, the audit log records it, it can no longer run', async () => {
    await setPolicy({ delete: 'approve' });
    const actionId = (await call('delete_task', { task: 'APO-15' })).structuredContent?.action as string;
    server.clock.advance(61 * 60_000);
    expect(textOf(await call('get_action_status', { action_id: actionId }))).toMatch(/is expired/);
    expect((await events('confirmation.expired')).map((e) => e.confirmation)).toContain(actionId);
    expect((await task('APO-15')).deletedAt).toBeNull();
  });
});

describe('guards', () => {
  it('write budget: over it the write is refused, data untouched, the key flagged and the refusal audited', async () => {
    const budgetKey = await server.issueKey({ name: 'continue-budget' });
    const { client: c } = await connectV1(server, budgetKey);
    try {
      await setPolicy({ writeBudget: 2 });
      for (const title of ['one', 'two']) {
        const ok = (await c.callTool({
          name: 'create_task',
          arguments: { project: 'ONB', title },
        })) as ToolResult;
        expect(ok.structuredContent?.status).toBe('done');
      }
      // The key is flagged, which moves the authentication epoch (auth_epoch) with it.
      const keyState = [...AUDIT_TABLES, 'api_keys', 'auth_epoch'];
      const before = await fingerprintTables(server.app.config.databaseUrl, { except: keyState });
      const refused = (await c.callTool({
        name: 'create_task',
        arguments: { project: 'ONB', title: 'three' },
      })) as ToolResult;
      expect(textOf(refused)).toMatch(
        /^rate_limited: write budget exceeded: key continue-budget has written 2/,
      );
      expect(await fingerprintTables(server.app.config.databaseUrl, { except: keyState })).toEqual(before);
      const keys = await server.app.keys.list('demo');
      expect(keys.find((k) => k.name === 'continue-budget')?.flagged?.reason).toBe('write budget exceeded');
      expect((await events('budget.exceeded')).some((e) => e.credentialName === 'continue-budget')).toBe(
        true,
      );
    } finally {
      await c.close();
    }
  });

  it('freeze stops every write with the documented error while reads go on; whoami shows it', async () => {
    await server.app.policy.freeze('demo', { by: null, reason: 'incident' });
    try {
      const before = await task('APO-12');
      const refused = await call('update_task', { task: 'APO-12', title: 'During the freeze' });
      expect(textOf(refused)).toMatch(
        /^forbidden: workspace demo is frozen since .* \(until unfrozen\): writes are stopped/,
      );
      expect(await task('APO-12')).toEqual(before);
      expect((await call('get_task', { task: 'APO-12' })).isError).toBeFalsy();
      expect(textOf(await call('whoami', {}))).toMatch(/FROZEN since/);
    } finally {
      await server.app.policy.unfreeze('demo', null);
    }
    expect(
      (await call('update_task', { task: 'APO-12', title: 'After the freeze' })).structuredContent?.status,
    ).toBe('done');
  });

  it('require-reason and require-read-first refuse writes that lack them; a stale version returns the current task', async () => {
    await setPolicy({ requireReason: true, requireReadFirst: true });
    expect(textOf(await call('update_task', { task: 'APO-13', title: 'x', version: 1 }))).toMatch(
      /reason: is required/,
    );
    expect(textOf(await call('update_task', { task: 'APO-13', title: 'x', reason: 'r' }))).toMatch(
      /version: is required/,
    );
    const current = await task('APO-13');
    await server.app.domain.tasks.update(owner(), 'APO-13', { title: 'moved on' });
    const stale = await call('update_task', {
      task: 'APO-13',
      title: 'x',
      reason: 'r',
      version: current.version,
    });
    expect(textOf(stale)).toMatch(/^conflict: task APO-13 is at version \d+, not \d+: title changed/);
    expect((await task('APO-13')).title).toBe('moved on');
  });

  it('bulk updates list every task in the plan, and are all or nothing: one stale version refuses them all', async () => {
    await setPolicy({ bulk: 'token' });
    const refs = ['ONB-1', 'ONB-2', 'ONB-3'];
    for (const ref of refs) await server.app.domain.tasks.update(owner(), ref, { priority: 'low' });
    const items = await Promise.all(
      refs.map(async (ref) => ({ task: ref, version: (await task(ref)).version })),
    );
    const preview = await call('bulk_update_tasks', { tasks: items, set: { priority: 'high' } });
    const plan = preview.structuredContent?.plan as { changes: { ref: string; dependents: object }[] };
    expect(plan.changes.map((c) => c.ref)).toEqual(refs);
    expect(plan.changes.every((c) => c.dependents)).toBe(true);
    expect(textOf(preview)).toContain('priority: "low" -> "high"');
    expect(
      (await call('confirm_action', { token: preview.structuredContent?.token })).structuredContent?.status,
    ).toBe('done');
    expect((await Promise.all(refs.map(task))).map((t) => t.priority)).toEqual(['high', 'high', 'high']);

    await setPolicy({ bulk: 'none' });
    const stale = [...items.slice(0, 2).map((i) => ({ ...i, version: i.version + 1 })), items[2]!];
    const refused = await call('bulk_update_tasks', { tasks: stale, set: { priority: 'none' } });
    expect(textOf(refused)).toMatch(/^conflict: task ONB-3 is at version/);
    expect((await Promise.all(refs.map(task))).map((t) => t.priority)).toEqual(['high', 'high', 'high']);

    const tooMany = await call('bulk_update_tasks', {
      tasks: Array.from({ length: 51 }, (_, i) => ({ task: `APO-${i + 1}` })),
      set: { priority: 'low' },
    });
    expect(tooMany.isError).toBe(true);
    expect(textOf(tooMany)).toMatch(/50/);
  });
});

describe.skipIf(!storeKinds().includes('postgres'))('on PostgreSQL', () => {
  it('50 concurrent confirm_action calls with one token execute exactly once', async () => {
    const pgServer = await startTestServer({ kind: 'postgres' });
    try {
      await pgServer.app.policy.set(null, 'demo', { create: 'token' });
      const { client: pg } = await connectV1(pgServer, await pgServer.issueKey({ name: 'cursor-pg' }));
      const pgCall = async (name: string, args: Record<string, unknown>) =>
        (await pg.callTool({ name, arguments: args })) as ToolResult;
      const token = (await pgCall('add_comment', { task: 'APO-1', body: 'Once on Postgres' }))
        .structuredContent?.token as string;
      const results = await Promise.all(
        Array.from({ length: 50 }, () => pgCall('confirm_action', { token })),
      );
      expect(results.filter((r) => r.structuredContent?.status === 'done')).toHaveLength(1);
      expect(results.filter((r) => r.isError)).toHaveLength(49);
      const workspace = (await pgServer.app.store.workspaces.findBySlug('demo'))!;
      const events = await pgServer.app.store.audit.list(workspace.id, { limit: 500 });
      expect(events.filter((e) => e.tool === 'confirm_action' && e.outcome === 'ok')).toHaveLength(1);
      const owner = (await pgServer.app.store.members.list(workspace.id)).find((m) => m.role === 'owner')!;
      const actor = {
        workspaceId: workspace.id,
        memberId: owner.id,
        role: 'owner' as const,
        via: 'web' as const,
      };
      const comments = await pgServer.app.domain.comments.list(actor, { task: 'APO-1' });
      expect(comments.items.filter((c) => c.body === 'Once on Postgres')).toHaveLength(1);
      await pg.close();
    } finally {
      await pgServer.close();
    }
  });
});
