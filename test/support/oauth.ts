/**
 * Driving our authorization server over plain HTTP (no browser, redirects not followed) so
 * each attack test controls exactly what is sent: PKCE pairs, dynamic registration, the
 * authorization request with a signed-in member's consent, and the token endpoint.
 */
import { createHash, randomBytes } from 'node:crypto';
import { post, type TestServer } from './mcp-server.js';
import { givePassword, signInOverHttp } from './sign-in.js';

export const pkcePair = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

/** A cookie jar: Set-Cookie in, Cookie header out (deletions honoured). */
export class CookieJar {
  private readonly cookies = new Map<string, string>();
  constructor(initial?: string) {
    for (const pair of initial?.split(/;\s*/) ?? []) this.put(pair);
  }
  private put(pair: string) {
    const eq = pair.indexOf('=');
    if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1));
  }
  take(response: Response): Response {
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const expired = /expires=Thu, 01 Jan 1970/i.test(header) || /max-age=0/i.test(header);
      const name = pair!.slice(0, pair!.indexOf('=')).trim();
      if (expired) this.cookies.delete(name);
      else this.put(pair!);
    }
    return response;
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

export async function registerClient(
  server: TestServer,
  metadata: Record<string, unknown> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'Attack test client',
      redirect_uris: ['http://127.0.0.1:7777/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...metadata,
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export interface AuthorizeParams {
  readonly clientId: string;
  readonly redirectUri: string;
  /** `null` leaves `scope` out of the request (RFC 6749 §3.3 allows it). */
  readonly scope?: string | null;
  readonly challenge?: string;
  readonly method?: string;
  readonly resource?: string;
  readonly state?: string;
  /** `consent` is what keeps `offline_access` (a refresh token) in the request. */
  readonly prompt?: string;
}

export function authorizeUrl(server: TestServer, p: AuthorizeParams): string {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: p.clientId,
    redirect_uri: p.redirectUri,
    ...(p.scope !== null && { scope: p.scope ?? 'projects:read tasks:read offline_access' }),
    state: p.state ?? 'st-1',
    ...(p.challenge !== undefined && { code_challenge: p.challenge }),
    ...(p.challenge !== undefined && { code_challenge_method: p.method ?? 'S256' }),
    ...(p.resource !== undefined && { resource: p.resource }),
    ...(p.prompt !== undefined && { prompt: p.prompt }),
  });
  // As the MCP SDK does: oidc-provider honours offline_access (a refresh token) only with
  // prompt=consent, and every authorization shows our consent page anyway.
  if (query.get('scope')?.split(' ').includes('offline_access')) query.set('prompt', 'consent');
  return `${server.url}/oauth/authorize?${query}`;
}

/** A member signed in over HTTP, as a cookie jar holding the session. */
export async function memberJar(server: TestServer, email = 'alan@example.com'): Promise<CookieJar> {
  const password = await givePassword(server, email);
  const { cookie } = await signInOverHttp(server, email, password);
  if (!cookie) throw new Error('sign-in failed');
  return new CookieJar(cookie);
}

export interface Authorized {
  /** Where the server sent the browser in the end (the client's redirect URI, or an error page). */
  readonly final: Response;
  readonly location: URL | null;
  readonly code: string | null;
  /** The consent page as the member saw it (null when the server never showed one). */
  readonly page: string | null;
}

/** What the member picks on the consent page besides the scopes (default: every project, not read-only). */
export interface ConsentChoice {
  /** Project ids for "only these projects". */
  readonly projects?: readonly string[];
  readonly readOnly?: boolean;
}

/**
 * The whole front channel: the authorization request, our consent page (granting `grant`
 * scopes, default all asked), and the resume that redirects to the client with a code.
 */
