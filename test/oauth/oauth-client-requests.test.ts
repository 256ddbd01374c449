/**
 * Issue 13 (9, 10): authorization requests as real clients send them, over plain HTTP on a
 * real server. A client registered for the refresh_token grant gets a rotating refresh token
 * without OpenID's `offline_access` + `prompt=consent` (reuse still revokes the family); a
 * request without `scope` gets the 401 challenge's scopes; and once the client and its
 * redirect URI are known, every refusal on the consent path goes back to the client as an
 * OAuth error redirect carrying its `state` — never a bare 400 page.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/mcp-server.js';
import {
  type AuthorizeParams,
  auditEvents,
  authorize,
  type CookieJar,
  callWhoami,
  connectionsOf,
  memberJar,
  oauthRows,
  pkcePair,
  refresh,
  registerClient,
  tokenRequest,
} from '../support/oauth.js';

const redirectUri = 'https://client.example/cb';
let server: TestServer;
let jar: CookieJar;
beforeEach(async () => {
  server = await startTestServer();
  jar = await memberJar(server);
});
afterEach(async () => server?.close());

async function dcrClient(grantTypes = ['authorization_code', 'refresh_token']) {
  const { status, body } = await registerClient(server, {
    redirect_uris: [redirectUri],
    grant_types: grantTypes,
  });
  expect(status).toBe(201);
  return body.client_id as string;
}

/** The front channel, then the code exchanged at the token endpoint. */
async function connect(
  params: Omit<AuthorizeParams, 'challenge' | 'redirectUri'>,
  grant?: readonly string[],
) {
  const { verifier, challenge } = pkcePair();
  const front = await authorize(server, jar, { ...params, redirectUri, challenge }, grant);
  expect(front.code, front.page ?? '').toBeTruthy();
  const tokens = await tokenRequest(server, {
    grant_type: 'authorization_code',
    code: front.code!,
    client_id: params.clientId,
    redirect_uri: redirectUri,
    code_verifier: verifier,
  });
  expect(tokens.status).toBe(200);
  return { page: front.page!, tokens: tokens.body };
}

/** The client got an OAuth error at its redirect URI, with its state, and nothing was granted. */
function expectErrorRedirect(location: URL | null, error: string, state: string) {
  expect(location?.origin + (location?.pathname ?? '')).toBe(redirectUri);
  expect(location?.searchParams.get('error')).toBe(error);
  expect(location?.searchParams.get('state')).toBe(state);
  expect(location?.searchParams.get('iss')).toBe(server.url);
  expect(location?.searchParams.get('code')).toBeNull();
}

