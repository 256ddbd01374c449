/**
 * An https public URL behind TLS termination (issue 18): the server itself speaks plain http
 * on 127.0.0.1, yet every response carries HSTS, cookies are Secure, and the OAuth metadata
 * (RFC 8414, RFC 9728) names the public URL whatever Host or X-Forwarded-* a client sends;
 * oidc-provider no longer believes a client's X-Forwarded-For either.
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/mcp-server.js';
import { pkcePair } from '../support/oauth.js';

const PUBLIC = 'https://taskgate.example';
const HSTS = 'max-age=31536000';

let server: TestServer;
afterEach(async () => {
  await server?.close();
});

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** node:http, so that Host and every header are exactly what the test says. */
function send(path: string, headers: Record<string, string> = {}, method = 'GET', body?: string) {
  const { hostname, port } = new URL(server.url);
  return new Promise<Answer>((resolve, reject) => {
    const req = request({ hostname, port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const EVIL = { host: 'evil.example:8080', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' };

const register = (headers: Record<string, string> = {}) =>
  send(
    '/oauth/register',
    { 'content-type': 'application/json', ...headers },
    'POST',
    JSON.stringify({
      client_name: 'Proxy test client',
      redirect_uris: ['http://127.0.0.1:7777/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }),
  );

async function serverEventIps(action: string) {
  const events = await server.app.store.audit.list(null, { action, limit: 100 });
  return events.map((event) => event.ip);
}

describe('https public URL behind TLS termination', () => {
  it('sends HSTS on every response: machine endpoints, console pages, OAuth, errors', async () => {
    server = await startTestServer({ env: { TASKGATE_PUBLIC_URL: PUBLIC } });
    const host = { host: 'taskgate.example' };
    for (const path of [
      '/healthz',
      '/login',
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-authorization-server',
      '/oauth/jwks',
      '/mcp',
      '/no-such-page',
    ]) {
      const answer = await send(path, host);
      expect(answer.headers['strict-transport-security'], path).toBe(HSTS);
    }
    const token = await send(
      '/oauth/token',
      { ...host, 'content-type': 'application/x-www-form-urlencoded' },
      'POST',
      'grant_type=nonsense',
    );
    expect(token.status).toBe(400);
    expect(token.headers['strict-transport-security']).toBe(HSTS);
  });

  it('sends no HSTS when the public URL is plain http', async () => {
    server = await startTestServer();
    for (const path of ['/healthz', '/login', '/.well-known/oauth-authorization-server'])
      expect((await send(path)).headers['strict-transport-security'], path).toBeUndefined();
  });

  it('names the public URL in the RFC 8414 metadata whatever Host and X-Forwarded-* a client sends', async () => {
    server = await startTestServer({ env: { TASKGATE_PUBLIC_URL: PUBLIC } });
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      const answer = await send(path, EVIL);
      expect(answer.status, path).toBe(200);
      const metadata = JSON.parse(answer.body) as Record<string, unknown>;
      expect(metadata.issuer).toBe(PUBLIC);
      expect(metadata.token_endpoint).toBe(`${PUBLIC}/oauth/token`);
      for (const [field, value] of Object.entries(metadata))
        if (typeof value === 'string' && /^https?:/.test(value))
          expect(value.startsWith(`${PUBLIC}/`) || value === PUBLIC, `${path} ${field}: ${value}`).toBe(true);
    }
  });

  it('names the public URL in the RFC 9728 metadata whatever Host a client sends', async () => {
    server = await startTestServer({ env: { TASKGATE_PUBLIC_URL: PUBLIC } });
    const answer = await send('/.well-known/oauth-protected-resource/mcp', EVIL);
    expect(JSON.parse(answer.body)).toMatchObject({
      resource: `${PUBLIC}/mcp`,
      authorization_servers: [PUBLIC],
    });
  });

  it('keeps a plain-http public URL in the metadata when a client claims https and another host', async () => {
    server = await startTestServer();
    const answer = await send('/.well-known/oauth-authorization-server', {
      ...EVIL,
      'x-forwarded-proto': 'https',
    });
    const metadata = JSON.parse(answer.body) as { issuer: string; authorization_endpoint: string };
    expect(metadata.issuer).toBe(server.url);
    expect(metadata.authorization_endpoint).toBe(`${server.url}/oauth/authorize`);
  });

  it('sets the authorization interaction cookie Secure although the socket is plain http', async () => {
    server = await startTestServer({ env: { TASKGATE_PUBLIC_URL: PUBLIC } });
    const client = JSON.parse((await register({ host: 'taskgate.example' })).body) as { client_id: string };
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: 'http://127.0.0.1:7777/callback',
      scope: 'projects:read',
      state: 'st-1',
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
    });
    const answer = await send(`/oauth/authorize?${query}`, { host: 'taskgate.example' });
    expect(answer.status).toBe(303);
    expect(String(answer.headers.location)).toMatch(/^\/oauth\/consent\/|^https:\/\/taskgate\.example\//);
    const cookies = answer.headers['set-cookie'] ?? [];
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) expect(cookie, cookie).toMatch(/;\s*secure/i);
  });

  it("records the peer, never a client's X-Forwarded-For, for a registration when no proxy is trusted", async () => {
    server = await startTestServer({ env: { TASKGATE_PUBLIC_URL: PUBLIC } });
    const answer = await register({ 'x-forwarded-for': '192.0.2.66', forwarded: 'for=192.0.2.66' });
    expect(answer.status).toBe(201);
    expect(await serverEventIps('oauth.client_registered')).toEqual(['127.0.0.1']);
  });

  it('records the rightmost untrusted hop for a registration through a trusted proxy', async () => {
    server = await startTestServer({
      env: { TASKGATE_PUBLIC_URL: PUBLIC, TASKGATE_TRUSTED_PROXIES: '127.0.0.1/32,::1' },
    });
    const answer = await register({ 'x-forwarded-for': '192.0.2.66, 203.0.113.9' });
    expect(answer.status).toBe(201);
    const body = JSON.parse(answer.body) as { registration_client_uri?: string };
    if (body.registration_client_uri)
      expect(body.registration_client_uri.startsWith(`${PUBLIC}/`)).toBe(true);
    expect(await serverEventIps('oauth.client_registered')).toEqual(['203.0.113.9']);
  });
});
