/**
 * The Members page in chromium: an owner and an admin invite, change a role and remove, each
 * change previewed before it happens; members and viewers get the 404; axe on the list, the
 * forms, a form with an error and each result; sudo mode after ten minutes; and a member
 * removed in the browser whose key's next call through the official MCP SDK client is a 401.
 */
import { describe, expect, it } from 'vitest';
import { MEMBERS_PATH } from '../../src/admin-ui/index.js';
import { LOGIN_LINK_PATH } from '../../src/credentials/index.js';
import { expectAccessible } from '../support/axe.js';
import { useConsoleBrowser } from '../support/console-browser.js';
import { connectV1 } from '../support/mcp-server.js';
import { keyFor, keysOf, memberOf } from '../support/members.js';

// Several page loads and axe runs per test: slower than the default on a busy machine (2 shared CPUs).

const h = useConsoleBrowser();

const signIn = (email: string) => h.signIn(email);

const h1 = () => h.page.locator('h1').textContent();
const openMembers = async () => {
  await h.page.goto(`${h.server.url}${MEMBERS_PATH}`);
  return h.page.locator('tbody tr');
};

describe('as an owner', { timeout: 90_000 }, () => {
  it('lists members with their keys and connections, accessibly', async () => {
    await keyFor(h.server, 'alan@example.com', 'cursor-alan');
    await signIn('ada@example.com');
    const rows = await openMembers();
    expect(await rows.count()).toBe(4);
    const alan = rows.filter({ hasText: 'alan@example.com' });
    expect(await alan.locator('td').nth(1).textContent()).toBe('member');
    expect(Number(await alan.locator('td').nth(3).textContent())).toBeGreaterThanOrEqual(1);
    expect(await alan.locator('time').count()).toBe(1);
    expect(await h.page.locator('header nav a[aria-current="page"]').textContent()).toBe('Members');
    await expectAccessible(h.page, 'members');
  });

  it('invites a member and shows the login link once', async () => {
    await signIn('ada@example.com');
    await openMembers();
    await h.page.getByRole('link', { name: 'Invite a member' }).click();
    await expectAccessible(h.page, 'invite');
    await h.page.getByLabel('Email').fill('margaret@example.com');
    await h.page.getByLabel('Role').selectOption('admin');
    await h.page.getByRole('button', { name: 'Invite' }).click();
    await h.page.waitForLoadState();
    expect(await h1()).toBe('Member invited');
    expect(await h.page.locator('code.secret').textContent()).toMatch(/\/login\/link\?token=/);
    await expectAccessible(h.page, 'invited');
    expect((await memberOf(h.server, 'margaret@example.com'))?.role).toBe('admin');
  });

  it('refuses an invitation for a current member beside the email field', async () => {
    await signIn('ada@example.com');
    await h.page.goto(`${h.server.url}${MEMBERS_PATH}/invite`);
    await h.page.getByLabel('Email').fill('alan@example.com');
    await h.page.getByRole('button', { name: 'Invite' }).click();
    await h.page.waitForLoadState();
    expect(await h.page.locator('#email-error').textContent()).toContain('already a member');
    await expectAccessible(h.page, 'invite with an error');
  });

  it('previews a lower role (what will be narrowed), then applies it', async () => {
    await keyFor(h.server, 'alan@example.com', 'cursor-alan');
    await signIn('ada@example.com');
    await openMembers();
    await h.page.getByRole('link', { name: 'Change role of alan@example.com' }).click();
    await h.page.getByLabel(/New role/).selectOption('viewer');
    await h.page.getByRole('button', { name: 'Preview the change' }).click();
    await h.page.waitForLoadState();
    expect(await h.page.locator('.cascade').textContent()).toContain('Will be narrowed');
    expect(await h.page.locator('.cascade').textContent()).toContain('cursor-alan');
    await expectAccessible(h.page, 'role preview');
    // Nothing changed yet: it only says so.
    expect((await memberOf(h.server, 'alan@example.com'))?.role).toBe('member');
    await h.page.getByRole('button', { name: 'Change role to viewer' }).click();
    await h.page.waitForLoadState();
    expect(await h1()).toBe('Role changed');
    expect(await h.page.locator('.cascade').textContent()).toContain('Narrowed');
    await expectAccessible(h.page, 'role changed');
    expect((await memberOf(h.server, 'alan@example.com'))?.role).toBe('viewer');
    expect((await keysOf(h.server, 'alan@example.com'))[0]?.readOnly).toBe(true);
  });

  it('refuses to demote the last owner, with the error beside the role', async () => {
    await signIn('ada@example.com');
    await h.page.goto(`${h.server.url}${MEMBERS_PATH}/role?email=ada%40example.com&role=admin`);
    expect(await h.page.locator('#role-error').textContent()).toContain('last owner');
    expect(await h.page.getByRole('button', { name: /Change role to/ }).count()).toBe(0);
    await expectAccessible(h.page, 'last owner');
    await h.page.goto(`${h.server.url}${MEMBERS_PATH}/remove?email=ada%40example.com`);
    expect(await h.page.locator('[role=alert]').textContent()).toContain('last owner');
    expect(await h.page.getByRole('button', { name: /^Remove/ }).count()).toBe(0);
    expect((await memberOf(h.server, 'ada@example.com'))?.role).toBe('owner');
  });

  it("removes a member: the preview lists their key, and the key's next MCP call fails with 401", async () => {
    const issued = await keyFor(h.server, 'alan@example.com', 'claude-desktop-alan');
    const { client } = await connectV1(h.server, issued.secret, 'Claude');
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    await signIn('ada@example.com');
    await openMembers();
    await h.page.getByRole('link', { name: 'Remove alan@example.com' }).click();
    expect(await h.page.locator('.cascade').textContent()).toContain('claude-desktop-alan');
    expect(await h.page.locator('.cascade').textContent()).toContain('401');
    await expectAccessible(h.page, 'remove preview');
    await h.page.getByRole('button', { name: 'Remove alan@example.com' }).click();
    await h.page.waitForLoadState();
    expect(await h1()).toBe('Member removed');
    await expectAccessible(h.page, 'removed');
    // The SDK's StreamableHTTPError carries the HTTP status as `code`.
    await expect(client.listTools()).rejects.toMatchObject({ code: 401, message: /unauthenticated/ });
    await client.close();
    expect(await (await openMembers()).filter({ hasText: 'alan@example.com' }).count()).toBe(0);
  });

  it('asks for the password again after ten minutes, then returns to the removal', async () => {
    const password = await signIn('ada@example.com');
    h.server.clock.advance(11 * 60_000);
    await h.page.goto(`${h.server.url}${MEMBERS_PATH}/remove?email=alan%40example.com`);
    await h.page.waitForURL(/\/admin\/sudo\?next=/);
    await h.page.getByLabel('Password').fill(password);
    await h.page.getByRole('button', { name: 'Confirm password' }).click();
    await h.page.waitForURL(/\/admin\/members\/remove\?email=/);
    expect(await h1()).toBe('Remove a member');
    expect(await h.page.getByRole('button', { name: 'Remove alan@example.com' }).count()).toBe(1);
  });
});

