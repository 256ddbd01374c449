/**
 * The sign-in pages over HTTP, one attack per test: login CSRF, cross-site sign-out, foreign
 * origins, open redirects, clickjacking and caching (headers), stored XSS, and a session
 * cookie replayed against /mcp.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SIGN_IN_FAILED_MESSAGE } from '../../src/credentials/index.js';
import { initializeBody, post, startTestServer, type TestServer } from '../support/mcp-server.js';
import {
  cookiesOf,
  csrfOfSession,
  getLoginForm,
  givePassword,
  postForm,
  signInOverHttp,
} from '../support/sign-in.js';

let server: TestServer;
let password: string;
beforeEach(async () => {
  server = await startTestServer();
  password = await givePassword(server);
});
afterEach(async () => server.close());

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

describe('headers and cookies', () => {
  it('serves every page with a strict CSP, unframeable and never cached', async () => {
    for (const path of ['/login', '/admin', '/admin/assets/app.css']) {
      const response = await fetch(`${server.url}${path}`, { redirect: 'manual' });
      expect(response.headers.get('content-security-policy'), path).toBe(CSP);
      expect(response.headers.get('x-frame-options'), path).toBe('DENY');
      expect(response.headers.get('cache-control'), path).toBe('no-store');
      expect(response.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(response.headers.get('cross-origin-opener-policy'), path).toBe('same-origin');
    }
  });

  it('serves the stylesheet from its own origin as CSS, and no inline style or script', async () => {
    const css = await fetch(`${server.url}/admin/assets/app.css`);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    const page = await (await fetch(`${server.url}/login`)).text();
    expect(page).toContain('<link rel="stylesheet" href="/admin/assets/app.css">');
    // The one script is a file from our origin (console-script.ts), empty-bodied in the page.
    expect(page.match(/<script[^>]*>/gi)).toEqual([
      expect.stringMatching(
        /^<script src="\/admin\/assets\/console-[\w-]{16}\.js" integrity="sha384-[\w+/=]+" defer>$/,
      ),
    ]);
    expect(page).toMatch(/<script [^>]*><\/script>/);
    expect(page).not.toMatch(/<style|style=/i);
  });

  it('sets an HttpOnly, SameSite=Lax, host-only session cookie on sign-in over http', async () => {
    const { response, session } = await signInOverHttp(server, 'alan@example.com', password);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/admin');
    const attributes = session!.header.split(';').map((part) => part.trim().toLowerCase());
    expect(attributes).toEqual(expect.arrayContaining(['httponly', 'samesite=lax', 'path=/']));
    expect(attributes.some((a) => a.startsWith('domain'))).toBe(false);
    expect(attributes).not.toContain('secure');
  });

  it('shows who is signed in on /admin and sends others to /login with next', async () => {
    const { cookie } = await signInOverHttp(server, 'alan@example.com', password);
    const home = await fetch(`${server.url}/admin`, { headers: { cookie: cookie! } });
    expect(await home.text()).toContain('alan@example.com');
    const anonymous = await fetch(`${server.url}/admin`, { redirect: 'manual' });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/login?next=%2Fadmin');
  });
});

describe('login CSRF and foreign origins', () => {
  it('refuses a login POST without the form token and sets no session', async () => {
    const response = await postForm(server, '/login', {
      email: 'alan@example.com',
      password,
      workspace: 'demo',
    });
    expect(response.status).toBe(403);
    expect(cookiesOf(response).has('taskgate_session')).toBe(false);
  });

  it('refuses a login token bound to another browser nonce (an attacker-made form)', async () => {
    const attacker = await getLoginForm(server);
    const victim = await getLoginForm(server);
    const response = await postForm(
      server,
      '/login',
      { csrf: attacker.csrf, email: 'alan@example.com', password, workspace: 'demo' },
      { cookie: victim.cookie },
    );
    expect(response.status).toBe(403);
  });

  it('refuses a login POST from a foreign Origin even with a valid token', async () => {
    const form = await getLoginForm(server);
    const response = await postForm(
      server,
      '/login',
      { csrf: form.csrf, email: 'alan@example.com', password, workspace: 'demo' },
      { cookie: form.cookie, origin: 'https://evil.example' },
    );
    expect(response.status).toBe(403);
    expect(cookiesOf(response).has('taskgate_session')).toBe(false);
  });

  it('refuses a sign-out without the session CSRF token, or from another origin', async () => {
    const { cookie } = await signInOverHttp(server, 'alan@example.com', password);
    const csrf = await csrfOfSession(server, cookie!);
    expect((await postForm(server, '/logout', {}, { cookie: cookie! })).status).toBe(403);
    expect((await postForm(server, '/logout', { csrf: `${csrf}x` }, { cookie: cookie! })).status).toBe(403);
    const foreign = await postForm(
      server,
      '/logout',
      { csrf },
      { cookie: cookie!, origin: 'https://evil.example' },
    );
    expect(foreign.status).toBe(403);
    expect(
      (await fetch(`${server.url}/admin`, { headers: { cookie: cookie! }, redirect: 'manual' })).status,
    ).toBe(200);
    const done = await postForm(server, '/logout', { csrf }, { cookie: cookie! });
    expect(done.status).toBe(303);
    expect(cookiesOf(done).get('taskgate_session')?.header).toMatch(/Max-Age=0/i);
  });

  it('answers a wrong password with the generic message and status 401', async () => {
    const { response, session } = await signInOverHttp(server, 'alan@example.com', `${password}x`);
    expect(response.status).toBe(401);
    expect(await response.text()).toContain(SIGN_IN_FAILED_MESSAGE);
    expect(session).toBeUndefined();
  });
});

describe('open redirects', () => {
  for (const next of [
    '//evil.example',
    '/\\evil.example',
    'https://evil.example/',
    '/\t/evil.example',
    'javascript:alert(1)',
  ]) {
    it(`does not follow next=${JSON.stringify(next)} after sign-in`, async () => {
      const { response } = await signInOverHttp(server, 'alan@example.com', password, { next });
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/admin');
    });
  }

  // The known bypasses of a filter that checks the text and returns the normalised path.
  const BYPASSES = [
    '/..//evil.example/x',
    '/%2e%2e//evil.example/x',
    '/.//evil.example',
    '/%2f%2fevil.example',
    '/%5c%5cevil.example',
    '/%09/evil.example',
  ];

  for (const next of BYPASSES) {
    it(`does not redirect a signed-in member to another host through next=${JSON.stringify(next)}`, async () => {
      const { cookie } = await signInOverHttp(server, 'alan@example.com', password);
      const response = await fetch(`${server.url}/login?next=${encodeURIComponent(next)}`, {
        headers: { cookie: cookie! },
        redirect: 'manual',
      });
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/admin');
    });
  }

  it('does not carry a normalised bypass into the sign-in form or its redirect', async () => {
    const form = await getLoginForm(server, `?next=${encodeURIComponent('/..//evil.example/x')}`);
    expect(form.csrf).toBeTruthy();
    const page = await (
      await fetch(`${server.url}/login?next=${encodeURIComponent('/..//evil.example/x')}`)
    ).text();
    expect(page).not.toContain('evil.example');
    const { response } = await signInOverHttp(server, 'alan@example.com', password, {
      next: '/..//evil.example/x',
    });
    expect(response.headers.get('location')).toBe('/admin');
  });

  it('follows a same-site path in next', async () => {
    const { response } = await signInOverHttp(server, 'alan@example.com', password, { next: '/admin?tab=1' });
    expect(response.headers.get('location')).toBe('/admin?tab=1');
  });
});

describe('cross-surface attacks', () => {
  it('refuses /mcp with 401 when a request carries only a valid session cookie', async () => {
    const { cookie } = await signInOverHttp(server, 'alan@example.com', password);
    const response = await post(server, initializeBody, { cookie: cookie! });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { reason: string } }).error.reason).toBe('missing');
  });

  it('escapes a member name that carries markup (stored XSS)', async () => {
    const pw = await givePassword(server, 'grace@example.com');
    await server.app.memberAccounts.add({
      workspace: 'demo',
      email: 'mallory@example.com',
      name: '<script>alert(1)</script>',
      role: 'member',
      password: pw,
    });
    const { cookie } = await signInOverHttp(server, 'mallory@example.com', pw);
    const page = await (await fetch(`${server.url}/admin`, { headers: { cookie: cookie! } })).text();
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toContain('<script>');
  });
});
