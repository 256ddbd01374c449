/**
 * The console in a real browser (chromium): every page checked with axe-core, the navigation
 * each role sees, the freeze banner, sudo mode and the "sign out everywhere" action end to end.
 */
import { describe, expect, it } from 'vitest';
import { SIGN_OUT_EVERYWHERE_PATH } from '../../src/admin-ui/index.js';
import { axeViolations, expectAccessible } from '../support/axe.js';
import { useConsoleBrowser } from '../support/console-browser.js';

const h = useConsoleBrowser();

const signIn = (email: string) => h.signIn(email);

const navLinks = async () => h.page.locator('header nav a').allTextContents();

describe('accessibility (axe-core)', () => {
  it('bites: reports an image without alt text and an unlabelled input', async () => {
    await h.page.setContent(
      '<html lang="en"><title>t</title><main><img src="x.png"><input name="q"></main></html>',
    );
    const ids = (await axeViolations(h.page)).map((v) => v.id);
    expect(ids).toEqual(expect.arrayContaining(['image-alt', 'label']));
  });

  it('finds no violation on the sign-in page, with and without an error', async () => {
    await h.page.goto(`${h.server.url}/login`);
    await expectAccessible(h.page, '/login');
    await h.page.getByLabel('Email').fill('nobody@example.com');
    await h.page.getByLabel('Password').fill('wrong password');
    await h.page.getByRole('button', { name: 'Sign in' }).click();
    await h.page.waitForLoadState();
    await expectAccessible(h.page, '/login with an error');
  });

  it('finds no violation on the overview, approvals, the 404 and the login-link page', async () => {
    await signIn('grace@example.com');
    for (const path of ['/admin', '/admin/approvals', '/admin/nope']) {
      await h.page.goto(`${h.server.url}${path}`);
      await expectAccessible(h.page, path);
    }
    await h.page.goto(`${h.server.url}/login/link?token=x`);
    await expectAccessible(h.page, '/login/link');
  });

  it('finds no violation on the sudo page, the action form with an error, and its result', async () => {
    const password = await signIn('alan@example.com');
    h.server.clock.advance(11 * 60_000);
    await h.page.goto(`${h.server.url}${SIGN_OUT_EVERYWHERE_PATH}`);
    await h.page.waitForURL(/\/admin\/sudo\?next=/);
    await expectAccessible(h.page, 'sudo');
    await h.page.getByLabel('Password').fill(password);
    await h.page.getByRole('button', { name: 'Confirm password' }).click();
    await h.page.waitForURL(new RegExp(`${SIGN_OUT_EVERYWHERE_PATH}$`));
    await expectAccessible(h.page, 'sign out everywhere');
    await h.page.getByLabel(/to confirm/).fill('nope');
    await h.page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await h.page.waitForLoadState();
    expect(await h.page.locator('#confirm-error').textContent()).toContain('to confirm');
    await expectAccessible(h.page, 'sign out everywhere with an error');
    await h.page.getByLabel(/to confirm/).fill('sign out everywhere');
    await h.page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await h.page.waitForLoadState();
    expect(await h.page.locator('h1').textContent()).toBe('Signed out everywhere');
    await expectAccessible(h.page, 'signed out everywhere');
    await h.page.goto(`${h.server.url}/admin`);
    expect(new URL(h.page.url()).pathname).toBe('/login');
  });

  it('finds no violation with the freeze banner on', async () => {
    await h.server.app.policy.freeze('demo', { by: null, reason: 'incident 7' });
    await signIn('ada@example.com');
    await expectAccessible(h.page, '/admin frozen');
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
      'Alerts',
      'Approvals',
      'Members',
      'Policy',
      'Notifications',
    ]);
    expect(await h.page.locator('header nav').textContent()).toContain('Integrations');
    expect(await h.page.locator('header nav a[aria-current="page"]').textContent()).toBe('Overview');
  });

  it('shows a viewer only what a viewer may see', async () => {
    await signIn('katherine@example.com');
    expect(await navLinks()).toEqual(['Overview', 'API keys', 'Connections', 'Approvals']);
  });

  it('shows the freeze banner on every page while the workspace is frozen, and not after', async () => {
    await h.server.app.policy.freeze('demo', { by: null, reason: 'incident 7' });
    await signIn('alan@example.com');
    for (const path of ['/admin', '/admin/approvals', '/admin/nope', SIGN_OUT_EVERYWHERE_PATH]) {
      await h.page.goto(`${h.server.url}${path}`);
      expect(await h.page.locator('.freeze').textContent(), path).toContain('This workspace is frozen');
      expect(await h.page.locator('.freeze').textContent(), path).toContain('incident 7');
    }
    await h.server.app.policy.unfreeze('demo', null);
    await h.page.goto(`${h.server.url}/admin`);
    expect(await h.page.locator('.freeze').count()).toBe(0);
  });

  it('shows times as minutes with a zone, the exact UTC value in datetime and title', async () => {
    await signIn('alan@example.com');
    const time = h.page.locator('time').first();
    // In the browser's zone (the console script; local-time.browser.test.ts), or UTC without it.
    expect(await time.textContent()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} \S+$/);
    expect(await time.getAttribute('datetime')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(await time.getAttribute('title')).toMatch(/Z \(UTC\)$/);
  });

  it('cannot be framed by another site (clickjacking on the action page)', async () => {
    await signIn('alan@example.com');
    await h.page.setContent(
      `<iframe src="${h.server.url}${SIGN_OUT_EVERYWHERE_PATH}" width="600" height="400"></iframe>`,
    );
    await h.page.waitForTimeout(500);
    const frame = h.page.frames().find((f) => f !== h.page.mainFrame());
    const inputs = frame ? await frame.locator('input[name=confirm]').count() : 0;
    expect(inputs).toBe(0);
  });
});
