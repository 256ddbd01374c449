/**
 * The harness every console browser test shares: one chromium per file, and per test a fresh
 * server, browser context and page, closed again after it. `useConsoleBrowser()` registers the
 * vitest hooks; the file reads `h.page`, `h.server`… inside its tests (they change per test).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { launchBrowser, newContext } from './browser.js';
import { startTestServer, type TestServer, type TestServerOptions } from './mcp-server.js';
import { givePassword, signInOverHttp } from './sign-in.js';

export interface ConsoleBrowserOptions {
  /** Passed to startTestServer before each test. */
  readonly server?: TestServerOptions;
  /** Seeds the fresh server before the page opens (runs inside beforeEach). */
  readonly setUp?: (server: TestServer) => Promise<void>;
  /** Closes what the file opened itself, before the context and the server close. */
  readonly tearDown?: () => Promise<unknown>;
}

export interface ConsoleBrowser {
  readonly browser: Browser;
  readonly server: TestServer;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Closes this test's server and starts another (e.g. on another store) in its place. */
  restartServer(options?: TestServerOptions): Promise<TestServer>;
  /** Closes this test's context and opens another with these options (e.g. without script). */
  reopenPage(options: Parameters<Browser['newContext']>[0]): Promise<Page>;
  /**
   * Gives the member a fresh password, signs in with it by posting /login's form, and opens
   * `next` (default /admin) with the session; returns the password.
   */
  signIn(email: string, options?: { readonly next?: string }): Promise<string>;
  /** Fills and submits the sign-in form at `path` with the given password; waits for the load. */
  submitSignIn(email: string, password: string, path?: string): Promise<void>;
}

export function useConsoleBrowser(options: ConsoleBrowserOptions = {}): ConsoleBrowser {
  let browser: Browser | undefined;
  let server: TestServer | undefined;
  let context: BrowserContext | undefined;
  let page: Page | undefined;

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => browser?.close());
  beforeEach(async () => {
    server = await startTestServer(options.server);
    await options.setUp?.(server);
    context = await newContext(h.browser);
    page = await context.newPage();
  });
  afterEach(async () => {
    await options.tearDown?.();
    await context?.close();
    await server?.close();
  });

  const fillSignIn = async (email: string, password: string, path: string) => {
    await h.page.goto(`${h.server.url}${path}`);
    await h.page.getByLabel('Email').fill(email);
    await h.page.getByLabel('Password').fill(password);
    await h.page.getByRole('button', { name: 'Sign in' }).click();
  };

  const h: ConsoleBrowser = {
    get browser() {
      return defined(browser, 'browser');
    },
    get server() {
      return defined(server, 'server');
    },
    get context() {
      return defined(context, 'context');
    },
    get page() {
      return defined(page, 'page');
    },
    async restartServer(serverOptions) {
      await h.server.close();
      server = await startTestServer(serverOptions);
      return server;
    },
    async reopenPage(contextOptions) {
      await h.context.close();
      context = await h.browser.newContext(contextOptions);
      page = await context.newPage();
      return page;
    },
    async signIn(email, signInOptions = {}) {
      // The real form post over HTTP, its session cookie handed to the browser: the form in
      // the browser is sign-in.browser.test.ts's subject (submitSignIn), and skipping its
      // page loads saves ~0.8 s a test on these machines.
      const password = await givePassword(h.server, email);
      const { session } = await signInOverHttp(h.server, email, password);
      if (!session) throw new Error(`${email} could not sign in`);
      const cookie = setCookieOf(session.header);
      await h.context.addCookies([{ ...cookie, url: h.server.url }]);
      await h.page.goto(`${h.server.url}${signInOptions.next ?? '/admin'}`);
      return password;
    },
    async submitSignIn(email, password, path = '/login') {
      await fillSignIn(email, password, path);
      await h.page.waitForLoadState();
    },
  };
  return h;
}

/** A Set-Cookie header as playwright's addCookies takes it (name, value and its flags). */
function setCookieOf(header: string) {
  const [pair = '', ...flags] = header.split(';').map((part) => part.trim());
  const eq = pair.indexOf('=');
  const flag = (name: string) => flags.find((f) => f.toLowerCase().startsWith(name.toLowerCase()));
  const sameSite = flag('SameSite=')?.split('=')[1];
  return {
    name: pair.slice(0, eq),
    value: pair.slice(eq + 1),
    httpOnly: flag('HttpOnly') !== undefined,
    secure: flag('Secure') !== undefined,
    ...(sameSite && {
      sameSite: (sameSite[0]!.toUpperCase() + sameSite.slice(1).toLowerCase()) as 'Lax' | 'Strict' | 'None',
    }),
  };
}

function defined<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`the console browser's ${name} is used outside a test`);
  return value;
}
