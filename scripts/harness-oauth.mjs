/**
 * The human side of an OAuth authorization for the harness scripts: a demo member signs in
 * over HTTP (fetch, cookies by hand) and allows what the consent page asks, then the
 * redirect to the client's callback is followed so the client under test receives its code.
 * Nothing here bypasses a check: it posts the same forms a browser would.
 *
 *   const member = await signInMember(server);            // a harness server
 *   const callback = await member.approve(authorizationUrl); // URL the client was sent to
 */
import { randomBytes } from 'node:crypto';

const DEMO_WORKSPACE = 'demo';
const DEMO_MEMBER = 'alan@example.com';

/** Registers a public client by dynamic registration; returns its client_id. */
export async function registerPublicClient(server, redirectUri, name = 'Harness client') {
  const response = await fetch(`${server.url}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: name,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }),
  });
  const body = await response.json();
  if (response.status !== 201 || typeof body.client_id !== 'string')
    throw new Error(`client registration failed: ${response.status} ${JSON.stringify(body)}`);
  return body.client_id;
}

export async function signInMember(server, email = DEMO_MEMBER) {
  const password = `harness ${randomBytes(12).toString('base64url')}`;
  await server.app.memberAccounts.setPassword({ workspace: DEMO_WORKSPACE, email, password });
  const jar = new Map();
  const take = (response) => {
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const name = pair.slice(0, pair.indexOf('=')).trim();
      if (/max-age=0|expires=Thu, 01 Jan 1970/i.test(header)) jar.delete(name);
      else jar.set(name, pair.slice(pair.indexOf('=') + 1));
    }
    return response;
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const get = async (url) =>
    take(await fetch(new URL(url, server.url), { redirect: 'manual', headers: { cookie: cookie() } }));
  const postForm = async (path, form) =>
    take(
      await fetch(new URL(path, server.url), {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: server.url,
          cookie: cookie(),
        },
        body: form.toString(),
      }),
    );

  const login = await get('/login');
  const loginCsrf = /name="csrf" value="([^"]+)"/.exec(await login.text())?.[1];
  if (!loginCsrf) throw new Error('no login form');
  const signedIn = await postForm(
    '/login',
    new URLSearchParams({ csrf: loginCsrf, email, password, workspace: DEMO_WORKSPACE }),
  );
  if (!jar.has('taskgate_session')) throw new Error(`sign-in failed: HTTP ${signedIn.status}`);

  return {
    /**
     * Follows an authorization URL as the signed-in member, allows every scope the consent
     * page offers, and returns the URL the server finally redirects to (the client's
     * callback with `code` or `error`). Throws with the server's answer when it never gets there.
     */
    async approve(authorizationUrl) {
      let response = await get(authorizationUrl);
      for (let hops = 0; hops < 8; hops++) {
        const location = response.headers.get('location');
        if (response.status >= 300 && response.status < 400 && location) {
          const next = new URL(location, server.url);
          if (next.origin !== new URL(server.url).origin) return next;
          response = await get(next.href);
          continue;
        }
        const page = await response.text();
        const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
        if (response.status !== 200 || !csrf || !page.includes('name="decision"'))
          throw new Error(`authorization stopped at HTTP ${response.status}: ${page.slice(0, 300)}`);
        const form = new URLSearchParams({ csrf, decision: 'allow', projects: 'all' });
        for (const [, scope] of page.matchAll(/name="scope" value="([^"]+)"/g)) form.append('scope', scope);
        response = await postForm(new URL(response.url || authorizationUrl).pathname, form);
      }
      throw new Error('authorization did not reach the client callback');
    },
  };
}
