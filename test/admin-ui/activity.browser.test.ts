/**
 * The Activity page in a real browser (chromium): what owners, admins and members see, the
 * viewer's 404, filtering with the form (and an error beside its field), paging both ways,
 * an event's page, verifying the chain, and downloading the view; axe-core on each page.
 */
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/model/index.js';
import { DEMO, eventIdsOn, seedCalls } from '../support/activity-console.js';
import { expectAccessible } from '../support/axe.js';
import { launchBrowser, newContext } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/mcp-server.js';
import { keyFor } from '../support/members.js';
import { givePassword } from '../support/sign-in.js';

let browser: Browser;
let server: TestServer;
let context: BrowserContext;
let page: Page;
let ada: AuditEvent[];
let alan: AuditEvent[];

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => browser?.close());
beforeEach(async () => {
  server = await startTestServer();
  const key = await keyFor(server, DEMO.member, 'cursor-alan-laptop');
  ada = await seedCalls(server, DEMO.owner, 2);
  alan = await seedCalls(server, DEMO.member, 5, {
    credentialId: key.key.id,
    credentialName: 'cursor-alan-laptop',
  });
  context = await newContext(browser);
  page = await context.newPage();
});
afterEach(async () => {
  await context?.close();
  await server?.close();
});

async function signIn(email: string) {
  const password = await givePassword(server, email);
  await page.goto(`${server.url}/login?next=${encodeURIComponent('/admin/activity')}`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState();
}

const shownIds = async () => eventIdsOn(await page.content());
const newestFirst = (events: AuditEvent[]) => events.map((e) => e.id).reverse();

describe('activity in the browser', () => {
  it("shows the owner every member's events, filters with the form, and is accessible", async () => {
    await signIn(DEMO.owner);
    expect(new URL(page.url()).pathname).toBe('/admin/activity');
    expect(await page.locator('h1').textContent()).toBe('Activity');
    expect(await shownIds()).toEqual(expect.arrayContaining([...ada, ...alan].map((e) => e.id)));
    await expectAccessible(page, '/admin/activity');
    await page.getByLabel('Tool').fill('update_task');
    await page.getByLabel('Member').fill(DEMO.member);
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForLoadState();
    expect(new URL(page.url()).searchParams.get('tool')).toBe('update_task');
    expect(await shownIds()).toEqual(newestFirst(alan.filter((e) => e.tool === 'update_task')));
    expect(await page.getByLabel('Tool').inputValue()).toBe('update_task');
    await expectAccessible(page, '/admin/activity filtered');
  });

  it('shows a bad filter beside its field, with nothing listed, and is accessible', async () => {
    await signIn(DEMO.admin);
    await page.getByLabel('Since').fill('yesterday');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForLoadState();
    expect(await page.locator('#since-error').textContent()).toMatch(/must be a duration like 24h/);
    expect(await page.getByLabel('Since').getAttribute('aria-invalid')).toBe('true');
    expect(await shownIds()).toEqual([]);
    await expectAccessible(page, '/admin/activity with an error');
  });

  it('pages to older events and back to newer ones', async () => {
    await signIn(DEMO.owner);
    await page.goto(`${server.url}/admin/activity?member=${encodeURIComponent(DEMO.member)}&limit=2`);
    const ids = newestFirst(alan);
    expect(await shownIds()).toEqual(ids.slice(0, 2));
    await page.getByRole('link', { name: 'Older events' }).click();
    await page.waitForLoadState();
    expect(await shownIds()).toEqual(ids.slice(2, 4));
    await page.getByRole('link', { name: 'Older events' }).click();
    await page.waitForLoadState();
    expect(await shownIds()).toEqual(ids.slice(4));
    expect(await page.getByRole('link', { name: 'Older events' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Newer events' }).click();
    await page.waitForLoadState();
    expect(await shownIds()).toEqual(ids.slice(2, 4));
    await expectAccessible(page, '/admin/activity paged');
  });

  it("opens an event's page: arguments, client, chain and a link to its key", async () => {
    await signIn(DEMO.member);
    const newest = alan.at(-1)!;
    await page.locator(`a[href="/admin/activity/${newest.id}"]`).click();
    await page.waitForLoadState();
    expect(new URL(page.url()).pathname).toBe(`/admin/activity/${newest.id}`);
    const main = (await page.locator('main').textContent()) ?? '';
    expect(main).toContain('"marker": "alan-4"');
    expect(main).toContain('client "cursor 1.2.0"');
    expect(main).toContain('Place in the chain');
    expect(main).toMatch(/Linkverifies/);
    expect(await page.locator(`a[href="/admin/keys/${alan[0]!.credentialId}"]`).count()).toBe(1);
    await expectAccessible(page, 'an event page');
  });

  it('verifies the chain for an admin and shows the result', async () => {
    await signIn(DEMO.admin);
    expect(await page.getByText('The chain has never been verified.').count()).toBe(1);
    await page.getByRole('button', { name: 'Verify the chain now' }).click();
    await page.waitForLoadState();
    expect(await page.locator('h1').textContent()).toBe('The audit chain is intact');
    await expectAccessible(page, 'the verification result');
    await page.getByRole('link', { name: 'Back to the activity' }).click();
    await page.waitForLoadState();
    expect(await page.locator('main').textContent()).toContain(`by ${DEMO.admin}: intact`);
  });

  it('downloads the filtered view as CSV, holding only what the member may see', async () => {
    await signIn(DEMO.member);
    await page.getByLabel('Tool').fill('get_task');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForLoadState();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('demo-audit.csv');
    const text = await readFile((await download.path())!, 'utf8');
    const rows = text.split('\r\n').filter(Boolean);
    expect(rows[0]).toMatch(/^id,/);
    expect(rows.slice(1).map((r) => r.split(',')[0])).toEqual(
      alan.filter((e) => e.tool === 'get_task').map((e) => e.id),
    );
  });

  it('shows a member only their own events, without the member filter or the verify button', async () => {
    await signIn(DEMO.member);
    const shown = await shownIds();
    expect(shown).toEqual(expect.arrayContaining(alan.map((e) => e.id)));
    for (const e of ada) expect(shown).not.toContain(e.id);
    expect(await page.getByLabel('Member').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Verify the chain now' }).count()).toBe(0);
    await expectAccessible(page, '/admin/activity as a member');
  });

  it('answers a viewer with the 404 page and no Activity link', async () => {
    await signIn(DEMO.viewer);
    expect(await page.locator('h1').textContent()).toBe('Page not found');
    expect(await page.locator('header nav a').allTextContents()).not.toContain('Activity');
    await page.goto(`${server.url}/admin/activity/${alan[0]!.id}`);
    expect(await page.locator('h1').textContent()).toBe('Page not found');
    await expectAccessible(page, 'the 404 for a viewer');
  });
});
