/**
 * Approving in the browser: a delete an assistant asked for under the `approve` tier waits
 * for its member, who approves or declines it on a page that shows the plan. Forged
 * approvals — no session, another member's session, no CSRF token, a stale digest, data
 * changed since — change nothing.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectAccessible } from '../support/axe.js';
import { launchBrowser, newContext } from '../support/browser.js';
import { connectV1, startTestServer, type TestServer } from '../support/mcp-server.js';
import { csrfOfSession, givePassword, postForm, signInOverHttp } from '../support/sign-in.js';

type ToolResult = {
  isError?: boolean;
  content: { text: string }[];
  structuredContent?: Record<string, unknown>;
};

let browser: Browser;
let server: TestServer;
let context: BrowserContext;
let page: Page;
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

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => browser?.close());
beforeEach(async () => {
  server = await startTestServer();
  await server.app.policy.set(null, 'demo', { delete: 'approve' });
  alanPassword = await givePassword(server, 'alan@example.com');
  const key = await server.issueKey({
    name: 'cursor-alan-laptop',
    member: 'alan@example.com',
    scopes: ['tasks:read', 'tasks:write', 'tasks:delete'],
  });
  ({ client: mcp } = await connectV1(server, key, 'Cursor'));
  const listed = (await call('list_tasks', { limit: 5 })).structuredContent as { tasks: { key: string }[] };
  taskRefs = listed.tasks.map((t) => t.key);
  context = await newContext(browser);
  page = await context.newPage();
});
afterEach(async () => {
  await mcp?.close();
  await context?.close();
  await server?.close();
});

async function signInAsAlan(next: string) {
  await page.goto(`${server.url}/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Email').fill('alan@example.com');
  await page.getByLabel('Password').fill(alanPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState();
}

describe('approving in the browser', () => {
  it('finds no accessibility violation on an approval page (axe-core)', async () => {
    const { path } = await requestDelete(taskRefs[0]!);
    await signInAsAlan(path);
    expect(new URL(page.url()).pathname).toBe(path);
    await expectAccessible(page, 'approval');
  });

  it('shows the plan, and approving runs exactly that delete', async () => {
    const ref = taskRefs[0]!;
    const { path, actionId } = await requestDelete(ref);
    expect(await trashed(ref)).toBe(false);
    await signInAsAlan(path);
    expect(new URL(page.url()).pathname).toBe(path);
    const main = page.locator('main');
    expect(await main.textContent()).toContain(`delete task ${ref}`);
    expect(await main.textContent()).toContain('cursor-alan-laptop');
    expect(await main.textContent()).toContain('Reason given: "cleanup"');
    await page.getByRole('button', { name: 'Approve and run' }).click();
    await page.waitForLoadState();
    expect(await page.locator('h1').textContent()).toBe('Approved and done');
    expect(await trashed(ref)).toBe(true);
    expect(await statusOf(actionId)).toBe('approved');
    const [event] = await server.app.store.audit.list(await workspaceId(), {
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
    await page.getByRole('button', { name: 'Decline' }).click();
    await page.waitForLoadState();
    expect(await page.locator('h1').textContent()).toBe('Declined');
    expect(await trashed(ref)).toBe(false);
    expect(await statusOf(actionId)).toBe('declined');
  });

  it('lists what waits for the signed-in member', async () => {
    const { actionId } = await requestDelete(taskRefs[2]!);
    await signInAsAlan('/admin/approvals');
    await expect.poll(() => page.locator('main').textContent()).toContain('delete_task');
    expect(await page.locator(`a[href="/admin/approvals/${actionId}"]`).count()).toBe(1);
  });
});

describe('forged approvals change nothing', () => {
  it('a POST without a session is sent to sign in', async () => {
    const ref = taskRefs[0]!;
    const { path } = await requestDelete(ref);
    const page = await fetch(`${server.url}${path}`, { redirect: 'manual' });
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const response = await postForm(server, `${path}/approve`, { csrf: 'x', digest: 'x' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toMatch(/^\/login/);
    expect(await trashed(ref)).toBe(false);
  });

  it("another member's session cannot see or approve it", async () => {
    const ref = taskRefs[0]!;
    const { path, actionId } = await requestDelete(ref);
    const gracePassword = await givePassword(server, 'grace@example.com');
    const { cookie } = await signInOverHttp(server, 'grace@example.com', gracePassword);
    const csrf = await csrfOfSession(server, cookie!);
    expect((await fetch(`${server.url}${path}`, { headers: { cookie: cookie! } })).status).toBe(404);
    const digest = (await server.app.store.pendingActions.findById(await workspaceId(), actionId))!.digest;
    const response = await postForm(server, `${path}/approve`, { csrf, digest }, { cookie: cookie! });
    expect(response.status).toBe(404);
    expect(await trashed(ref)).toBe(false);
    expect(await statusOf(actionId)).toBe('pending');
  });

  it('without the CSRF token, or with a stale digest, the member’s own session changes nothing', async () => {
    const ref = taskRefs[0]!;
    const { path, actionId } = await requestDelete(ref);
    const { cookie } = await signInOverHttp(server, 'alan@example.com', alanPassword);
    const csrf = await csrfOfSession(server, cookie!);
    const digest = (await server.app.store.pendingActions.findById(await workspaceId(), actionId))!.digest;
    expect(
      (await postForm(server, `${path}/approve`, { csrf: 'forged', digest }, { cookie: cookie! })).status,
    ).toBe(403);
    expect(
      (
        await postForm(
          server,
          `${path}/approve`,
          { csrf, digest },
          { cookie: cookie!, origin: 'https://evil.example' },
        )
      ).status,
    ).toBe(403);
    const stale = await postForm(
      server,
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
    const { cookie } = await signInOverHttp(server, 'alan@example.com', alanPassword);
    const csrf = await csrfOfSession(server, cookie!);
    const digest = (await server.app.store.pendingActions.findById(await workspaceId(), actionId))!.digest;
    const response = await postForm(server, `${path}/approve`, { csrf, digest }, { cookie: cookie! });
    expect(response.status).toBe(409);
    expect(await response.text()).toContain('the data changed');
    expect(await trashed(ref)).toBe(false);
    expect(await statusOf(actionId)).toBe('superseded');
  });
});

async function workspaceId() {
  return (await server.app.store.workspaces.findBySlug('demo'))!.id;
}
