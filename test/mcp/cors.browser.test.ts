/**
 * CORS in a real browser: a web page on an origin listed in TASKGATE_CORS_ORIGINS calls /mcp
 * with fetch (preflight, bearer key, JSON) and reads the answer and the 401 challenge; a page
 * on an unlisted origin gets nothing (the browser itself refuses after the preflight).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newContext } from '../support/browser.js';
import { type LocalSite, startLocalSite } from '../support/local-site.js';
import { initializeBody, startTestServer, type TestServer } from '../support/mcp-server.js';

let browser: Browser;
let server: TestServer;
let allowedSite: LocalSite;
let otherSite: LocalSite;
let context: BrowserContext;

beforeAll(async () => {
  allowedSite = await startLocalSite();
  otherSite = await startLocalSite();
  server = await startTestServer({ env: { TASKGATE_CORS_ORIGINS: allowedSite.origin } });
  browser = await launchBrowser();
  context = await newContext(browser);
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
  await allowedSite?.close();
  await otherSite?.close();
});

interface Outcome {
  readonly status?: number;
  readonly body?: string;
  readonly wwwAuthenticate?: string | null;
  readonly sessionHeaderVisible?: boolean;
  readonly error?: string;
}

/** Runs fetch(/mcp) inside a page served by `site`, so the browser applies CORS to it. */
async function callFromPage(site: LocalSite, key: string | undefined): Promise<Outcome> {
  const page: Page = await context.newPage();
  try {
    await page.goto(site.servePage('/client.html', '<!doctype html><title>client</title><p>client</p>'));
    return await page.evaluate(
      async ({ url, key, body }) => {
        try {
          const response = await fetch(url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              accept: 'application/json, text/event-stream',
              'mcp-protocol-version': '2025-11-25',
              ...(key && { authorization: `Bearer ${key}` }),
            },
            body,
          });
          return {
            status: response.status,
            body: await response.text(),
            wwwAuthenticate: response.headers.get('www-authenticate'),
          };
        } catch (error) {
          return { error: String(error) };
        }
      },
      { url: server.mcpUrl, key, body: initializeBody },
    );
  } finally {
    await page.close();
  }
}

describe('a browser-based MCP client', () => {
  it('initializes from a page on an allowed origin with a key made for it', async () => {
    const key = await server.issueKey({ name: 'browser-client-allowed' });
    const outcome = await callFromPage(allowedSite, key);
    expect(outcome.error).toBeUndefined();
    expect(outcome.status).toBe(200);
    const message = JSON.parse(outcome.body!) as { result: { serverInfo: { name: string } } };
    expect(message.result.serverInfo.name).toBeTruthy();
    const keys = await server.app.keys.list('demo');
    expect(keys.find((k) => k.name === 'browser-client-allowed')?.lastUsed).not.toBeNull();
  });

  it('reads the 401 challenge (WWW-Authenticate) from an allowed origin to start OAuth', async () => {
    const outcome = await callFromPage(allowedSite, undefined);
    expect(outcome.status).toBe(401);
    expect(outcome.wwwAuthenticate).toMatch(
      /resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource\/mcp"/,
    );
  });

  it('refuses a page on an origin that is not allowed, even with a valid key (the browser blocks the call)', async () => {
    const key = await server.issueKey({ name: 'browser-client-refused' });
    const outcome = await callFromPage(otherSite, key);
    expect(outcome.status).toBeUndefined();
    expect(outcome.error).toMatch(/TypeError: Failed to fetch/);
    // The preflight stopped it: the key was never used.
    const keys = await server.app.keys.list('demo');
    expect(keys.find((k) => k.name === 'browser-client-refused')?.lastUsed).toBeNull();
  });
});
