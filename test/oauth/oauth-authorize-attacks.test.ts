/**
 * Attacks on the front channel and on client registration: a redirect_uri bent towards the
 * attacker, PKCE left out or weakened, a code presented with the wrong verifier, a resource
 * other than our MCP server, a redirect URI no browser should be sent to, and a flood of
 * registrations. Each is refused with nothing issued: no code, no consent step started, no
 * connection, no token — and where the server records it, the audit log says why.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_REGISTRATION_LIMIT } from '../../src/oauth/index.js';
import { startTestServer, type TestServer } from '../support/mcp-server.js';
import {
  auditEvents,
  authorize,
  authorizeUrl,
  type CookieJar,
  connectionsOf,
  memberJar,
  oauthRows,
  pkcePair,
  registerClient,
  tokenRequest,
} from '../support/oauth.js';

let server: TestServer;
let jar: CookieJar;
beforeEach(async () => {
  server = await startTestServer();
  // The victim is signed in: the attack needs nothing but a click on a crafted link.
  jar = await memberJar(server);
});
afterEach(async () => server?.close());

async function dcrClient(redirectUri: string) {
  const { status, body } = await registerClient(server, { redirect_uris: [redirectUri] });
  expect(status).toBe(201);
  return body.client_id as string;
}

/** Nothing came of the request: no consent step, no code, no grant, no connection. */
async function expectNothingStarted() {
  expect(await oauthRows(server, 'Interaction')).toEqual([]);
  expect(await oauthRows(server, 'AuthorizationCode')).toEqual([]);
  expect(await oauthRows(server, 'Grant')).toEqual([]);
  expect(await connectionsOf(server)).toEqual([]);
}

