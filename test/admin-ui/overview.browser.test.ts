/**
 * The Overview in a real browser (chromium): what an owner or admin sees of the workspace —
 * approvals, the alerts placeholder, keys needing attention, the audit chain, recent activity
 * and the live security checklist with a link to fix each item — and what a member or viewer
 * sees instead (only their own). axe checks each role's page; print media hides the
 * navigation and the forms and keeps the checklist.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHECKLIST_ITEM_IDS } from '../../src/admin/index.js';
import { expectAccessible } from '../support/axe.js';
import { launchBrowser, newContext } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/mcp-server.js';
import { givePassword } from '../support/sign-in.js';

let browser: Browser;
let server: TestServer;
let context: BrowserContext;
let page: Page;
let alanKeyId: string;
let adaKeyId: string;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => browser?.close());
beforeEach(async () => {
  server = await startTestServer();
  const create = async (name: string, member: string) =>
    (
      await server.app.keys.create({
        workspace: 'demo',
        name,
        environment: 'development',
        member,
        scopes: ['tasks:read'],
      })
    ).key.id;
  adaKeyId = await create('cursor-ada-laptop', 'ada@example.com');
  alanKeyId = await create('claude-alan-desktop', 'alan@example.com');
  const workspace = (await server.app.store.workspaces.findBySlug('demo'))!;
  const grace = (await server.app.store.members.findByEmail(workspace.id, 'grace@example.com'))!;
  await server.app.activity.verify({ kind: 'member', member: grace });
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
}
const main = () => page.locator('main').textContent();

describe('the Overview', () => {
  it('shows an owner the workspace, with the checklist and a link to fix each item (axe)', async () => {
    await signIn('ada@example.com');
    expect(await page.locator('h1').textContent()).toBe('Overview');
    await expectAccessible(page, 'overview as owner');
    const headings = await page.locator('main h2').allTextContents();
    expect(headings).toEqual([
      'Pending approvals',
      'Active alerts',
      'Keys that need attention',
      'Audit chain',
      'Recent activity',
      'Security checklist',
    ]);
    const text = await main();
    expect(text).toContain('No monitoring yet');
    expect(text).toContain('Never used (2)');
    expect(await page.locator(`main a[href="/admin/keys/${alanKeyId}"]`).count()).toBeGreaterThan(0);
    expect(await page.locator('section[aria-labelledby="chain-heading"] dd').allTextContents()).toEqual(
      expect.arrayContaining(['grace@example.com', expect.stringContaining('Intact')]),
    );
    expect(await page.locator('a[href="/admin/approvals"]').count()).toBeGreaterThan(0);
    expect(await page.locator('main a[href^="/admin/activity/evt_"]').count()).toBeGreaterThan(0);
    const items = page.locator('.checklist-items > li');
    expect(await items.count()).toBe(CHECKLIST_ITEM_IDS.length);
    for (const id of CHECKLIST_ITEM_IDS) {
      const item = page.locator(`#check-${id}`);
      expect(await item.locator('.check-status').textContent()).toMatch(/^(Pass|Warning|Fail|Advice)$/);
      expect((await item.locator('.check-fix').textContent())?.trim()).not.toBe('');
    }
    expect(await page.locator('#check-audit-verified .check-status').textContent()).toBe('Pass');
    expect(
      await page.locator('.check-fix a[href="/admin/policy"], .check-fix a[href^="/admin/keys"]').count(),
    ).toBeGreaterThan(0);
    expect(await page.getByRole('link', { name: 'Sign out everywhere' }).count()).toBe(1);
  });

  it('shows a member only their own keys and activity: no checklist, no audit chain (axe)', async () => {
    await signIn('alan@example.com');
    await expectAccessible(page, 'overview as member');
    const headings = await page.locator('main h2').allTextContents();
    expect(headings).toEqual(['Pending approvals', 'Your keys that need attention', 'Your recent activity']);
    const text = await main();
    expect(text).toContain('claude-alan-desktop');
    expect(text).not.toContain('cursor-ada-laptop');
    expect(text).not.toContain('grace@example.com');
    expect(await page.locator(`a[href="/admin/keys/${adaKeyId}"]`).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Sign out everywhere' }).count()).toBe(1);
  });

  it('shows a viewer their own keys’ health and approvals only (axe)', async () => {
    await signIn('katherine@example.com');
    await expectAccessible(page, 'overview as viewer');
    expect(await page.locator('main h2').allTextContents()).toEqual([
      'Pending approvals',
      'Your keys that need attention',
    ]);
    expect(await main()).not.toContain('cursor-ada-laptop');
  });

  it('prints the checklist without the navigation or any form (print media)', async () => {
    await signIn('grace@example.com');
    expect(await page.locator('header nav').isVisible()).toBe(true);
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('header nav').isVisible()).toBe(false);
    expect(await page.locator('form.signout').isVisible()).toBe(false);
    expect(await page.getByRole('link', { name: 'Sign out everywhere' }).isVisible()).toBe(false);
    expect(await page.locator('section.checklist').isVisible()).toBe(true);
    expect(await page.locator('#check-separate-keys').isVisible()).toBe(true);
    expect(await page.locator('#check-separate-keys .check-status').isVisible()).toBe(true);
    // The fix's address is printed after its link (a printed link cannot be followed).
    const after = await page.evaluate(
      `getComputedStyle(document.querySelector('#check-rotation .check-fix a'), '::after').content`,
    );
    expect(after).toContain('/admin/keys');
    await page.emulateMedia({ media: 'screen' });
    expect(await page.locator('header nav').isVisible()).toBe(true);
  });
});
