/**
 * The Policy page in chromium: an owner changes the policy (and sees a bad budget beside its
 * field), an admin freezes the workspace — the next MCP write through the official SDK client
 * is refused and the banner, with its "until" and (for managers) a link here, is on every
 * page — and unfreezing asks for the password after ten minutes; a policy tightened in the
 * browser while a confirmation waits is what the confirmation meets; members and viewers get
 * the 404; axe on every page, form, error and result.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MEMBERS_PATH, POLICY_PATH } from '../../src/admin-ui/index.js';
import { expectAccessible } from '../support/axe.js';
import { launchBrowser, newContext } from '../support/browser.js';
import { connectV1, startTestServer, type TestServer } from '../support/mcp-server.js';
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

type ToolResult = {
  isError?: boolean;
  content: { text: string }[];
  structuredContent?: Record<string, unknown>;
};
const textOf = (result: ToolResult) => result.content.map((c) => c.text).join('\n');
const h1 = () => page.locator('h1').textContent();

describe('as an owner', { timeout: 90_000 }, () => {
  it('shows the policy and changes it through the form, a bad budget beside its field', async () => {
    await signIn('ada@example.com');
    await page.goto(`${server.url}${POLICY_PATH}`);
    expect(await page.locator('dl').textContent()).toContain('every 90 days');
    await expectAccessible(page, 'policy');
    await page.getByRole('link', { name: 'Change the policy' }).click();
    await expectAccessible(page, 'policy form');
    await page.getByLabel('Writes per window').fill('0');
    await page.getByLabel('Keys are due for rotation after').selectOption('30');
    await page.getByRole('button', { name: 'Save the policy' }).click();
    await page.waitForLoadState();
    expect(await page.locator('#writeBudget-error').textContent()).toContain('1-10000');
    await expectAccessible(page, 'policy form with an error');
    expect((await server.app.policy.show('demo')).keyRotationDays).toBe(90);
    // What was typed stays; correcting the field is enough.
    expect(await page.getByLabel('Keys are due for rotation after').inputValue()).toBe('30');
    await page.getByLabel('Writes per window').fill('100');
    await page.getByLabel('Deletes', { exact: true }).selectOption('approve');
    await page.getByRole('button', { name: 'Save the policy' }).click();
    await page.waitForLoadState();
    expect(await h1()).toBe('Policy saved');
    await expectAccessible(page, 'policy saved');
    const policy = await server.app.policy.show('demo');
    expect(policy).toMatchObject({ keyRotationDays: 30, budget: { writes: 100 } });
    expect(policy.tiers.delete).toBe('approve');
  });

  it('applies a policy tightened in the browser to a confirmation that was waiting', async () => {
    await server.app.policy.set(null, 'demo', { update: 'token' });
    const key = await server.issueKey({ name: 'cursor-waiting' });
    const { client } = await connectV1(server, key, 'Cursor');
    const call = async (name: string, args: Record<string, unknown>) =>
      (await client.callTool({ name, arguments: args })) as ToolResult;
    const preview = await call('update_task', { task: 'APO-2', title: 'Waited through a change' });
    const token = preview.structuredContent?.token as string;
    expect(token).toMatch(/^tgc_/);

    await signIn('ada@example.com');
    await page.goto(`${server.url}${POLICY_PATH}/edit`);
    await page.getByLabel('Updates', { exact: true }).selectOption('approve');
    await page.getByRole('button', { name: 'Save the policy' }).click();
    await page.waitForLoadState();
    expect(await h1()).toBe('Policy saved');

    const confirmed = await call('confirm_action', { token });
    expect(confirmed.isError).toBe(true);
    expect(textOf(confirmed)).toMatch(/the workspace policy now asks for approve on update changes/);
    await client.close();
  });
});

describe('as an admin', { timeout: 90_000 }, () => {
  it('freezes the workspace: MCP writes are refused and the banner is on every page until unfrozen', async () => {
    const key = await server.issueKey({ name: 'claude-desktop-freeze' });
    const { client } = await connectV1(server, key, 'Claude');
    const password = await signIn('grace@example.com');
    await page.goto(`${server.url}${POLICY_PATH}`);
    await page.getByRole('link', { name: 'Freeze the workspace' }).click();
    await expectAccessible(page, 'freeze form');
    await page.getByLabel(/^Until/).fill('tomorrow');
    await page.getByLabel(/^Reason/).fill('incident 7');
    await page.getByRole('button', { name: 'Freeze' }).click();
    await page.waitForLoadState();
    expect(await page.locator('#until-error').textContent()).toContain('duration');
    await expectAccessible(page, 'freeze form with an error');
    expect((await server.app.policy.show('demo')).freeze.frozen).toBe(false);
    await page.getByLabel(/^Until/).fill('2h');
    await page.getByRole('button', { name: 'Freeze' }).click();
    await page.waitForLoadState();
    expect(await h1()).toBe('Workspace frozen');
    await expectAccessible(page, 'frozen');

    const write = (await client.callTool({
      name: 'update_task',
      arguments: { task: 'APO-2', title: 'During the freeze' },
    })) as ToolResult;
    expect(write.isError).toBe(true);
    expect(textOf(write)).toContain('is frozen');

    for (const path of ['/admin', MEMBERS_PATH, POLICY_PATH, '/admin/approvals', '/admin/nope']) {
      await page.goto(`${server.url}${path}`);
      const banner = page.locator('.freeze');
      expect(await banner.textContent(), path).toContain('until 2026-11-27 12:00 UTC');
      expect(await banner.textContent(), path).toContain('incident 7');
      expect(await banner.getByRole('link', { name: 'Policy and freeze' }).getAttribute('href')).toBe(
        POLICY_PATH,
      );
    }

    // Unfreezing is sudo: after ten minutes the password comes first.
    server.clock.advance(11 * 60_000);
    await page.goto(`${server.url}${POLICY_PATH}`);
    await page.getByRole('link', { name: 'Unfreeze' }).click();
    await page.waitForURL(/\/admin\/sudo\?next=/);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Confirm password' }).click();
    await page.waitForURL(/\/admin\/policy\/unfreeze$/);
    await page.getByRole('button', { name: 'Unfreeze' }).click();
    await page.waitForLoadState();
    expect(await h1()).toBe('Workspace unfrozen');
    expect(await page.locator('.freeze').count()).toBe(0);
    const after = (await client.callTool({
      name: 'update_task',
      arguments: { task: 'APO-2', title: 'After the freeze' },
    })) as ToolResult;
    expect(after.isError).toBeFalsy();
    await client.close();
  });
});

describe('as a member or a viewer', { timeout: 90_000 }, () => {
  it.each(['alan@example.com', 'katherine@example.com'])(
    '%s gets the 404, and a banner without the link',
    async (email) => {
      await server.app.policy.freeze('demo', { by: null, reason: 'incident 7' });
      await signIn(email);
      const response = await page.goto(`${server.url}${POLICY_PATH}`);
      expect(response?.status()).toBe(404);
      expect(await h1()).toBe('Page not found');
      const banner = page.locator('.freeze');
      expect(await banner.textContent()).toContain('until someone unfreezes it');
      expect(await banner.locator('a').count()).toBe(0);
      await expectAccessible(page, `404 frozen as ${email}`);
    },
  );
});
