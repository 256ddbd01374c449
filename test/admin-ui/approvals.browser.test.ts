/**
 * Approving in the browser: a delete an assistant asked for under the `approve` tier waits
 * for its member, who approves or declines it on a page that shows the plan. Forged
 * approvals — no session, another member's session, no CSRF token, a stale digest, data
 * changed since — change nothing.
 */
import { describe, expect, it } from 'vitest';
import { expectAccessible } from '../support/axe.js';
import { useConsoleBrowser } from '../support/console-browser.js';
import { connectV1 } from '../support/mcp-server.js';
import { csrfOfSession, givePassword, postForm, signInOverHttp } from '../support/sign-in.js';

type ToolResult = {
  isError?: boolean;
  content: { text: string }[];
  structuredContent?: Record<string, unknown>;
};

let alanPassword: string;
let mcp: Awaited<ReturnType<typeof connectV1>>['client'];
let taskRefs: string[];

const call = async (name: string, args: Record<string, unknown>) =>
  (await mcp.callTool({ name, arguments: args })) as ToolResult;
const trashed = async (ref: string) => {
  const result = await call('get_task', { task: ref });
  return result.isError === true && /in the trash/.test(result.content[0]!.text);
};
/** Asks to trash a task; returns the approval URL's path and the action id. */
async function requestDelete(ref: string) {
  const result = await call('delete_task', { task: ref, reason: 'cleanup' });
  expect(result.structuredContent?.status).toBe('approval_required');
  const url = new URL(result.structuredContent?.approvalUrl as string);
  return { path: url.pathname, actionId: result.structuredContent?.action as string };
}
const statusOf = async (actionId: string) =>
  (await call('get_action_status', { action_id: actionId })).structuredContent?.status;

const h = useConsoleBrowser({
  setUp: async () => {
    await h.server.app.policy.set(null, 'demo', { delete: 'approve' });
    alanPassword = await givePassword(h.server, 'alan@example.com');
    const key = await h.server.issueKey({
      name: 'cursor-alan-laptop',
      member: 'alan@example.com',
      scopes: ['tasks:read', 'tasks:write', 'tasks:delete'],
    });
    ({ client: mcp } = await connectV1(h.server, key, 'Cursor'));
    const listed = (await call('list_tasks', { limit: 5 })).structuredContent as { tasks: { key: string }[] };
    taskRefs = listed.tasks.map((t) => t.key);
  },
  tearDown: async () => {
    await mcp?.close();
  },
});

const signInAsAlan = (next: string) =>
  h.submitSignIn('alan@example.com', alanPassword, `/login?next=${encodeURIComponent(next)}`);

describe('approving in the browser', () => {
  it('finds no accessibility violation on an approval page (axe-core)', async () => {
    const { path } = await requestDelete(taskRefs[0]!);
    await signInAsAlan(path);
    expect(new URL(h.page.url()).pathname).toBe(path);
    await expectAccessible(h.page, 'approval');
  });

  it('shows the plan, and approving runs exactly that delete', async () => {
    const ref = taskRefs[0]!;
    const { path, actionId } = await requestDelete(ref);
    expect(await trashed(ref)).toBe(false);
    await signInAsAlan(path);
    expect(new URL(h.page.url()).pathname).toBe(path);
    const main = h.page.locator('main');
    expect(await main.textContent()).toContain(`delete task ${ref}`);
    expect(await main.textContent()).toContain('cursor-alan-laptop');
    expect(await main.textContent()).toContain('Reason given: "cleanup"');
    await h.page.getByRole('button', { name: 'Approve and run' }).click();
    await h.page.waitForLoadState();
    expect(await h.page.locator('h1').textContent()).toBe('Approved and done');
    expect(await trashed(ref)).toBe(true);
    expect(await statusOf(actionId)).toBe('approved');
    const [event] = await h.server.app.store.audit.list(await workspaceId(), {
      action: 'confirmation.approved',
      limit: 5,
    });
    expect(event).toMatchObject({
      credentialName: 'cursor-alan-laptop',
      confirmation: actionId,
      outcome: 'ok',
    });
    expect(event!.changes?.map((c) => c.ref)).toEqual([ref]);
  });

  it('declining changes nothing and the assistant sees it declined', async () => {
    const ref = taskRefs[1]!;
    const { path, actionId } = await requestDelete(ref);
    await signInAsAlan(path);
    await h.page.getByRole('button', { name: 'Decline' }).click();
    await h.page.waitForLoadState();
    expect(await h.page.locator('h1').textContent()).toBe('Declined');
    expect(await trashed(ref)).toBe(false);
    expect(await statusOf(actionId)).toBe('declined');
  });

  it('lists what waits for the signed-in member', async () => {
    const { actionId } = await requestDelete(taskRefs[2]!);
    await signInAsAlan('/admin/approvals');
    await expect.poll(() => h.page.locator('main').textContent()).toContain('delete_task');
    expect(await h.page.locator(`a[href="/admin/approvals/${actionId}"]`).count()).toBe(1);
  });
});

