/**
 * Pending actions and a policy that changes while they wait, over real HTTP with the
 * official SDK clients, on both stores: a confirmation issued at a weaker tier than the
 * policy now asks for is refused and the change waits again at the new tier; a drifted
 * action never comes back weaker than it was; a frozen workspace runs no confirmation.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PolicyPatch } from '../../src/admin/index.js';
import { connectV1, connectV2, startTestServer, type TestServer } from '../support/mcp-server.js';
import { csrfOfSession, givePassword, postForm, signInOverHttp } from '../support/sign-in.js';
import { storeKinds } from '../support/stores.js';

type ToolResult = {
  isError?: boolean;
  content: { type: string; text: string }[];
  structuredContent?: Record<string, unknown>;
};

const textOf = (result: ToolResult) => result.content.map((c) => c.text).join('\n');
const actionOfToken = (token: string) => /^tgc_(act_[0-9A-Za-z]+)\./.exec(token)![1]!;

for (const kind of ['sqlite', 'postgres'] as const) {
  describe.skipIf(!storeKinds().includes(kind))(`a policy tightened while actions wait [${kind}]`, () => {
    let server: TestServer;
    let key: string;
    let client: Awaited<ReturnType<typeof connectV1>>['client'];
    let wsId: string;
    let owner: Parameters<TestServer['app']['domain']['tasks']['get']>[0];
    let ownerEmail: string;

    const call = async (name: string, args: Record<string, unknown>) =>
      (await client.callTool({ name, arguments: args })) as ToolResult;
    const setPolicy = (patch: PolicyPatch) => server.app.policy.set(null, 'demo', patch);
    const task = (ref: string) => server.app.domain.tasks.get(owner, ref, { includeTrashed: true });
    const action = async (id: string) => (await server.app.store.pendingActions.findById(wsId, id))!;
    const events = async (name: string) =>
      (await server.app.store.audit.list(wsId, { limit: 1000 })).filter((e) => e.action === name);

    /** A signed-in owner approves the action in the browser, as the approvals page posts it. */
    async function approveInBrowser(actionId: string): Promise<Response> {
      const { cookie } = await signInOverHttp(server, ownerEmail, await givePassword(server, ownerEmail));
      const csrf = await csrfOfSession(server, cookie!);
      const { digest } = await action(actionId);
      return postForm(server, `/admin/approvals/${actionId}/approve`, { csrf, digest }, { cookie: cookie! });
    }

    beforeAll(async () => {
      server = await startTestServer({ kind });
      key = await server.issueKey({ name: 'cursor-tighten' });
      wsId = (await server.app.store.workspaces.findBySlug('demo'))!.id;
      const ownerMember = (await server.app.store.members.list(wsId)).find((m) => m.role === 'owner')!;
      owner = { workspaceId: wsId, memberId: ownerMember.id, role: 'owner', via: 'web' };
      ownerEmail = ownerMember.email;
      ({ client } = await connectV1(server, key, 'Cursor'));
    });
    afterAll(async () => {
      await client?.close();
      await server?.close();
    });
    beforeEach(async () => {
      await setPolicy({ create: 'default', update: 'default', delete: 'default', bulk: 'default' });
    });

    it('refuses a token confirmation after the policy was tightened to approve', async () => {
      await setPolicy({ update: 'token' });
      const preview = await call('update_task', { task: 'APO-2', title: 'Tightened to approve' });
      const token = preview.structuredContent?.token as string;
      await setPolicy({ update: 'approve' });

      const refused = await call('confirm_action', { token });
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toMatch(
        /^refused: the workspace policy now asks for approve on update changes, and this confirmation was issued at token: it can no longer be used and nothing was done/,
      );
      expect(refused.structuredContent).toMatchObject({
        status: 'approval_required',
        refused: { reason: 'policy_tightened', from: 'token', required: 'approve' },
        approvalUrl: expect.stringMatching(/\/admin\/approvals\/act_/),
      });
      expect((await task('APO-2')).title).not.toBe('Tightened to approve');
      const old = actionOfToken(token);
      expect((await action(old)).status).toBe('superseded');
      expect((await events('confirmation.superseded')).find((e) => e.confirmation === old)?.detail).toEqual({
        reason: 'policy_tightened',
        tier: 'token',
        required: 'approve',
      });
      // The refused call is recorded once, as the denial it answered; the new approval is no call of its own.
      const confirmCalls = (await events('mcp.tool_called')).filter((e) => e.tool === 'confirm_action');
      expect(confirmCalls.map((e) => [e.outcome, e.errorCode, e.confirmation])).toEqual([
        ['denied', 'forbidden', old],
      ]);
      // The old token stays dead; only a human in the browser can run the change now.
      expect(textOf(await call('confirm_action', { token }))).toMatch(
        /^conflict: action act_\w+ is superseded/,
      );
      expect((await task('APO-2')).title).not.toBe('Tightened to approve');
      const next = refused.structuredContent?.action as string;
      expect((await action(next)).tier).toBe('approve');
      expect((await approveInBrowser(next)).status).toBe(200);
      expect((await task('APO-2')).title).toBe('Tightened to approve');
    });

    it('refuses a token confirmation after the policy was tightened to elicit, re-issuing it for the browser', async () => {
      // confirm_action cannot carry a form elicitation back, so the change falls back to approve.
      await setPolicy({ delete: 'token' });
      const token = (await call('delete_task', { task: 'APO-3' })).structuredContent?.token as string;
      await setPolicy({ delete: 'elicit' });
      const refused = await call('confirm_action', { token });
      expect(refused.structuredContent).toMatchObject({
        status: 'approval_required',
        refused: { reason: 'policy_tightened', from: 'token', required: 'elicit' },
      });
      expect((await task('APO-3')).deletedAt).toBeNull();
    });

    it('refuses all 50 racing confirmations of a token after the policy was tightened, re-issuing it once', async () => {
      await setPolicy({ create: 'token' });
      const token = (await call('add_comment', { task: 'APO-4', body: 'Tightened race' })).structuredContent
        ?.token as string;
      await setPolicy({ create: 'approve' });
      const confirmCalls = async () =>
        (await events('mcp.tool_called')).filter((e) => e.tool === 'confirm_action').length;
      const before = await confirmCalls();
      const results = await Promise.all(Array.from({ length: 50 }, () => call('confirm_action', { token })));
      expect((await confirmCalls()) - before).toBe(50);
      expect(results.every((r) => r.isError)).toBe(true);
      expect(results.filter((r) => r.structuredContent?.status === 'approval_required')).toHaveLength(1);
      expect(
        results.filter((r) => /^conflict: action act_\w+ (is superseded|was already)/.test(textOf(r))),
      ).toHaveLength(49);
      const comments = await server.app.domain.comments.list(owner, { task: 'APO-4' });
      expect(comments.items.filter((c) => c.body === 'Tightened race')).toHaveLength(0);
    });

    it('refuses an elicit acceptance after the policy was tightened to approve', async () => {
      await setPolicy({ update: 'elicit' });
      const shown: { mode?: string; message: string }[] = [];
      const v2 = await connectV2(server, key, 'auto', {
        onElicit: async (request) => {
          const params = request.params as { mode?: string; message: string };
          shown.push(params);
          // The owner tightens the policy while the person is looking at the form.
          if (shown.length === 1) await setPolicy({ update: 'approve' });
          return params.mode === 'url'
            ? { action: 'accept' }
            : { action: 'accept', content: { confirm: true } };
        },
      });
      try {
        const result = (await v2.callTool({
          name: 'update_task',
          arguments: { task: 'APO-5', title: 'Elicited, then tightened' },
        })) as ToolResult;
        expect(shown.map((s) => s.mode ?? 'form')).toEqual(['form', 'url']);
        expect(shown[1]!.message).toMatch(
          /^refused: the workspace policy now asks for approve on update changes/,
        );
        expect(result.structuredContent?.status).toBe('pending');
        expect((await task('APO-5')).title).not.toBe('Elicited, then tightened');
        // Newest first.
        expect((await events('confirmation.superseded'))[0]?.detail).toMatchObject({
          reason: 'policy_tightened',
          tier: 'elicit',
        });
      } finally {
        await v2.close();
      }
    });

    it('refuses to downgrade a drifted elicit action to a token the assistant can confirm', async () => {
      await setPolicy({ update: 'elicit' });
      const shown: string[] = [];
      const v2 = await connectV2(server, key, 'auto', {
        onElicit: async (request) => {
          shown.push((request.params as { message: string }).message);
          // A person edits the task while the first form is open: the plan drifts.
          if (shown.length === 1)
            await server.app.domain.tasks.update(owner, 'APO-6', { title: 'Edited meanwhile' });
          return { action: 'accept', content: { confirm: true } };
        },
      });
      try {
        const result = (await v2.callTool({
          name: 'update_task',
          arguments: { task: 'APO-6', priority: 'low' },
        })) as ToolResult;
        // The drifted change came back as a second form for the person, never as a token.
        expect(shown).toHaveLength(2);
        expect(shown[1]).toMatch(/^conflict: the data changed since the preview/);
        expect(result.structuredContent?.token).toBeUndefined();
        expect(result.structuredContent?.status).toBe('done');
        expect(await task('APO-6')).toMatchObject({ title: 'Edited meanwhile', priority: 'low' });
        const tiers = (await events('confirmation.requested'))
          .slice(0, 2)
          .map((e) => (e.detail as { tier: string }).tier);
        expect(tiers).toEqual(['elicit', 'elicit']);
      } finally {
        await v2.close();
      }
    });

    it('refuses a token confirmation while the workspace is frozen, and the action still waits', async () => {
      await setPolicy({ delete: 'token' });
      const token = (await call('delete_task', { task: 'APO-7' })).structuredContent?.token as string;
      await server.app.policy.freeze('demo', { by: null, reason: 'incident' });
      try {
        expect(textOf(await call('confirm_action', { token }))).toMatch(
          /^forbidden: workspace demo is frozen/,
        );
        expect((await task('APO-7')).deletedAt).toBeNull();
      } finally {
        await server.app.policy.unfreeze('demo', null);
      }
      expect((await call('confirm_action', { token })).structuredContent?.status).toBe('done');
    });

    it('refuses a browser approval while the workspace is frozen', async () => {
      await setPolicy({ delete: 'approve' });
      const id = (await call('delete_task', { task: 'APO-8' })).structuredContent?.action as string;
      await server.app.policy.freeze('demo', { by: null, reason: 'incident' });
      try {
        const response = await approveInBrowser(id);
        expect(response.status).toBe(403);
        expect(await response.text()).toMatch(/is frozen/);
        expect((await task('APO-8')).deletedAt).toBeNull();
        expect((await action(id)).status).toBe('pending');
      } finally {
        await server.app.policy.unfreeze('demo', null);
      }
    });
  });
}
