/**
 * Driving the sign-in pages over plain HTTP (fetch, no redirects followed): fetch the login
 * form, post it, and carry cookies by hand so each test controls exactly what is sent.
 */
import { cryptoRandom } from '../../src/core/index.js';
import type { TestServer } from './mcp-server.js';

export const newPassword = () => `test pass ${Buffer.from(cryptoRandom.bytes(12)).toString('base64url')}`;

/** Gives a demo member a fresh password and returns it. */
export async function givePassword(server: TestServer, email = 'alan@example.com'): Promise<string> {
  const password = newPassword();
  await server.app.memberAccounts.setPassword({ workspace: 'demo', email, password });
  return password;
}

/** `name=value` pairs from Set-Cookie headers, by cookie name. */
export function cookiesOf(response: Response): Map<string, { value: string; header: string }> {
  const out = new Map<string, { value: string; header: string }>();
  for (const header of response.headers.getSetCookie()) {
    const [pair] = header.split(';');
    const eq = pair!.indexOf('=');
    out.set(pair!.slice(0, eq).trim(), { value: pair!.slice(eq + 1), header });
  }
  return out;
}

export interface LoginForm {
  readonly csrf: string;
  /** The pre-session nonce cookie the form's token is bound to, as a Cookie header pair. */
  readonly cookie: string;
}

export async function getLoginForm(server: TestServer, query = ''): Promise<LoginForm> {
  const response = await fetch(`${server.url}/login${query}`, { redirect: 'manual' });
  const page = await response.text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
  const nonce = cookiesOf(response).get('taskgate_login');
  if (!csrf || !nonce) throw new Error('login form without token or nonce cookie');
  return { csrf, cookie: `taskgate_login=${nonce.value}` };
}

export interface PostOptions {
  readonly cookie?: string;
  readonly origin?: string | null;
}

export function postForm(
  server: TestServer,
  path: string,
  fields: Record<string, string>,
  options: PostOptions = {},
): Promise<Response> {
  const origin = options.origin === undefined ? server.url : options.origin;
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(origin !== null && { origin }),
      ...(options.cookie && { cookie: options.cookie }),
    },
    body: new URLSearchParams(fields).toString(),
  });
}

/** Signs in through the form; returns the session cookie pair and the response. */
export async function signInOverHttp(
  server: TestServer,
  email: string,
  password: string,
  extra: Record<string, string> = {},
) {
  const form = await getLoginForm(server);
  const response = await postForm(
    server,
    '/login',
    { csrf: form.csrf, email, password, workspace: 'demo', ...extra },
    { cookie: form.cookie },
  );
  const session = cookiesOf(response).get('taskgate_session');
  return { response, session, cookie: session ? `taskgate_session=${session.value}` : undefined };
}

/** The session's CSRF token, read from the sign-out form of /admin. */
export async function csrfOfSession(server: TestServer, cookie: string): Promise<string> {
  const page = await (await fetch(`${server.url}/admin`, { headers: { cookie } })).text();
  const token = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
  if (!token) throw new Error('no CSRF token on /admin');
  return token;
}