describe('sudo for a member who signs in only with login links', { timeout: 90_000 }, () => {
  it('sends them to sign in again with a fresh link (no password form, no link), accessibly', async () => {
    const link = await h.server.app.signIn.createLoginLink({ workspace: 'demo', email: 'ada@example.com' });
    await h.page.goto(`${h.server.url}${LOGIN_LINK_PATH}?token=${link.token}`);
    await h.page.getByRole('button', { name: 'Continue' }).click();
    await h.page.waitForURL(/\/admin$/);
    h.server.clock.advance(11 * 60_000);
    await h.page.goto(`${h.server.url}${MEMBERS_PATH}/remove?email=alan%40example.com`);
    await h.page.waitForURL(/\/admin\/sudo\?next=/);
    expect(await h1()).toBe('Sign in again to continue');
    expect(await h.page.locator('main').textContent()).toContain('fresh login link');
    expect(await h.page.locator('input[type=password]').count()).toBe(0);
    expect(await h.page.locator(`a[href*="${LOGIN_LINK_PATH}"]`).count()).toBe(0);
    await expectAccessible(h.page, 'sudo without a password');
    expect((await memberOf(h.server, 'alan@example.com'))?.removedAt).toBeUndefined();
  });
});

describe('as an admin', { timeout: 90_000 }, () => {
  it('invites and re-roles members, but may not make an owner (the service rule, beside the field)', async () => {
    await signIn('grace@example.com');
    await openMembers();
    await expectAccessible(h.page, 'members as admin');
    await h.page.goto(`${h.server.url}${MEMBERS_PATH}/role?email=alan%40example.com&role=owner`);
    expect(await h.page.locator('#role-error').textContent()).toContain('cannot make or unmake an owner');
    await expectAccessible(h.page, 'admin promoting to owner');
    await h.page.getByLabel(/New role/).selectOption('admin');
    await h.page.getByRole('button', { name: 'Preview the change' }).click();
    await h.page.getByRole('button', { name: 'Change role to admin' }).click();
    await h.page.waitForLoadState();
    expect(await h1()).toBe('Role changed');
    expect((await memberOf(h.server, 'alan@example.com'))?.role).toBe('admin');
  });
});

describe('as a member or a viewer', { timeout: 90_000 }, () => {
  it.each(['alan@example.com', 'katherine@example.com'])('%s gets the 404 page', async (email) => {
    await signIn(email);
    const response = await h.page.goto(`${h.server.url}${MEMBERS_PATH}`);
    expect(response?.status()).toBe(404);
    expect(await h1()).toBe('Page not found');
    expect(await h.page.locator('header nav a', { hasText: 'Members' }).count()).toBe(0);
  });
});
