/**
 * Sign-in in a real browser (chromium): the flows a person goes through, and the attacks a
 * browser makes possible — framing (clickjacking), cross-site form posts, open redirects,
 * a session that outlives sign-out, and password guessing through the form.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SIGN_IN_FAILED_MESSAGE, SIGN_IN_THROTTLED_MESSAGE } from '../../src/credentials/index.js';
import { launchBrowser, newContext } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/mcp-server.js';
import { givePassword, newPassword } from '../support/sign-in.js';

let browser: Browser;
let server: TestServer;
let context: BrowserContext;
let page: Page;
let password: string;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => browser?.close());
beforeEach(async () => {
  server = await startTestServer();
  password = await givePassword(server);
  context = await newContext(browser);
  page = await context.newPage();
});
afterEach(async () => {
  await context?.close();
  await server?.close();
});

async function signIn(email: string, pw: string, path = '/login') {
  await page.goto(`${server.url}${path}`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(pw);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState();
}

describe('signing in and out', () => {
  it('signs in and shows the member, their role and workspace', async () => {
    await signIn('alan@example.com', password);
    expect(new URL(page.url()).pathname).toBe('/admin');
    const main = page.locator('main');
    await expect.poll(() => main.textContent()).toContain('Alan Turing');
    expect(await main.textContent()).toContain('alan@example.com');
    expect(await main.textContent()).toContain('demo');
    expect(await page.locator('header').textContent()).toContain('Sign out');
  });

  it('shows the generic error on a wrong password and on an unknown email', async () => {
    for (const [email, pw] of [
      ['alan@example.com', `${password}!`],
      ['nobody@example.com', password],
    ] as const) {
      await signIn(email, pw);
      expect(new URL(page.url()).pathname).toBe('/login');
      expect(await page.getByRole('alert').textContent()).toBe(SIGN_IN_FAILED_MESSAGE);
      expect(await page.getByLabel('Password').inputValue()).toBe('');
    }
  });

  it('ends the session on sign-out: back and a replayed cookie both land on /login', async () => {
    await signIn('alan@example.com', password);
    const [session] = (await context.cookies()).filter((c) => c.name === 'taskgate_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login$/);
    expect((await context.cookies()).some((c) => c.name === 'taskgate_session')).toBe(false);

    // no-store keeps the signed-in page out of the back/forward cache: going back refetches it.
    await page.goBack();
    await page.waitForLoadState();
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await page.locator('main').textContent()).not.toContain('alan@example.com');

    await context.addCookies([{ ...session!, name: 'taskgate_session' }]);
    await page.goto(`${server.url}/admin`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await page.locator('main').textContent()).not.toContain('alan@example.com');
  });

  it('signs in with a one-time login link, once', async () => {
    const link = await server.app.signIn.createLoginLink({ workspace: 'demo', email: 'grace@example.com' });
    const url = `${server.url}/login/link?token=${link.token}`;
    await page.goto(url);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(/\/admin$/);
    expect(await page.locator('main').textContent()).toContain('grace@example.com');

    const other = await (await newContext(browser)).newPage();
    await other.goto(url);
    await other.getByRole('button', { name: 'Continue' }).click();
    await other.waitForLoadState();
    expect(await other.getByRole('alert').textContent()).toMatch(/invalid, expired or already used/);
    await other.context().close();
  });
});

describe('browser attacks', () => {
  it('cannot be framed by another site (clickjacking)', async () => {
    await page.setContent(`<iframe src="${server.url}/login" width="600" height="400"></iframe>`);
    await page.waitForTimeout(500);
    const frame = page.frames().find((f) => f !== page.mainFrame());
    const inputs = frame ? await frame.locator('input[name=email]').count() : 0;
    expect(inputs).toBe(0);
    const response = await page.request.get(`${server.url}/login`);
    expect(response.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(response.headers()['x-frame-options']).toBe('DENY');
  });

  it('refuses a cross-site form that posts sign-out or a login (CSRF)', async () => {
    await signIn('alan@example.com', password);
    // An attacker's page on another origin (a data: URL) auto-submitting forms to us.
    for (const form of [
      `<form method="post" action="${server.url}/logout"></form>`,
      `<form method="post" action="${server.url}/login"><input name="email" value="alan@example.com"><input name="password" value="${password}"></form>`,
    ]) {
      const attacker = await context.newPage();
      await attacker.goto(`data:text/html,${encodeURIComponent(form)}`);
      const [response] = await Promise.all([
        attacker.waitForResponse((r) => r.url().startsWith(server.url)),
        attacker.locator('form').evaluate((form) => (form as unknown as { submit(): void }).submit()),
      ]);
      expect(response.status()).toBe(403);
      await attacker.close();
    }
    await page.goto(`${server.url}/admin`);
    expect(new URL(page.url()).pathname).toBe('/admin');
  });

  it('refuses a same-site POST to /logout that lacks the session token', async () => {
    await signIn('alan@example.com', password);
    const response = await page.request.post(`${server.url}/logout`, {
      form: {},
      headers: { origin: server.url },
    });
    expect(response.status()).toBe(403);
    await page.goto(`${server.url}/admin`);
    expect(new URL(page.url()).pathname).toBe('/admin');
  });

  it('stops password guessing after 5 failures, even for the right password', async () => {
    for (let i = 0; i < 5; i++) await signIn('alan@example.com', newPassword());
    await signIn('alan@example.com', password);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await page.getByRole('alert').textContent()).toBe(SIGN_IN_THROTTLED_MESSAGE);
  });

  it('does not follow next=//evil.example after sign-in (open redirect)', async () => {
    await signIn('alan@example.com', password, '/login?next=//evil.example');
    expect(new URL(page.url()).origin).toBe(server.url);
    expect(new URL(page.url()).pathname).toBe('/admin');
  });

  it('returns to a same-site next page after sign-in', async () => {
    await page.goto(`${server.url}/admin`);
    expect(page.url()).toBe(`${server.url}/login?next=%2Fadmin`);
    await page.getByLabel('Email').fill('alan@example.com');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/admin$/);
  });
});
