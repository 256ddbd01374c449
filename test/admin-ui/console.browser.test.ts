/**
 * The console in a real browser (chromium): every page checked with axe-core, the navigation
 * each role sees, the freeze banner, sudo mode and the "sign out everywhere" action end to end.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SIGN_OUT_EVERYWHERE_PATH } from '../../src/admin-ui/index.js';
import { axeViolations, expectAccessible } from '../support/axe.js';
import { launchBrowser, newContext } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/mcp-server.js';
import { givePassword } from '../support/sign-in.js';

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

const navLinks = async () => page.locator('header nav a').allTextContents();

describe('accessibility (axe-core)', () => {
  it('bites: reports an image without alt text and an unlabelled input', async () => {
    await page.setContent(
      '<html lang="en"><title>t</title><main><img src="x.png"><input name="q"></main></html>',
    );
    const ids = (await axeViolations(page)).map((v) => v.id);
    expect(ids).toEqual(expect.arrayContaining(['image-alt', 'label']));
  });

  it('finds no violation on the sign-in page, with and without an error', async () => {
    await page.goto(`${server.url}/login`);
    await expectAccessible(page, '/login');
    await page.getByLabel('Email').fill('nobody@example.com');
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForLoadState();
    await expectAccessible(page, '/login with an error');
  });

  it('finds no violation on the overview, approvals, the 404 and the login-link page', async () => {
    await signIn('grace@example.com');
    for (const path of ['/admin', '/admin/approvals', '/admin/nope']) {
      await page.goto(`${server.url}${path}`);
      await expectAccessible(page, path);
    }
    await page.goto(`${server.url}/login/link?token=x`);
    await expectAccessible(page, '/login/link');
  });

  it('finds no violation on the sudo page, the action form with an error, and its result', async () => {
    const password = await signIn('alan@example.com');
    server.clock.advance(11 * 60_000);
    await page.goto(`${server.url}${SIGN_OUT_EVERYWHERE_PATH}`);
    await page.waitForURL(/\/admin\/sudo\?next=/);
    await expectAccessible(page, 'sudo');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Confirm password' }).click();
    await page.waitForURL(new RegExp(`${SIGN_OUT_EVERYWHERE_PATH}$`));
    await expectAccessible(page, 'sign out everywhere');
    await page.getByLabel(/to confirm/).fill('nope');
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await page.waitForLoadState();
    expect(await page.locator('#confirm-error').textContent()).toContain('to confirm');
    await expectAccessible(page, 'sign out everywhere with an error');
    await page.getByLabel(/to confirm/).fill('sign out everywhere');
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await page.waitForLoadState();
    expect(await page.locator('h1').textContent()).toBe('Signed out everywhere');
    await expectAccessible(page, 'signed out everywhere');
    await page.goto(`${server.url}/admin`);
    expect(new URL(page.url()).pathname).toBe('/login');
  });

  it('finds no violation with the freeze banner on', async () => {
    await server.app.policy.freeze('demo', { by: null, reason: 'incident 7' });
    await signIn('ada@example.com');
    await expectAccessible(page, '/admin frozen');
  });
});

describe('layout', () => {
  it('shows an owner every section, grouped, with the current page marked', async () => {
    await signIn('ada@example.com');
    expect(await navLinks()).toEqual([
      'Overview',
      'API keys',
      'Connections',
      'OAuth clients',
      'Activity',
      'Usage',
      'Approvals',
      'Members',
      'Policy',
    ]);
    expect(await page.locator('header nav').textContent()).toContain('Integrations');
    expect(await page.locator('header nav a[aria-current="page"]').textContent()).toBe('Overview');
  });

  it('shows a viewer only what a viewer may see', async () => {
    await signIn('katherine@example.com');
    expect(await navLinks()).toEqual(['Overview', 'API keys', 'Connections', 'Approvals']);
  });

  it('shows the freeze banner on every page while the workspace is frozen, and not after', async () => {
    await server.app.policy.freeze('demo', { by: null, reason: 'incident 7' });
    await signIn('alan@example.com');
    for (const path of ['/admin', '/admin/approvals', '/admin/nope', SIGN_OUT_EVERYWHERE_PATH]) {
      await page.goto(`${server.url}${path}`);
      expect(await page.locator('.freeze').textContent(), path).toContain('This workspace is frozen');
      expect(await page.locator('.freeze').textContent(), path).toContain('incident 7');
    }
    await server.app.policy.unfreeze('demo', null);
    await page.goto(`${server.url}/admin`);
    expect(await page.locator('.freeze').count()).toBe(0);
  });

  it('shows times as minutes with a zone, the exact UTC value in datetime and title', async () => {
    await signIn('alan@example.com');
    const time = page.locator('time').first();
    // In the browser's zone (the console script; local-time.browser.test.ts), or UTC without it.
    expect(await time.textContent()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} \S+$/);
    expect(await time.getAttribute('datetime')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(await time.getAttribute('title')).toMatch(/Z \(UTC\)$/);
  });

  it('cannot be framed by another site (clickjacking on the action page)', async () => {
    await signIn('alan@example.com');
    await page.setContent(
      `<iframe src="${server.url}${SIGN_OUT_EVERYWHERE_PATH}" width="600" height="400"></iframe>`,
    );
    await page.waitForTimeout(500);
    const frame = page.frames().find((f) => f !== page.mainFrame());
    const inputs = frame ? await frame.locator('input[name=confirm]').count() : 0;
    expect(inputs).toBe(0);
  });
});
