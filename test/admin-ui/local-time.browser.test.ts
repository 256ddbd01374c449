/**
 * The console's one script in chromium, under the real CSP: times shown in the browser's time
 * zone with the UTC value kept in the tooltip, the copy button, and an inline script injected
 * into a page still refused. The copy button and the injection are rendered through the
 * real layout by a test-only app (no page of the product carries them yet).
 */
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { Hono } from 'hono';
import { raw } from 'hono/html';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CONSOLE_SCRIPT_PATH,
  CopyButton,
  renderDocument,
  securityHeaders,
  serveConsoleScript,
  Time,
} from '../../src/admin-ui/index.js';
import { createCryptoRandom } from '../../src/core/index.js';
import { generateApiKey } from '../../src/credentials/index.js';
import { expectAccessible } from '../support/axe.js';
import { launchBrowser } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/mcp-server.js';
import { givePassword } from '../support/sign-in.js';

const INSTANT = '2026-12-05T20:11:42.123Z';
// Minted here, like every secret in the tests: none is ever written into the repository.
const SECRET = generateApiKey('development', createCryptoRandom());

let browser: Browser;
let testApp: ServerType;
let testUrl: string;
const contexts: BrowserContext[] = [];

/** The layout around a time, a field with its copy button, and (on /admin/injected) an XSS. */
function startTestApp(): Promise<void> {
  const app = new Hono();
  app.use('/admin/*', securityHeaders({ cacheable: [CONSOLE_SCRIPT_PATH] }));
  app.get(CONSOLE_SCRIPT_PATH, serveConsoleScript);
  const page = (injected: string) => async () => {
    const body = raw(
      `<p>At ${Time({ iso: INSTANT })}</p>` +
        `<label for="new-key">Your key</label> <input id="new-key" readonly value="${SECRET}">` +
        `${CopyButton({ target: 'new-key', label: 'Copy the key' })}` +
        `<pre id="snippet">{"key": "x"}</pre>${CopyButton({ target: 'snippet', label: 'Copy the snippet' })}` +
        injected,
    );
    return new Response(await renderDocument({ title: 'Test page', children: body }), {
      headers: { 'Content-Type': 'text/html; charset=utf-8' },
    });
  };
  app.get('/admin/page', page(''));
  // As if a stored value had escaped its template: the CSP is the last line.
  app.get(
    '/admin/injected',
    page(
      '<script>window.injected = "inline";</script><img alt="" src="/x.png" onerror="window.injected = \'handler\'">',
    ),
  );
  return new Promise((resolve) => {
    testApp = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      testUrl = `http://127.0.0.1:${info.port}`;
      resolve();
    });
  });
}

beforeAll(async () => {
  browser = await launchBrowser();
  await startTestApp();
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => testApp?.close(resolve));
});
afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
});

async function open(options: Parameters<Browser['newContext']>[0] = {}) {
  const context = await browser.newContext({ javaScriptEnabled: true, ...options });
  contexts.push(context);
  return context.newPage();
}

describe('local time', () => {
  it('shows a time in the browser time zone (Asia/Tokyo) and keeps the UTC value in its title', async () => {
    const page = await open({ timezoneId: 'Asia/Tokyo' });
    await page.goto(`${testUrl}/admin/page`);
    const time = page.locator('time');
    await expect.poll(() => time.textContent()).toBe('2026-12-06 05:11 GMT+9');
    expect(await time.getAttribute('datetime')).toBe(INSTANT);
    expect(await time.getAttribute('title')).toBe(`${INSTANT} (UTC)`);
  });

  it('shows UTC text when the browser runs no script', async () => {
    const page = await open({ timezoneId: 'Asia/Tokyo', javaScriptEnabled: false });
    await page.goto(`${testUrl}/admin/page`);
    expect(await page.locator('time').textContent()).toBe('2026-12-05 20:11 UTC');
    expect(await page.getByRole('button', { name: 'Copy the key' }).count()).toBe(0);
  });

  it('shows a console page of the real server in local time (New York), under its real headers', async () => {
    const server: TestServer = await startTestServer();
    try {
      const page = await open({ timezoneId: 'America/New_York' });
      const password = await givePassword(server, 'alan@example.com');
      await page.goto(`${server.url}/login`);
      await page.getByLabel('Email').fill('alan@example.com');
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/admin$/);
      const time = page.locator('time').first();
      const iso = (await time.getAttribute('datetime'))!;
      // T0 is 2026-11-27 10:00 UTC: 05:00 in New York (EST, UTC-5).
      expect(iso.startsWith('2026-11-27T10:00')).toBe(true);
      await expect.poll(() => time.textContent()).toBe('2026-11-27 05:00 EST');
      expect(await time.getAttribute('title')).toBe(`${iso} (UTC)`);
      await expectAccessible(page, '/admin with local times');
    } finally {
      await server.close();
    }
  });
});

describe('the script file', () => {
  it('is served as JavaScript under a content-named path, cached for good, with the CSP', async () => {
    const response = await fetch(`${testUrl}${CONSOLE_SCRIPT_PATH}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(CONSOLE_SCRIPT_PATH).toMatch(/^\/admin\/assets\/console-[\w-]{16}\.js$/);
    const page = await fetch(`${testUrl}/admin/page`);
    expect(page.headers.get('cache-control')).toBe('no-store');
  });
});

describe('content security policy', () => {
  it('refuses an inline script and an event handler injected into a page, and runs only our file', async () => {
    const page = await open({ timezoneId: 'Asia/Tokyo' });
    const violations: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') violations.push(message.text());
    });
    await page.goto(`${testUrl}/admin/injected`);
    await expect.poll(() => page.locator('time').textContent()).toBe('2026-12-06 05:11 GMT+9');
    expect(await page.evaluate('window.injected')).toBeUndefined();
    expect(violations.some((v) => v.includes('Content Security Policy'))).toBe(true);
  });

  it('refuses an inline script added to the page later', async () => {
    const page = await open();
    await page.goto(`${testUrl}/admin/page`);
    // Page-side code as text: the tests compile without the DOM library.
    const outcome = await page.evaluate(`(async () => {
      const blocked = new Promise((resolve) =>
        document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective), { once: true }),
      );
      const script = document.createElement('script');
      script.textContent = 'window.injected = "later"';
      document.body.append(script);
      return { directive: await blocked, injected: window.injected };
    })()`);
    expect(outcome).toEqual({ directive: expect.stringMatching(/^script-src/), injected: undefined });
  });
});

describe('copy button', () => {
  it('copies an input value and a block of text, and says "Copied" in the live region', async () => {
    const page = await open({ permissions: ['clipboard-read', 'clipboard-write'] });
    await page.goto(`${testUrl}/admin/page`);
    const status = page.getByRole('status');
    await page.getByRole('button', { name: 'Copy the key' }).click();
    await expect.poll(() => status.textContent()).toBe('Copied');
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(SECRET);
    await page.getByRole('button', { name: 'Copy the snippet' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate('navigator.clipboard.readText()')).toBe('{"key": "x"}');
    expect(await status.getAttribute('aria-live')).toBe('polite');
    await expectAccessible(page, 'copy button page');
  });
});
