/**
 * The console's foundation over HTTP, one attack per test: sudo mode (an old sign-in is asked
 * for the password again; a wrong one is refused and throttled; the return path is never an
 * open redirect), the action pattern on "sign out everywhere" (CSRF from a foreign page or
 * without the token, bad input glued to other characters, framing), and the HTML 404.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SIGN_OUT_EVERYWHERE_PATH, SUDO_PATH } from '../../src/admin-ui/index.js';
import { startTestServer, type TestServer } from '../support/mcp-server.js';
import { cookiesOf, givePassword, postForm, signInOverHttp } from '../support/sign-in.js';

let server: TestServer;
let password: string;
beforeEach(async () => {
  server = await startTestServer();
  password = await givePassword(server);
});
afterEach(async () => server.close());

const ELEVEN_MINUTES = 11 * 60_000;

async function signedIn() {
  const { cookie } = await signInOverHttp(server, 'alan@example.com', password);
  return cookie!;
}

const get = (path: string, cookie?: string) =>
  fetch(`${server.url}${path}`, { redirect: 'manual', ...(cookie && { headers: { cookie } }) });

/** The CSRF token in the page's first form. */
async function csrfOn(path: string, cookie: string): Promise<string> {
  const page = await (await get(path, cookie)).text();
  const token = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
  if (!token) throw new Error(`no CSRF token on ${path}`);
  return token;
}

async function events(action: string) {
  const demo = (await server.app.store.workspaces.findBySlug('demo'))!;
  return server.app.store.audit.list(demo.id, { action, limit: 20 });
}

const isLive = async (cookie: string) => (await get('/admin', cookie)).status === 200;

describe('sudo mode', () => {
  it('lets a fresh sign-in (under ten minutes) reach a sensitive action directly', async () => {
    const cookie = await signedIn();
    server.clock.advance(9 * 60_000);
    const form = await get(SIGN_OUT_EVERYWHERE_PATH, cookie);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('name="confirm"');
  });

  it('asks an older sign-in for the password, then returns to the action with a fresh session', async () => {
    const cookie = await signedIn();
    server.clock.advance(ELEVEN_MINUTES);
    const asked = await get(SIGN_OUT_EVERYWHERE_PATH, cookie);
    expect(asked.status).toBe(303);
    expect(asked.headers.get('location')).toBe(`${SUDO_PATH}?next=%2Fadmin%2Fsign-out-everywhere`);

    const page = await (await get(asked.headers.get('location')!, cookie)).text();
    expect(page).toContain('Confirm your password');
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    const confirmed = await postForm(
      server,
      SUDO_PATH,
      { csrf, password, next: SIGN_OUT_EVERYWHERE_PATH },
      { cookie },
    );
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.get('location')).toBe(SIGN_OUT_EVERYWHERE_PATH);
    const fresh = cookiesOf(confirmed).get('taskgate_session')!;
    const freshCookie = `taskgate_session=${fresh.value}`;
    expect((await get(SIGN_OUT_EVERYWHERE_PATH, freshCookie)).status).toBe(200);
    // The old session was replaced, not kept beside the new one.
    expect(await isLive(cookie)).toBe(false);
    const [event] = await events('session.sudo');
    expect(event).toMatchObject({ outcome: 'ok' });
    expect(event?.memberId).toBeTruthy();
  });

  it('refuses a wrong password (session stolen, password unknown): still asked, nothing elevated', async () => {
    const cookie = await signedIn();
    server.clock.advance(ELEVEN_MINUTES);
    const csrf = await csrfOn(SUDO_PATH, cookie);
    const refused = await postForm(server, SUDO_PATH, { csrf, password: `${password}x` }, { cookie });
    expect(refused.status).toBe(401);
    expect(await refused.text()).toContain('role="alert"');
    expect((await get(SIGN_OUT_EVERYWHERE_PATH, cookie)).status).toBe(303);
    const [event] = await events('session.sudo');
    expect(event).toMatchObject({ outcome: 'denied' });
  });

  it('stops password guessing through the sudo form like the sign-in form (throttled)', async () => {
    const cookie = await signedIn();
    server.clock.advance(ELEVEN_MINUTES);
    const csrf = await csrfOn(SUDO_PATH, cookie);
    for (let i = 0; i < 5; i += 1)
      await postForm(server, SUDO_PATH, { csrf, password: `guess ${i}` }, { cookie });
    const right = await postForm(server, SUDO_PATH, { csrf, password }, { cookie });
    expect(right.status).toBe(429);
    expect(cookiesOf(right).get('taskgate_session')).toBeUndefined();
  });

  it.each(['//evil.example', 'https://evil.example/', '/..//evil.example/x', '/%5c%5cevil.example'])(
    'never returns to %j after confirming (open redirect)',
    async (next) => {
      const cookie = await signedIn();
      server.clock.advance(ELEVEN_MINUTES);
      const page = await (await get(`${SUDO_PATH}?next=${encodeURIComponent(next)}`, cookie)).text();
      expect(page).not.toContain('evil.example');
      const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
      const confirmed = await postForm(server, SUDO_PATH, { csrf, password, next }, { cookie });
      expect(confirmed.status).toBe(303);
      expect(confirmed.headers.get('location')).toBe('/admin');
    },
  );

  it('refuses a confirmation posted without the session token (CSRF) and elevates nothing', async () => {
    const cookie = await signedIn();
    server.clock.advance(ELEVEN_MINUTES);
    const refused = await postForm(server, SUDO_PATH, { password }, { cookie });
    expect(refused.status).toBe(403);
    expect(cookiesOf(refused).get('taskgate_session')).toBeUndefined();
  });
});

