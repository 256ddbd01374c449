/**
 * Client ID Metadata Documents attacked through the real authorization endpoint: a client_id
 * URL pointing at the cloud metadata address or at loopback (spelled plainly, IPv4-mapped,
 * or as a decimal number), a document host that redirects to loopback, a document over
 * 5 KB, and a document claiming another client_id. Each is refused with oidc-provider's
 * error page — no consent step starts, no client is stored — and the loopback target, a
 * real listener, records zero connections.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type ConnectionCounter,
  createTestCertificate,
  type HttpsTestServer,
  startConnectionCounter,
  startHttpsServer,
  type TestCertificate,
} from '../support/https-server.js';
import { startTestServer, type TestServer } from '../support/mcp-server.js';
import { auditEvents, authorizeUrl, oauthRows, pkcePair } from '../support/oauth.js';

const redirectUri = 'http://127.0.0.1:7777/callback';

let server: TestServer | undefined;
let target: ConnectionCounter;
beforeEach(async () => {
  target = await startConnectionCounter();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await target.close();
});

/** The authorization request a client identified by a metadata-document URL would send. */
async function authorizeAs(clientId: string) {
  const url = authorizeUrl(server!, { clientId, redirectUri, challenge: pkcePair().challenge });
  const response = await fetch(url, { redirect: 'manual' });
  return { response, page: await response.text() };
}

/** Refused with the error page: no redirect anywhere, no consent step, no client kept. */
async function expectRefused(clientId: string, error: RegExp) {
  const { response, page } = await authorizeAs(clientId);
  expect(response.status).toBe(400);
  expect(response.headers.get('location')).toBeNull();
  expect(page).toContain('Authorization failed');
  expect(page).toMatch(error);
  expect(await oauthRows(server!, 'Interaction')).toEqual([]);
  expect(await server!.app.oauth.clients.list()).toEqual([]);
  const refusal = (await auditEvents(server!)).find((e) => e.action === 'oauth.authorization_refused');
  expect(refusal).toMatchObject({ outcome: 'denied', errorCode: expect.stringMatching(/^invalid_client/) });
  expect((refusal?.detail as { clientId?: string } | undefined)?.clientId).toBe(clientId);
  return page;
}

describe('CIMD fetch to internal addresses, without the test allow-list', () => {
  beforeEach(async () => {
    server = await startTestServer();
  });

  for (const [attack, url] of [
    ['the cloud metadata address', () => 'https://169.254.169.254/latest/meta-data/client.json'],
    ['loopback 127.0.0.1', () => `https://127.0.0.1:${target.port}/c.json`],
    ['IPv4-mapped loopback [::ffff:127.0.0.1]', () => `https://[::ffff:127.0.0.1]:${target.port}/c.json`],
    ['a decimal IP (2130706433 = 127.0.0.1)', () => `https://2130706433:${target.port}/c.json`],
    ['localhost', () => `https://localhost:${target.port}/c.json`],
  ] as const) {
    it(`refuses a client_id at ${attack} without connecting`, async () => {
      const page = await expectRefused(url(), /invalid_client/);
      expect(page).toContain('client_id metadata document fetch failed');
      expect(target.connections).toBe(0);
    });
  }
});

describe('CIMD documents from an allow-listed test host', () => {
  let certificate: TestCertificate;
  let cimd: HttpsTestServer;
  beforeAll(() => {
    certificate = createTestCertificate();
  });
  afterAll(() => certificate.remove());
  beforeEach(async () => {
    cimd = await startHttpsServer(certificate);
    server = await startTestServer({
      env: {
        TASKGATE_OAUTH_CIMD_TEST_HOSTS: cimd.hostPort,
        TASKGATE_OAUTH_CIMD_TEST_CA_FILE: certificate.certFile,
      },
    });
  });
  afterEach(async () => cimd.close());

  const documentFor = (clientId: string, extra: Record<string, unknown> = {}) => ({
    client_id: clientId,
    client_name: 'CIMD attack test',
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    ...extra,
  });

  it('(control) a well-formed document starts a consent step', async () => {
    cimd.serveJson('/client.json', documentFor(cimd.url('/client.json')));
    const { response } = await authorizeAs(cimd.url('/client.json'));
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toMatch(/^\/oauth\/consent\//);
    expect(cimd.requests).toBe(1);
  });

  it('refuses a document host that redirects to loopback, without following', async () => {
    cimd.handle('/client.json', (_request, response) => {
      response
        .writeHead(302, { location: `https://127.0.0.1:${target.port}/client.json`, 'content-length': 0 })
        .end();
    });
    await expectRefused(cimd.url('/client.json'), /invalid_client/);
    // Fetched (oidc-provider's error path looks the client up once more), never followed.
    expect(cimd.requests).toBeGreaterThan(0);
    expect(target.connections).toBe(0);
  });

  it('refuses a document over 5 KB (Content-Length declared)', async () => {
    const clientId = cimd.url('/client.json');
    const big = documentFor(clientId, { client_uri: `https://client.example/${'a'.repeat(5200)}` });
    cimd.serveJson('/client.json', big);
    expect(JSON.stringify(big).length).toBeGreaterThan(5 * 1024);
    await expectRefused(clientId, /client_id metadata document fetch failed/);
    expect(cimd.requests).toBeGreaterThan(0);
  });

  it('refuses a document over 5 KB sent in chunks without a length', async () => {
    const clientId = cimd.url('/client.json');
    const body = JSON.stringify(documentFor(clientId, { padding: 'a'.repeat(6000) }));
    cimd.handle('/client.json', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < body.length; i += 1000) response.write(body.slice(i, i + 1000));
      response.end();
    });
    await expectRefused(clientId, /client_id metadata document fetch failed/);
  });

  it('refuses a document whose client_id is not its own URL', async () => {
    cimd.serveJson('/client.json', documentFor(cimd.url('/other.json')));
    await expectRefused(cimd.url('/client.json'), /invalid_client_metadata|client_id does not match/);
  });
});