export async function authorize(
  server: TestServer,
  jar: CookieJar,
  params: AuthorizeParams,
  grant?: readonly string[],
  choice: ConsentChoice = {},
): Promise<Authorized> {
  const get = async (url: string) =>
    jar.take(
      await fetch(new URL(url, server.url), { redirect: 'manual', headers: { cookie: jar.header() } }),
    );
  let response = await get(authorizeUrl(server, params));
  const consentPath = response.headers.get('location');
  if (response.status !== 303 || !consentPath?.startsWith('/oauth/consent/')) {
    return { final: response, location: locationOf(response), code: null, page: null };
  }
  const page = await (await get(consentPath)).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
  if (!csrf) throw new Error(`no consent form: ${page.slice(0, 300)}`);
  const asked = [...page.matchAll(/name="scope" value="([^"]+)"/g)].map((m) => m[1]!);
  const form = new URLSearchParams({ csrf, decision: 'allow', projects: choice.projects ? 'chosen' : 'all' });
  for (const scope of grant ?? asked) form.append('scope', scope);
  for (const project of choice.projects ?? []) form.append('project', project);
  if (choice.readOnly) form.append('read_only', '1');
  response = jar.take(
    await fetch(new URL(consentPath, server.url), {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: server.url,
        cookie: jar.header(),
      },
      body: form.toString(),
    }),
  );
  for (let hops = 0; hops < 5 && response.status >= 300 && response.status < 400; hops++) {
    const next = locationOf(response)!;
    if (next.origin !== new URL(server.url).origin) {
      return { final: response, location: next, code: next.searchParams.get('code'), page };
    }
    response = await get(next.href);
  }
  return { final: response, location: null, code: null, page };
}

const locationOf = (response: Response) => {
  const location = response.headers.get('location');
  return location ? new URL(location, 'http://relative.invalid') : null;
};

export async function tokenRequest(server: TestServer, fields: Record<string, string>) {
  const response = await fetch(`${server.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

/**
 * A registered client, a member's consent and the code exchanged: tokens ready to use (a
 * refresh token too when `offline_access` is asked: the request says `prompt=consent`).
 */
export async function connectOverHttp(
  server: TestServer,
  scope = 'projects:read tasks:read offline_access',
  choice: ConsentChoice = {},
) {
  const redirectUri = 'http://127.0.0.1:7777/callback';
  const { body } = await registerClient(server, { redirect_uris: [redirectUri] });
  const clientId = body.client_id as string;
  const jar = await memberJar(server);
  const { verifier, challenge } = pkcePair();
  const { code } = await authorize(
    server,
    jar,
    { clientId, redirectUri, challenge, scope, prompt: 'consent' },
    undefined,
    choice,
  );
  if (!code) throw new Error('no authorization code');
  const tokens = await tokenRequest(server, {
    grant_type: 'authorization_code',
    code,
    client_id: clientId,
    redirect_uri: redirectUri,
    code_verifier: verifier,
  });
  return { clientId, redirectUri, code, verifier, jar, tokens: tokens.body, status: tokens.status };
}

/** Audit events of the demo workspace and the workspace-less ones (registrations, refusals). */
export async function auditEvents(server: TestServer) {
  const demo = await server.app.store.workspaces.findBySlug('demo');
  return [
    ...(await server.app.store.audit.list(demo!.id, { limit: 500 })),
    ...(await server.app.store.audit.list(null, { limit: 500 })),
  ];
}

/** oidc-provider's live rows of one model (`AuthorizationCode`, `RefreshToken`, `Grant`, `Interaction`…). */
export const oauthRows = (server: TestServer, model: string) =>
  server.app.store.oauthModels.list(model, server.clock.now().toISOString());

/** The demo workspace's OAuth connections, live or revoked. */
export async function connectionsOf(server: TestServer) {
  const demo = await server.app.store.workspaces.findBySlug('demo');
  return server.app.connections.list(demo!.id);
}

/** A raw `whoami` tool call on /mcp with `token` as the bearer (`path` to add a query string). */
export function callWhoami(server: TestServer, token: string, path = '/mcp') {
  return post(
    server,
    JSON.stringify({
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: 'whoami', arguments: {} },
    }),
    { authorization: `Bearer ${token}` },
    path,
  );
}

/** A refresh-token grant for a public client. */
export const refresh = (
  server: TestServer,
  clientId: string,
  refreshToken: string,
  extra: Record<string, string> = {},
) =>
  tokenRequest(server, {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: clientId,
    ...extra,
  });
