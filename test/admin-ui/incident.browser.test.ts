/**
 * Incident response in a real browser (chromium): an owner contains a leaked key from its
 * page — the key's next MCP call is 401 and its member's other key becomes dry-run-only —
 * reads the report, previews the revert (a human's later edit shows as a conflict) and
 * applies it; an admin does the same for an OAuth connection. axe checks every page, the form
 * with an error and each result; sudo mode asks for the password first when the sign-in is old.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectAccessible } from '../support/axe.js';
import { launchBrowser, newContext } from '../support/browser.js';
import { LEAKED, type Leak, leakAKey } from '../support/incident-fixture.js';
import { callToolOverHttp, startTestServer, type TestServer } from '../support/mcp-server.js';
import { givePassword } from '../support/sign-in.js';

let browser: Browser;
let server: TestServer;
let context: BrowserContext;
let page: Page;
let leak: Leak;
let base: string;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => browser?.close());
beforeEach(async () => {
  server = await startTestServer();
  leak = await leakAKey(server);
  base = `/admin/keys/${leak.keyId}/incident`;
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
const events = (action: string) => server.app.store.audit.list(leak.workspaceId, { action, limit: 100 });

describe('incident response in the browser', () => {
  it('an owner contains a leaked key: its next MCP call is 401 and the member’s other key is dry-run only', async () => {
    await signIn('ada@example.com');
    await page.goto(`${server.url}${base}`);
    expect(await h1()).toBe(`Incident: ${LEAKED}`);
    await expectAccessible(page, 'incident');
    await page.getByRole('link', { name: 'Contain it' }).click();
    await page.waitForLoadState();
    await expectAccessible(page, 'contain form');
    await page.getByLabel(`Type “${LEAKED}” to confirm`).fill('cursor-alan');
    await page.getByRole('button', { name: 'Contain it' }).click();
    await page.waitForLoadState();
    expect(await page.locator('#confirm-error').textContent()).toContain('exactly to confirm');
    await expectAccessible(page, 'contain form with an error');
    expect((await callToolOverHttp(server, leak.secret, 'whoami')).status).toBe(200);

    await page.getByLabel(`Type “${LEAKED}” to confirm`).fill(LEAKED);
    await page.getByRole('button', { name: 'Contain it' }).click();
    await page.waitForLoadState();
    expect(await h1()).toBe('Contained');
    await expectAccessible(page, 'contain result');
    expect(await page.locator('main').textContent()).toContain('now dry-run only');
    expect((await callToolOverHttp(server, leak.secret, 'whoami')).status).toBe(401);
    expect(await server.app.store.apiKeys.findById(leak.workspaceId, leak.siblingId)).toMatchObject({
      dryRunOnly: true,
      revokedAt: null,
    });
    const contained = (await events('incident.contained')).filter((e) => e.outcome === 'ok');
    expect(contained.map((e) => e.memberId)).toEqual([leak.owner.memberId]);
  });

  it('reads the report, previews the revert with the human’s edit as a conflict, and applies it', async () => {
    await signIn('ada@example.com');
    await page.goto(`${server.url}${base}/report`);
    expect(await h1()).toBe(`Report: ${LEAKED}`);
    expect(await page.locator('main').textContent()).toContain('update task APO-1');
    await expectAccessible(page, 'report');
    await page.goto(`${server.url}${base}/revert`);
    await expectAccessible(page, 'revert preview');
    const rows = page.locator('tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await page.locator('tr.step-conflict th').textContent()).toBe('update task APO-2');
    expect(await page.locator('tr.step-planned th').textContent()).toBe('update task APO-1');
    await page.getByRole('button', { name: 'Apply the revert' }).click();
    await page.waitForLoadState();
    expect(await h1()).toBe('Reverted, except what needs you');
    await expectAccessible(page, 'revert result');
    expect(await page.locator('tr.step-applied th').textContent()).toBe('update task APO-1');
    expect(await page.locator('tr.step-conflict td').nth(2).textContent()).toContain('Conflict');
    expect((await server.app.domain.tasks.get(leak.owner, 'APO-1')).title).not.toBe('Pwned');
    expect((await server.app.domain.tasks.get(leak.owner, 'APO-2')).title).toBe('Also pwned');
  });

  it('sudo: with a sign-in older than ten minutes the password comes first, then the form', async () => {
    const password = await signIn('ada@example.com');
    server.clock.advance(11 * 60_000);
    await page.goto(`${server.url}${base}/contain`);
    await page.waitForURL(/\/admin\/sudo\?next=/);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Confirm password' }).click();
    await page.waitForURL((url) => url.pathname === `${base}/contain`);
    expect(await h1()).toBe(`Contain ${LEAKED}`);
  });

  it('a member (the key’s own) and a viewer get the 404 page', async () => {
    for (const email of ['alan@example.com', 'katherine@example.com']) {
      await context.clearCookies();
      await signIn(email);
      const response = await page.goto(`${server.url}${base}`);
      expect(response?.status()).toBe(404);
      expect(await h1()).toBe('Page not found');
    }
  });

  it('an admin contains an OAuth connection from its page', async () => {
    const workspace = (await server.app.store.workspaces.findBySlug('demo'))!;
    const alan = (await server.app.store.members.findByEmail(workspace.id, 'alan@example.com'))!;
    const { connection } = await server.app.connections.grant({
      workspace,
      member: alan,
      client: { id: 'client-1', name: 'Claude', verified: true },
      scopes: ['tasks:read'],
      projectIds: null,
      readOnly: true,
      grantId: 'grant-1',
      ip: null,
      userAgent: null,
    });
    await signIn('grace@example.com');
    const path = `/admin/connections/${connection.id}/incident`;
    await page.goto(`${server.url}${path}`);
    expect(await h1()).toBe(`Incident: ${connection.name}`);
    await expectAccessible(page, 'connection incident');
    await page.goto(`${server.url}${path}/contain`);
    await page.getByLabel(`Type “${connection.name}” to confirm`).fill(connection.name);
    await page.getByRole('button', { name: 'Contain it' }).click();
    await page.waitForLoadState();
    expect(await h1()).toBe('Contained');
    expect((await server.app.store.apiKeys.findById(workspace.id, connection.id))?.revokedAt).not.toBeNull();
    // Alan's API keys are his other credentials: they become dry-run only too.
    expect((await server.app.store.apiKeys.findById(workspace.id, leak.keyId))?.dryRunOnly).toBe(true);
  });
});
