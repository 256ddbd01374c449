/**
 * Opt-in CORS over real HTTP: a listed origin gets a preflight answer and the headers a
 * browser client must read; an unlisted origin gets no CORS header anywhere (the browser
 * refuses); with no list at all the server behaves as before, and the DNS-rebinding Host
 * check still applies to a listed origin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORS_EXPOSE_HEADERS } from '../../src/http/cors.js';
import { initializeBody, post, startTestServer, type TestServer } from '../support/mcp-server.js';

const APP = 'http://app.example.test:5173';
const EVIL = 'http://evil.example.test';

const preflight = (server: TestServer, path: string, origin: string, method = 'POST', headers = '') =>
  fetch(`${server.url}${path}`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      ...(headers && { 'access-control-request-headers': headers }),
    },
  });

const MCP_REQUEST_HEADERS = 'authorization, content-type, mcp-protocol-version, mcp-method, mcp-name';

describe('with an allow-list', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { TASKGATE_CORS_ORIGINS: `${APP}, https://other.example.test` } });
  });
  afterAll(async () => server?.close());

  it('answers a listed origin preflight on /mcp with the methods and MCP headers it allows', async () => {
    const response = await preflight(server, '/mcp', APP, 'POST', `${MCP_REQUEST_HEADERS}, mcp-param-region`);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST, DELETE');
    const allowed = response.headers.get('access-control-allow-headers')!.toLowerCase().split(', ');
    for (const name of [
      ...MCP_REQUEST_HEADERS.split(', '),
      'mcp-session-id',
      'last-event-id',
      'mcp-param-region',
    ])
      expect(allowed).toContain(name);
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(response.headers.get('vary')).toMatch(/Origin/);
  });

  it('exposes WWW-Authenticate on the 401 challenge to a listed origin (browser OAuth discovery)', async () => {
    const response = await post(server, initializeBody, { origin: APP });
    expect(response.status).toBe(401);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    expect(response.headers.get('access-control-expose-headers')?.split(', ')).toEqual([
      ...CORS_EXPOSE_HEADERS,
    ]);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer resource_metadata=/);
  });

  it('lets a listed origin initialize with a key and read the answer', async () => {
    const key = await server.issueKey();
    const response = await post(server, initializeBody, { origin: APP, authorization: `Bearer ${key}` });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
  });

  it('refuses an unlisted origin preflight on /mcp with 403 and no CORS header (a foreign page)', async () => {
    const response = await preflight(server, '/mcp', EVIL, 'POST', MCP_REQUEST_HEADERS);
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses an unlisted origin request on /mcp as before (DNS-rebinding Origin check)', async () => {
    const key = await server.issueKey();
    const response = await post(server, initializeBody, { origin: EVIL, authorization: `Bearer ${key}` });
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a listed origin whose request names another Host (DNS rebinding)', async () => {
    const key = await server.issueKey();
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        server.mcpUrl,
        {
          method: 'POST',
          headers: {
            host: 'rebound.example.test',
            origin: APP,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            authorization: `Bearer ${key}`,
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(initializeBody);
    });
    expect(status).toBe(403);
  });

  it('answers the OAuth discovery, registration and token preflights for a listed origin', async () => {
    for (const [path, method] of [
      ['/.well-known/oauth-protected-resource/mcp', 'GET'],
      ['/.well-known/oauth-authorization-server', 'GET'],
      ['/oauth/register', 'POST'],
      ['/oauth/token', 'POST'],
    ] as const) {
      const response = await preflight(server, path, APP, method, 'content-type');
      expect(response.status, path).toBe(204);
      expect(response.headers.get('access-control-allow-origin'), path).toBe(APP);
      expect(response.headers.get('access-control-allow-methods'), path).toBe(method);
    }
  });

  it('gives a listed origin the CORS headers on the documents and registration oidc-provider writes', async () => {
    const metadata = await fetch(`${server.url}/.well-known/oauth-authorization-server`, {
      headers: { origin: APP },
    });
    expect(metadata.status).toBe(200);
    expect(metadata.headers.get('access-control-allow-origin')).toBe(APP);
    const resource = await fetch(`${server.url}/.well-known/oauth-protected-resource/mcp`, {
      headers: { origin: APP },
    });
    expect(resource.headers.get('access-control-allow-origin')).toBe(APP);
    const registered = await fetch(`${server.url}/oauth/register`, {
      method: 'POST',
      headers: { origin: APP, 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'Browser client',
        redirect_uris: ['http://127.0.0.1:5173/callback'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      }),
    });
    expect(registered.status).toBe(201);
    expect(registered.headers.get('access-control-allow-origin')).toBe(APP);
    const unlisted = await fetch(`${server.url}/oauth/register`, {
      method: 'POST',
      headers: { origin: EVIL, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(unlisted.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('without an allow-list (the default)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server?.close());

  it('refuses every cross-origin preflight on /mcp and says how to allow one', async () => {
    const response = await preflight(server, '/mcp', APP, 'POST', MCP_REQUEST_HEADERS);
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain(
      'TASKGATE_CORS_ORIGINS',
    );
  });

  it('adds no CORS header to a same-machine client call', async () => {
    const key = await server.issueKey();
    const response = await post(server, initializeBody, { authorization: `Bearer ${key}` });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});