describe('redirect_uri variants of a registered https://client.example/cb', () => {
  const registered = 'https://client.example/cb';

  it('(control) the exact registered URI starts a consent step', async () => {
    const clientId = await dcrClient(registered);
    const query = authorizeUrl(server, {
      clientId,
      redirectUri: registered,
      challenge: pkcePair().challenge,
    });
    const response = await fetch(query, { redirect: 'manual', headers: { cookie: jar.header() } });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toMatch(/^\/oauth\/consent\//);
    expect(await oauthRows(server, 'Interaction')).toHaveLength(1);
  });
  for (const [attack, variant] of [
    ['trailing slash', 'https://client.example/cb/'],
    ['other path', 'https://client.example/other'],
    ['userinfo @ host', 'https://client.example@evil.example/cb'],
    ['http downgrade', 'http://client.example/cb'],
  ] as const) {
    it(`refuses the ${attack} (${variant}) with an error page, never a redirect`, async () => {
      const clientId = await dcrClient(registered);
      const { challenge } = pkcePair();
      const { final, location, code } = await authorize(server, jar, {
        clientId,
        redirectUri: variant,
        challenge,
      });
      expect(code).toBeNull();
      expect(location).toBeNull();
      expect(final.status).toBe(400);
      expect(final.headers.get('location')).toBeNull();
      const page = await final.text();
      expect(page).toContain('invalid_redirect_uri');
      expect(page).not.toContain('evil.example');
      await expectNothingStarted();
    });
  }
});

describe('PKCE', () => {
  const redirectUri = 'https://client.example/cb';

  it('refuses an authorization request without code_challenge: no code', async () => {
    const clientId = await dcrClient(redirectUri);
    const { location, code } = await authorize(server, jar, { clientId, redirectUri });
    expect(code).toBeNull();
    // The redirect URI is the registered one, so the client hears why.
    expect(location?.origin).toBe('https://client.example');
    expect(location?.searchParams.get('error')).toBe('invalid_request');
    expect(location?.searchParams.get('error_description')).toMatch(/PKCE/);
    await expectNothingStarted();
  });

  it('refuses code_challenge_method=plain: no code', async () => {
    const clientId = await dcrClient(redirectUri);
    const { verifier } = pkcePair();
    const { location, code } = await authorize(server, jar, {
      clientId,
      redirectUri,
      challenge: verifier, // plain: the challenge is the verifier itself
      method: 'plain',
    });
    expect(code).toBeNull();
    expect(location?.searchParams.get('error')).toBe('invalid_request');
    expect(location?.searchParams.get('error_description')).toMatch(/code_challenge_method/);
    await expectNothingStarted();
  });

  it('refuses a code presented with the wrong code_verifier: invalid_grant, no token', async () => {
    const clientId = await dcrClient(redirectUri);
    const { challenge } = pkcePair();
    const { code } = await authorize(server, jar, { clientId, redirectUri, challenge });
    expect(code).toBeTruthy();
    const stolen = await tokenRequest(server, {
      grant_type: 'authorization_code',
      code: code!,
      client_id: clientId,
      redirect_uri: redirectUri,
      code_verifier: pkcePair().verifier,
    });
    expect(stolen.status).toBe(400);
    expect(stolen.body.error).toBe('invalid_grant');
    expect(stolen.body.access_token).toBeUndefined();
    expect(await oauthRows(server, 'RefreshToken')).toEqual([]);
    const events = await auditEvents(server);
    expect(events.map((e) => e.action)).not.toContain('oauth.token_issued');
    expect(events.find((e) => e.action === 'oauth.token_refused')).toMatchObject({
      outcome: 'denied',
      errorCode: 'invalid_grant',
    });
  });
});

describe('resource indicators (RFC 8707)', () => {
  const redirectUri = 'https://client.example/cb';

  it('refuses an unknown resource at the authorization endpoint: invalid_target, no code', async () => {
    const clientId = await dcrClient(redirectUri);
    const { location, code } = await authorize(server, jar, {
      clientId,
      redirectUri,
      challenge: pkcePair().challenge,
      resource: 'https://evil.example/mcp',
    });
    expect(code).toBeNull();
    expect(location?.searchParams.get('error')).toBe('invalid_target');
    await expectNothingStarted();
  });

  it('refuses an unknown resource at the token endpoint: invalid_target, no token', async () => {
    const clientId = await dcrClient(redirectUri);
    const { verifier, challenge } = pkcePair();
    const { code } = await authorize(server, jar, { clientId, redirectUri, challenge });
    const response = await tokenRequest(server, {
      grant_type: 'authorization_code',
      code: code!,
      client_id: clientId,
      redirect_uri: redirectUri,
      code_verifier: verifier,
      resource: 'https://evil.example/mcp',
    });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_target');
    expect(response.body.access_token).toBeUndefined();
    expect(await oauthRows(server, 'RefreshToken')).toEqual([]);
    expect((await auditEvents(server)).find((e) => e.action === 'oauth.token_refused')).toMatchObject({
      errorCode: 'invalid_target',
    });
  });

  it('without a resource, the access token is for the MCP URL', async () => {
    const clientId = await dcrClient(redirectUri);
    const { verifier, challenge } = pkcePair();
    const { code } = await authorize(server, jar, { clientId, redirectUri, challenge });
    const response = await tokenRequest(server, {
      grant_type: 'authorization_code',
      code: code!,
      client_id: clientId,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    });
    expect(response.status).toBe(200);
    const [, payload] = response.body.access_token!.split('.');
    expect(JSON.parse(Buffer.from(payload!, 'base64url').toString())).toMatchObject({
      aud: server.mcpUrl,
      iss: server.url,
    });
  });
});

describe('Dynamic Client Registration', () => {
  for (const [attack, uri] of [
    ['a custom scheme', 'com.evil.app:/oauth/callback'],
    ['http to a network host', 'http://client.example/cb'],
    ['credentials in the URI', 'https://user:pass@client.example/cb'],
  ] as const) {
    it(`refuses a redirect URI with ${attack}: 400 invalid_redirect_uri, no client`, async () => {
      const { status, body } = await registerClient(server, { redirect_uris: [uri] });
      expect(status).toBe(400);
      expect(body.error).toBe('invalid_redirect_uri');
      expect(body.client_id).toBeUndefined();
      expect(await server.app.oauth.clients.list()).toEqual([]);
      expect(
        (await auditEvents(server)).find((e) => e.action === 'oauth.registration_refused'),
      ).toMatchObject({
        outcome: 'denied',
        errorCode: 'invalid_redirect_uri',
      });
    });
  }

  // Issue 13 (5b): one party compares the text, another the parsed URL; they must agree.
  for (const [attack, uri, parsed] of [
    ['an upper-case host', 'https://Client.Example/cb', 'https://client.example/cb'],
    ['an upper-case scheme', 'HTTPS://client.example/cb', 'https://client.example/cb'],
    ['an encoded dot-dot segment', 'https://client.example/a/%2e%2e/cb', 'https://client.example/cb'],
    ['a dot-dot segment', 'https://client.example/a/../cb', 'https://client.example/cb'],
    ['a dot segment', 'https://client.example/./cb', 'https://client.example/cb'],
    ['a default port', 'https://client.example:443/cb', 'https://client.example/cb'],
    ['no path', 'https://client.example', 'https://client.example/'],
    ['a backslash', 'https://client.example\\cb', 'https://client.example/cb'],
    ['a loopback host in capitals', 'http://LOCALHOST:7777/cb', 'http://localhost:7777/cb'],
  ] as const) {
    it(`refuses a redirect URI not in normal form (${attack}): invalid_redirect_uri naming the normal form`, async () => {
      const { status, body } = await registerClient(server, { redirect_uris: [uri] });
      expect(status).toBe(400);
      expect(body.error).toBe('invalid_redirect_uri');
      expect(body.error_description).toBe(
        `redirect_uri ${uri} is not in normal form (a URL parser reads it as ${parsed}); register it exactly as ${parsed}`,
      );
      expect(body.client_id).toBeUndefined();
      expect(await server.app.oauth.clients.list()).toEqual([]);
    });
  }

  it('(control) a redirect URI in normal form registers', async () => {
    for (const uri of [
      'https://client.example/cb?x=1',
      'http://127.0.0.1:7777/callback',
      'http://[::1]:7777/cb',
    ]) {
      expect((await registerClient(server, { redirect_uris: [uri] })).status).toBe(201);
    }
  });

  it('rate-limits registrations from one address: 429 with Retry-After, audited', async () => {
    const { perIp, windowMs } = DEFAULT_REGISTRATION_LIMIT;
    for (let i = 0; i < perIp; i++) {
      expect((await registerClient(server)).status).toBe(201);
    }
    const refused = await fetch(`${server.url}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        redirect_uris: ['http://127.0.0.1:7777/callback'],
        token_endpoint_auth_method: 'none',
      }),
    });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe(String(windowMs / 1000));
    expect(((await refused.json()) as { client_id?: string }).client_id).toBeUndefined();
    expect(await server.app.oauth.clients.list()).toHaveLength(perIp);
    const events = await auditEvents(server);
    expect(events.filter((e) => e.action === 'oauth.registration_refused')).toEqual([
      expect.objectContaining({ outcome: 'denied', errorCode: 'rate_limited', ip: expect.any(String) }),
    ]);
    expect(events.filter((e) => e.action === 'oauth.client_registered' && e.outcome === 'ok')).toHaveLength(
      perIp,
    );
  });
});