const expiry = (accessToken: string) =>
  (JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp;

describe('refresh tokens for clients registered for the refresh_token grant (issue 13, 9)', () => {
  it('without offline_access or prompt=consent: a rotating refresh token that outlives the sign-in', async () => {
    const clientId = await dcrClient();
    const { page, tokens } = await connect({ clientId, scope: 'projects:read tasks:read' });
    expect(page).toContain('It asks to stay connected');
    expect(tokens.refresh_token).toBeTruthy();
    expect(tokens.scope).toBe('projects:read tasks:read');

    // At the access token's expiry, past the 10-minute sign-in session's. oidc-provider stamps
    // tokens with the system time in whole seconds: a second later, the renewed token's expiry
    // is later than this one's.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    server.clock.set(new Date(expiry(tokens.access_token!) * 1000));
    expect((await callWhoami(server, tokens.access_token!)).status).toBe(401);
    const renewed = await refresh(server, clientId, tokens.refresh_token!);
    expect(renewed.status).toBe(200);
    expect(renewed.body.refresh_token).toBeTruthy();
    expect(renewed.body.refresh_token).not.toBe(tokens.refresh_token);
    expect(renewed.body.scope).toBe('projects:read tasks:read');
    expect((await callWhoami(server, renewed.body.access_token!)).status).toBe(200);

    // Reuse detection holds: the rotated-out token coming back revokes the whole family.
    expect((await refresh(server, clientId, tokens.refresh_token!)).status).toBe(400);
    expect((await refresh(server, clientId, renewed.body.refresh_token!)).status).toBe(400);
    expect((await callWhoami(server, renewed.body.access_token!)).status).toBe(401);
    expect((await connectionsOf(server))[0]?.revokedAt).not.toBeNull();
  });

  it('a client not registered for the refresh_token grant gets none, and is not told it stays connected', async () => {
    const clientId = await dcrClient(['authorization_code']);
    const { page, tokens } = await connect({ clientId, scope: 'projects:read tasks:read offline_access' });
    expect(page).not.toContain('stay connected');
    expect(tokens.refresh_token).toBeUndefined();
    expect(await oauthRows(server, 'RefreshToken')).toEqual([]);
  });
});

describe('an authorization request without scope (issue 13, 10)', () => {
  it("gets the 401 challenge's scopes: offered on the consent page and carried by the token", async () => {
    const clientId = await dcrClient();
    const { page, tokens } = await connect({ clientId, scope: null });
    const offered = [...page.matchAll(/name="scope" value="([^"]+)"/g)].map((m) => m[1]);
    expect(offered).toEqual(['projects:read', 'tasks:read']);
    expect(tokens.scope).toBe('projects:read tasks:read');
    expect((await callWhoami(server, tokens.access_token!)).status).toBe(200);
  });

  it('a scope naming none of ours: invalid_scope at the redirect URI, with the state', async () => {
    const clientId = await dcrClient();
    for (const scope of ['offline_access', 'openid profile', 'repo']) {
      const { location, page } = await authorize(server, jar, {
        clientId,
        redirectUri,
        scope,
        challenge: pkcePair().challenge,
        state: `st-${scope}`,
      });
      expect(page).toBeNull(); // no consent page with nothing to tick
      expectErrorRedirect(location, 'invalid_scope', `st-${scope}`);
    }
    expect(await oauthRows(server, 'Interaction')).toEqual([]);
  });
});

describe('refusals on the consent page go back to the client (issue 13, 10)', () => {
  const ask = async (grant: readonly string[], projects?: readonly string[]) => {
    const clientId = await dcrClient();
    const params = { clientId, redirectUri, challenge: pkcePair().challenge, state: 'st-42' };
    return authorize(server, jar, params, grant, projects ? { projects } : {});
  };

  /** Nothing was granted: no code, no grant, no connection. */
  async function expectNothingGranted() {
    expect(await oauthRows(server, 'AuthorizationCode')).toEqual([]);
    expect(await oauthRows(server, 'Grant')).toEqual([]);
    expect(await connectionsOf(server)).toEqual([]);
  }

  it('"Allow" with nothing ticked: access_denied, not a bare 400', async () => {
    const { final, location } = await ask([]);
    expect(final.status).not.toBe(400);
    expectErrorRedirect(location, 'access_denied', 'st-42');
    await expectNothingGranted();
  });

  it('"only these projects" with none chosen: invalid_request naming the problem, audited', async () => {
    const { location } = await ask(['projects:read'], []);
    expectErrorRedirect(location, 'invalid_request', 'st-42');
    expect(location?.searchParams.get('error_description')).toBe(
      'choose at least one project, or every project',
    );
    await expectNothingGranted();
    expect((await auditEvents(server)).find((e) => e.action === 'oauth.consent_refused')).toMatchObject({
      outcome: 'denied',
      errorCode: 'invalid_request',
      workspaceId: expect.stringMatching(/^wsp_/),
    });
  });

  it('a forged form granting a scope the client never asked for: invalid_request', async () => {
    const { location } = await ask(['projects:read', 'audit:read']);
    expectErrorRedirect(location, 'invalid_request', 'st-42');
    expect(location?.searchParams.get('error_description')).toBe('not asked for: audit:read');
    await expectNothingGranted();
  });

  it('a project the member cannot see: invalid_request, nothing granted', async () => {
    const { location } = await ask(['projects:read'], ['prj_not_theirs']);
    expectErrorRedirect(location, 'invalid_request', 'st-42');
    await expectNothingGranted();
  });
});
