/**
 * Sign-in in a real browser (chromium): the flows a person goes through, and the attacks a
 * browser makes possible — framing (clickjacking), cross-site form posts, open redirects,
 * a session that outlives sign-out, and password guessing through the form.
 */
import { describe, expect, it } from 'vitest';
import { SIGN_IN_FAILED_MESSAGE, SIGN_IN_THROTTLED_MESSAGE } from '../../src/credentials/index.js';
import { newContext } from '../support/browser.js';
import { useConsoleBrowser } from '../support/console-browser.js';
import { givePassword, newPassword } from '../support/sign-in.js';

let password: string;

const h = useConsoleBrowser({
  setUp: async () => {
    password = await givePassword(h.server);
  },
});

const signIn = (email: string, pw: string, path = '/login') => h.submitSignIn(email, pw, path);

describe('signing in and out', () => {
  it('signs in and shows the member, their role and workspace', async () => {
    await signIn('alan@example.com', password);
    expect(new URL(h.page.url()).pathname).toBe('/admin');
    const main = h.page.locator('main');
    await expect.poll(() => main.textContent()).toContain('Alan Turing');
    expect(await main.textContent()).toContain('alan@example.com');
    expect(await main.textContent()).toContain('demo');
    expect(await h.page.locator('header').textContent()).toContain('Sign out');
  });

  it('shows the generic error on a wrong password and on an unknown email', async () => {
    for (const [email, pw] of [
      ['alan@example.com', `${password}!`],
      ['nobody@example.com', password],
    ] as const) {
      await signIn(email, pw);
      expect(new URL(h.page.url()).pathname).toBe('/login');
      expect(await h.page.getByRole('alert').textContent()).toBe(SIGN_IN_FAILED_MESSAGE);
      expect(await h.page.getByLabel('Password').inputValue()).toBe('');
    }
  });

  it('ends the session on sign-out: back and a replayed cookie both land on /login', async () => {
    await signIn('alan@example.com', password);
    const [session] = (await h.context.cookies()).filter((c) => c.name === 'taskgate_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false });
    await h.page.getByRole('button', { name: 'Sign out' }).click();
    await h.page.waitForURL(/\/login$/);
    expect((await h.context.cookies()).some((c) => c.name === 'taskgate_session')).toBe(false);

    // no-store keeps the signed-in page out of the back/forward cache: going back refetches it.
    await h.page.goBack();
    await h.page.waitForLoadState();
    expect(new URL(h.page.url()).pathname).toBe('/login');
    expect(await h.page.locator('main').textContent()).not.toContain('alan@example.com');

    await h.context.addCookies([{ ...session!, name: 'taskgate_session' }]);
    await h.page.goto(`${h.server.url}/admin`);
    expect(new URL(h.page.url()).pathname).toBe('/login');
    expect(await h.page.locator('main').textContent()).not.toContain('alan@example.com');
  });

  it('signs in with a one-time login link, once', async () => {
    const link = await h.server.app.signIn.createLoginLink({ workspace: 'demo', email: 'grace@example.com' });
    const url = `${h.server.url}/login/link?token=${link.token}`;
    await h.page.goto(url);
    await h.page.getByRole('button', { name: 'Continue' }).click();
    await h.page.waitForURL(/\/admin$/);
    expect(await h.page.locator('main').textContent()).toContain('grace@example.com');

    const other = await (await newContext(h.browser)).newPage();
    await other.goto(url);
    await other.getByRole('button', { name: 'Continue' }).click();
    await other.waitForLoadState();
    expect(await other.getByRole('alert').textContent()).toMatch(/invalid, expired or already used/);
    await other.context().close();
  });
});

describe('browser attacks', () => {
  it('cannot be framed by another site (clickjacking)', async () => {
    await h.page.setContent(`<iframe src="${h.server.url}/login" width="600" height="400"></iframe>`);
    await h.page.waitForTimeout(500);
    const frame = h.page.frames().find((f) => f !== h.page.mainFrame());
    const inputs = frame ? await frame.locator('input[name=email]').count() : 0;
    expect(inputs).toBe(0);
    const response = await h.page.request.get(`${h.server.url}/login`);
    expect(response.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(response.headers()['x-frame-options']).toBe('DENY');
  });

  it('refuses a cross-site form that posts sign-out or a login (CSRF)', async () => {
    await signIn('alan@example.com', password);
    // An attacker's page on another origin (a data: URL) auto-submitting forms to us.
    for (const form of [
      `<form method="post" action="${h.server.url}/logout"></form>`,
      `<form method="post" action="${h.server.url}/login"><input name="email" value="alan@example.com"><input name="password" value="${password}"></form>`,
    ]) {
      const attacker = await h.context.newPage();
      await attacker.goto(`data:text/html,${encodeURIComponent(form)}`);
      const [response] = await Promise.all([
        attacker.waitForResponse((r) => r.url().startsWith(h.server.url)),
        attacker.locator('form').evaluate((form) => (form as unknown as { submit(): void }).submit()),
      ]);
      expect(response.status()).toBe(403);
      await attacker.close();
    }
    await h.page.goto(`${h.server.url}/admin`);
    expect(new URL(h.page.url()).pathname).toBe('/admin');
  });

  it('refuses a same-site POST to /logout that lacks the session token', async () => {
    await signIn('alan@example.com', password);
    const response = await h.page.request.post(`${h.server.url}/logout`, {
      form: {},
      headers: { origin: h.server.url },
    });
    expect(response.status()).toBe(403);
    await h.page.goto(`${h.server.url}/admin`);
    expect(new URL(h.page.url()).pathname).toBe('/admin');
  });

  it('stops password guessing after 5 failures, even for the right password', async () => {
    for (let i = 0; i < 5; i++) await signIn('alan@example.com', newPassword());
    await signIn('alan@example.com', password);
    expect(new URL(h.page.url()).pathname).toBe('/login');
    expect(await h.page.getByRole('alert').textContent()).toBe(SIGN_IN_THROTTLED_MESSAGE);
  });

  it('does not follow next=//evil.example after sign-in (open redirect)', async () => {
    await signIn('alan@example.com', password, '/login?next=//evil.example');
    expect(new URL(h.page.url()).origin).toBe(h.server.url);
    expect(new URL(h.page.url()).pathname).toBe('/admin');
  });

  it('returns to a same-site next page after sign-in', async () => {
    await h.page.goto(`${h.server.url}/admin`);
    expect(h.page.url()).toBe(`${h.server.url}/login?next=%2Fadmin`);
    await h.page.getByLabel('Email').fill('alan@example.com');
    await h.page.getByLabel('Password').fill(password);
    await h.page.getByRole('button', { name: 'Sign in' }).click();
    await h.page.waitForURL(/\/admin$/);
  });
});
