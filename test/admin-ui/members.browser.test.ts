/**
 * The Members page in chromium: an owner and an admin invite, change a role and remove, each
 * change previewed before it happens; members and viewers get the 404; axe on the list, the
 * forms, a form with an error and each result; sudo mode after ten minutes; and a member
 * removed in the browser whose key's next call through the official MCP SDK client is a 401.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MEMBERS_PATH } from '../../src/admin-ui/index.js';
import { LOGIN_LINK_PATH } from '../../src/credentials/index.js';
import { expectAccessible } from '../support/axe.js';
import { launchBrowser, newContext } from '../support/browser.js';
import { connectV1, startTestServer, type TestServer } from '../support/mcp-server.js';
import { keyFor, keysOf, memberOf } from '../support/members.js';
import { givePassword } from '../support/sign-in.js';

// Several page loads and axe runs per test: slower than the default on a busy machine (2 shared CPUs).
let browser: Browser;
let server: TestServer;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => browser?.close());
beforeEach(async () => {
  server = await startTestServer();
  context = await newContext(browser);
  page = await context.newPage();
});
afterEach(async () => {
  await context?.close();
  await server?.close();
});

async function signIn(email: string) {
  const password = await givePassword(server, email);
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/admin$/);
  return password;
}

const h1 = () => page.locator('h1').textContent();
const openMembers = async () => {
  await page.goto(`${server.url}${MEMBERS_PATH}`);
  return page.locator('tbody tr');
};

describe('as an owner', { timeout: 90_000 }, () => {
  it('lists members with their keys and connections, accessibly', async () => {
    await keyFor(server, 'alan@example.com', 'cursor-alan');
    await signIn('ada@example.com');
    const rows = await openMembers();
    expect(await rows.count()).toBe(4);
    const alan = rows.filter({ hasText: 'alan@example.com' });
    expect(await alan.locator('td').nth(1).textContent()).toBe('member');
    expect(Number(await alan.locator('td').nth(3).textContent())).toBeGreaterThanOrEqual(1);
    expect(await alan.locator('time').count()).toBe(1);
    expect(await page.locator('header nav a[aria-current="page"]').textContent()).toBe('Members');
    await expectAccessible(page, 'members');
  });

  it('invites a member and shows the login link once', async () => {
    await signIn('ada@example.com');
    await openMembers();
    await page.getByRole('link', { name: 'Invite a member' }).click();
    await expectAccessible(page, 'invite');
    await page.getByLabel('Email').fill('margaret@example.com');
    await page.getByLabel('Role').selectOption('admin');
    await page.getByRole('button', { name: 'Invite' }).click();
    await page.waitForLoadState();
    expect(await h1()).toBe('Member invited');
    expect(await page.locator('code.secret').textContent()).toMatch(/\/login\/link\?token=/);
    await expectAccessible(page, 'invited');
    expect((await memberOf(server, 'margaret@example.com'))?.role).toBe('admin');
  });

  it('refuses an invitation for a current member beside the email field', async () => {
    await signIn('ada@example.com');
    await page.goto(`${server.url}${MEMBERS_PATH}/invite`);
    await page.getByLabel('Email').fill('alan@example.com');
    await page.getByRole('button', { name: 'Invite' }).click();
    await page.waitForLoadState();
    expect(await page.locator('#email-error').textContent()).toContain('already a member');
    await expectAccessible(page, 'invite with an error');
  });

  it('previews a lower role (what will be narrowed), then applies it', async () => {
    await keyFor(server, 'alan@example.com', 'cursor-alan');
    await signIn('ada@example.com');
    await openMembers();
    await page.getByRole('link', { name: 'Change role of alan@example.com' }).click();
    await page.getByLabel(/New role/).selectOption('viewer');
    await page.getByRole('button', { name: 'Preview the change' }).click();
    await page.waitForLoadState();
    expect(await page.locator('.cascade').textContent()).toContain('Will be narrowed');
    expect(await page.locator('.cascade').textContent()).toContain('cursor-alan');
    await expectAccessible(page, 'role preview');
    // Nothing changed yet: it only says so.
    expect((await memberOf(server, 'alan@example.com'))?.role).toBe('member');
    await page.getByRole('button', { name: 'Change role to viewer' }).click();
    await page.waitForLoadState();
    expect(await h1()).toBe('Role changed');
    expect(await page.locator('.cascade').textContent()).toContain('Narrowed');
    await expectAccessible(page, 'role changed');
    expect((await memberOf(server, 'alan@example.com'))?.role).toBe('viewer');
    expect((await keysOf(server, 'alan@example.com'))[0]?.readOnly).toBe(true);
  });

  it('refuses to demote the last owner, with the error beside the role', async () => {
    await signIn('ada@example.com');
    await page.goto(`${server.url}${MEMBERS_PATH}/role?email=ada%40example.com&role=admin`);
    expect(await page.locator('#role-error').textContent()).toContain('last owner');
    expect(await page.getByRole('button', { name: /Change role to/ }).count()).toBe(0);
    await expectAccessible(page, 'last owner');
    await page.goto(`${server.url}${MEMBERS_PATH}/remove?email=ada%40example.com`);
    expect(await page.locator('[role=alert]').textContent()).toContain('last owner');
    expect(await page.getByRole('button', { name: /^Remove/ }).count()).toBe(0);
    expect((await memberOf(server, 'ada@example.com'))?.role).toBe('owner');
  });

  it("removes a member: the preview lists their key, and the key's next MCP call fails with 401", async () => {
    const issued = await keyFor(server, 'alan@example.com', 'claude-desktop-alan');
    const { client } = await connectV1(server, issued.secret, 'Claude');
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    await signIn('ada@example.com');
    await openMembers();
    await page.getByRole('link', { name: 'Remove alan@example.com' }).click();
    expect(await page.locator('.cascade').textContent()).toContain('claude-desktop-alan');
    expect(await page.locator('.cascade').textContent()).toContain('401');
    await expectAccessible(page, 'remove preview');
    await page.getByRole('button', { name: 'Remove alan@example.com' }).click();
    await page.waitForLoadState();
    expect(await h1()).toBe('Member removed');
    await expectAccessible(page, 'removed');
    // The SDK's StreamableHTTPError carries the HTTP status as `code`.
    await expect(client.listTools()).rejects.toMatchObject({ code: 401, message: /unauthenticated/ });
    await client.close();
    expect(await (await openMembers()).filter({ hasText: 'alan@example.com' }).count()).toBe(0);
  });

  it('asks for the password again after ten minutes, then returns to the removal', async () => {
    const password = await signIn('ada@example.com');
    server.clock.advance(11 * 60_000);
    await page.goto(`${server.url}${MEMBERS_PATH}/remove?email=alan%40example.com`);
    await page.waitForURL(/\/admin\/sudo\?next=/);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Confirm password' }).click();
    await page.waitForURL(/\/admin\/members\/remove\?email=/);
    expect(await h1()).toBe('Remove a member');
    expect(await page.getByRole('button', { name: 'Remove alan@example.com' }).count()).toBe(1);
  });
});

describe('sudo for a member who signs in only with login links', { timeout: 90_000 }, () => {
  it('sends them to sign in again with a fresh link (no password form, no link), accessibly', async () => {
    const link = await server.app.signIn.createLoginLink({ workspace: 'demo', email: 'ada@example.com' });
    await page.goto(`${server.url}${LOGIN_LINK_PATH}?token=${link.token}`);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(/\/admin$/);
    server.clock.advance(11 * 60_000);
    await page.goto(`${server.url}${MEMBERS_PATH}/remove?email=alan%40example.com`);
    await page.waitForURL(/\/admin\/sudo\?next=/);
    expect(await h1()).toBe('Sign in again to continue');
    expect(await page.locator('main').textContent()).toContain('fresh login link');
    expect(await page.locator('input[type=password]').count()).toBe(0);
    expect(await page.locator(`a[href*="${LOGIN_LINK_PATH}"]`).count()).toBe(0);
    await expectAccessible(page, 'sudo without a password');
    expect((await memberOf(server, 'alan@example.com'))?.removedAt).toBeUndefined();
  });
});

describe('as an admin', { timeout: 90_000 }, () => {
  it('invites and re-roles members, but may not make an owner (the service rule, beside the field)', async () => {
    await signIn('grace@example.com');
    await openMembers();
    await expectAccessible(page, 'members as admin');
    await page.goto(`${server.url}${MEMBERS_PATH}/role?email=alan%40example.com&role=owner`);
    expect(await page.locator('#role-error').textContent()).toContain('cannot make or unmake an owner');
    await expectAccessible(page, 'admin promoting to owner');
    await page.getByLabel(/New role/).selectOption('admin');
    await page.getByRole('button', { name: 'Preview the change' }).click();
    await page.getByRole('button', { name: 'Change role to admin' }).click();
    await page.waitForLoadState();
    expect(await h1()).toBe('Role changed');
    expect((await memberOf(server, 'alan@example.com'))?.role).toBe('admin');
  });
});

describe('as a member or a viewer', { timeout: 90_000 }, () => {
  it.each(['alan@example.com', 'katherine@example.com'])('%s gets the 404 page', async (email) => {
    await signIn(email);
    const response = await page.goto(`${server.url}${MEMBERS_PATH}`);
    expect(response?.status()).toBe(404);
    expect(await h1()).toBe('Page not found');
    expect(await page.locator('header nav a', { hasText: 'Members' }).count()).toBe(0);
  });
});