describe('the action pattern: sign out everywhere', () => {
  it('ends every session of the member, audited with the member, and says how many', async () => {
    const first = await signedIn();
    const second = await signedIn();
    const csrf = await csrfOn(SIGN_OUT_EVERYWHERE_PATH, second);
    const done = await postForm(
      server,
      SIGN_OUT_EVERYWHERE_PATH,
      { csrf, confirm: 'Sign out everywhere' },
      { cookie: second },
    );
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('2 sessions were ended');
    expect(await isLive(first)).toBe(false);
    expect(await isLive(second)).toBe(false);
    const [event] = await events('member.signed_out_everywhere');
    expect(event).toMatchObject({ outcome: 'ok', detail: expect.objectContaining({ sessions: 2 }) });
    const alan = await server.app.store.members.findByEmail(event!.workspaceId!, 'alan@example.com');
    expect(event?.memberId).toBe(alan?.id);
  });

  it.each(['sign out everywhere\u0000', 'sign out everywhere; drop', 'sign\u202eout everywhere', ''])(
    're-renders the form with the error beside the field for %j and changes nothing',
    async (confirm) => {
      const cookie = await signedIn();
      const csrf = await csrfOn(SIGN_OUT_EVERYWHERE_PATH, cookie);
      const refused = await postForm(server, SIGN_OUT_EVERYWHERE_PATH, { csrf, confirm }, { cookie });
      expect(refused.status).toBe(400);
      const page = await refused.text();
      expect(page).toContain('aria-describedby="confirm-error"');
      expect(page).toMatch(
        /<p class="field-error" id="confirm-error">type “sign out everywhere” to confirm<\/p>/,
      );
      expect(await isLive(cookie)).toBe(true);
      const [event] = await events('member.signed_out_everywhere');
      expect(event).toMatchObject({ outcome: 'denied', errorCode: 'invalid_input' });
    },
  );

  it('refuses the action without the session token (CSRF) and changes nothing', async () => {
    const cookie = await signedIn();
    const refused = await postForm(
      server,
      SIGN_OUT_EVERYWHERE_PATH,
      { confirm: 'sign out everywhere' },
      { cookie },
    );
    expect(refused.status).toBe(403);
    expect(await isLive(cookie)).toBe(true);
  });

  it('refuses the action posted from another site even with the stolen token (CSRF)', async () => {
    const cookie = await signedIn();
    const csrf = await csrfOn(SIGN_OUT_EVERYWHERE_PATH, cookie);
    const refused = await postForm(
      server,
      SIGN_OUT_EVERYWHERE_PATH,
      { csrf, confirm: 'sign out everywhere' },
      { cookie, origin: 'https://evil.example' },
    );
    expect(refused.status).toBe(403);
    expect(await isLive(cookie)).toBe(true);
  });

  it('serves the action page unframeable (clickjacking) and never cached', async () => {
    const cookie = await signedIn();
    const response = await get(SIGN_OUT_EVERYWHERE_PATH, cookie);
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('sends a POST without a session to sign in, and ends nothing', async () => {
    const response = await postForm(server, SIGN_OUT_EVERYWHERE_PATH, { confirm: 'sign out everywhere' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/login');
  });
});

describe('unknown console pages', () => {
  it.each(['/admin/nope', '/admin/keys/123/x', '/admin/assets/missing.js'])(
    'answers %s with the HTML 404 page, not JSON',
    async (path) => {
      const cookie = await signedIn();
      const response = await get(path, cookie);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(await response.text()).toContain('<h1>Page not found</h1>');
    },
  );

  it('keeps JSON for machine paths outside the console', async () => {
    const response = await get('/nope');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/json/);
  });
});