describe('forged approvals change nothing', () => {
  it('a POST without a session is sent to sign in', async () => {
    const ref = taskRefs[0]!;
    const { path } = await requestDelete(ref);
    const page = await fetch(`${h.server.url}${path}`, { redirect: 'manual' });
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const response = await postForm(h.server, `${path}/approve`, { csrf: 'x', digest: 'x' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toMatch(/^\/login/);
    expect(await trashed(ref)).toBe(false);
  });

  it("another member's session cannot see or approve it", async () => {
    const ref = taskRefs[0]!;
    const { path, actionId } = await requestDelete(ref);
    const gracePassword = await givePassword(h.server, 'grace@example.com');
    const { cookie } = await signInOverHttp(h.server, 'grace@example.com', gracePassword);
    const csrf = await csrfOfSession(h.server, cookie!);
    expect((await fetch(`${h.server.url}${path}`, { headers: { cookie: cookie! } })).status).toBe(404);
    const digest = (await h.server.app.store.pendingActions.findById(await workspaceId(), actionId))!.digest;
    const response = await postForm(h.server, `${path}/approve`, { csrf, digest }, { cookie: cookie! });
    expect(response.status).toBe(404);
    expect(await trashed(ref)).toBe(false);
    expect(await statusOf(actionId)).toBe('pending');
  });

  it('without the CSRF token, or with a stale digest, the member’s own session changes nothing', async () => {
    const ref = taskRefs[0]!;
    const { path, actionId } = await requestDelete(ref);
    const { cookie } = await signInOverHttp(h.server, 'alan@example.com', alanPassword);
    const csrf = await csrfOfSession(h.server, cookie!);
    const digest = (await h.server.app.store.pendingActions.findById(await workspaceId(), actionId))!.digest;
    expect(
      (await postForm(h.server, `${path}/approve`, { csrf: 'forged', digest }, { cookie: cookie! })).status,
    ).toBe(403);
    expect(
      (
        await postForm(
          h.server,
          `${path}/approve`,
          { csrf, digest },
          { cookie: cookie!, origin: 'https://evil.example' },
        )
      ).status,
    ).toBe(403);
    const stale = await postForm(
      h.server,
      `${path}/approve`,
      { csrf, digest: `${digest.slice(0, -4)}0000` },
      { cookie: cookie! },
    );
    expect(stale.status).toBe(409);
    expect(await trashed(ref)).toBe(false);
    expect(await statusOf(actionId)).toBe('pending');
  });

  it('a task changed since the request is refused with the new plan, and nothing is done', async () => {
    const ref = taskRefs[0]!;
    const { path, actionId } = await requestDelete(ref);
    await call('update_task', { task: ref, title: 'Changed after the request' });
    const { cookie } = await signInOverHttp(h.server, 'alan@example.com', alanPassword);
    const csrf = await csrfOfSession(h.server, cookie!);
    const digest = (await h.server.app.store.pendingActions.findById(await workspaceId(), actionId))!.digest;
    const response = await postForm(h.server, `${path}/approve`, { csrf, digest }, { cookie: cookie! });
    expect(response.status).toBe(409);
    expect(await response.text()).toContain('the data changed');
    expect(await trashed(ref)).toBe(false);
    expect(await statusOf(actionId)).toBe('superseded');
  });
});

async function workspaceId() {
  return (await h.server.app.store.workspaces.findBySlug('demo'))!.id;
}
