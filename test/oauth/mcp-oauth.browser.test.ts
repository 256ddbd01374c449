/**
 * A standard MCP client connects from nothing: the official SDK client with its OAuth client
 * provider gets a 401, reads the protected-resource and authorization-server metadata,
 * registers (once through a Client ID Metadata Document served from a local https server,
 * once by Dynamic Client Registration), sends the member through sign-in and consent in a
 * real browser with PKCE, exchanges the code, calls `whoami`, steps up to `tasks:write` on a
 * 403 `insufficient_scope`, and refreshes its access token.
 */
import {
  Client,
  type OAuthClientInformationMixed,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthTokens,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newContext } from '../support/browser.js';
import {
  createTestCertificate,
  type HttpsTestServer,
  startHttpsServer,
  type TestCertificate,
} from '../support/https-server.js';
import { type LocalSite, startLocalSite } from '../support/local-site.js';
import { startTestServer, type TestServer } from '../support/mcp-server.js';
import { givePassword } from '../support/sign-in.js';

/** An OAuth client provider as an MCP host would write one, keeping everything in memory. */
class TestProvider implements OAuthClientProvider {
  info: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = '';
  authorizationUrl: URL | undefined;
  constructor(
    readonly redirectUrl: string,
    readonly clientMetadataUrl?: string,
  ) {}
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'Vitest Assistant',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

let browser: Browser;
let server: TestServer;
let cimd: HttpsTestServer | undefined;
let certificate: TestCertificate | undefined;
let context: BrowserContext;
let page: Page;
let callback: LocalSite | undefined;
let password: string;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => browser?.close());
afterEach(async () => {
  await context?.close();
  await server?.close();
  await cimd?.close();
  cimd = undefined;
  certificate?.remove();
  certificate = undefined;
  await callback?.close();
  callback = undefined;
});

async function setUp(env: Record<string, string> = {}) {
  server = await startTestServer({ env });
  password = await givePassword(server, 'alan@example.com');
  callback ??= await startLocalSite();
  context = await newContext(browser);
  page = await context.newPage();
}

/** The member signs in (the first time) and consents; returns the code the client receives. */
async function consent(url: URL, options: { expectScopes?: string[] } = {}) {
  const arrived = callback!.nextCallback();
  await page.goto(url.href);
  if (new URL(page.url()).pathname === '/login') {
    await page.getByLabel('Email').fill('alan@example.com');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/oauth\/consent\//);
  }
  const offered = await page
    .locator('input[name="scope"]')
    .evaluateAll((inputs) => inputs.map((i) => (i as unknown as { value: string }).value));
  if (options.expectScopes) expect(offered).toEqual(expect.arrayContaining(options.expectScopes));
  await page.getByRole('button', { name: 'Allow' }).click();
  const params = await arrived;
  expect(params.get('iss')).toBe(server.url);
  return params;
}

/** 401 → discovery → registration → consent in the browser → token: a connected client. */
async function connect(provider: TestProvider) {
  const transport = () =>
    new StreamableHTTPClientTransport(new URL(server.mcpUrl), { authProvider: provider });
  const first = new Client({ name: 'vitest-oauth', version: '1.0.0' });
  const pending = transport();
  await expect(first.connect(pending)).rejects.toBeInstanceOf(UnauthorizedError);
  expect(provider.authorizationUrl?.pathname).toBe('/oauth/authorize');
  await pending.finishAuth(
    await consent(provider.authorizationUrl!, { expectScopes: ['projects:read', 'tasks:read'] }),
  );
  const client = new Client({ name: 'vitest-oauth', version: '1.0.0' });
  const live = transport();
  await client.connect(live);
  return { client, transport: live };
}

type ToolResult = {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content: { text: string }[];
};

/** Events of the demo workspace and the workspace-less ones (client registrations). */
async function auditEvents() {
  const demo = await server.app.store.workspaces.findBySlug('demo');
  return [
    ...(await server.app.store.audit.list(demo!.id, { limit: 500 })),
    ...(await server.app.store.audit.list(null, { limit: 500 })),
  ];
}

describe('MCP client connects by OAuth', () => {
  it('with Dynamic Client Registration: whoami, step-up to tasks:write, refresh', async () => {
    await setUp();
    const provider = new TestProvider(callback!.callbackUrl);
    const { client } = await connect(provider);
    expect(provider.info?.client_id).toMatch(/^dcr_/);
    const token = provider.saved!.access_token;
    const [, payload] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims.aud).toBe(server.mcpUrl);
    expect(Number(claims.exp) - Number(claims.iat)).toBeLessThanOrEqual(600);
    expect(provider.saved?.refresh_token).toBeTruthy();

    const whoami = (await client.callTool({ name: 'whoami', arguments: {} })) as ToolResult;
    expect(whoami.isError).toBeFalsy();
    expect(JSON.stringify(whoami.structuredContent)).toContain('alan@example.com');

    // Step-up: create_task needs tasks:write, which the first consent did not include.
    const before = provider.authorizationUrl;
    await expect(
      client.callTool({ name: 'create_task', arguments: { project: 'APO', title: 'From OAuth' } }),
    ).rejects.toBeInstanceOf(UnauthorizedError);
    expect(provider.authorizationUrl).not.toBe(before);
    expect(provider.authorizationUrl?.searchParams.get('scope')).toContain('tasks:write');
    const response = await consent(provider.authorizationUrl!, { expectScopes: ['tasks:write'] });
    const stepped = new StreamableHTTPClientTransport(new URL(server.mcpUrl), { authProvider: provider });
    await stepped.finishAuth(response);
    const writer = new Client({ name: 'vitest-oauth', version: '1.0.0' });
    await writer.connect(stepped);
    const created = (await writer.callTool({
      name: 'create_task',
      arguments: { project: 'APO', title: 'From OAuth' },
    })) as ToolResult;
    expect(created.isError).toBeFalsy();

    // Refresh: the access token is thrown away; the SDK refreshes on the 401 and retries.
    const oldRefresh = provider.saved!.refresh_token;
    provider.saved = { ...provider.saved!, access_token: 'expired.or.lost' };
    const again = (await writer.callTool({ name: 'whoami', arguments: {} })) as ToolResult;
    expect(again.isError).toBeFalsy();
    expect(provider.saved?.refresh_token).toBeTruthy();
    expect(provider.saved?.refresh_token).not.toBe(oldRefresh);

    const events = await auditEvents();
    const actions = events.map((e) => e.action);
    for (const action of [
      'connection.created',
      'oauth.token_issued',
      'oauth.step_up_required',
      'oauth.step_up',
      'oauth.token_refreshed',
      'oauth.client_registered',
    ]) {
      expect(actions).toContain(action);
    }
    const call = events.find((e) => e.tool === 'create_task' && e.outcome === 'ok');
    expect((call?.detail as { oauth_client?: { name: string } } | undefined)?.oauth_client?.name).toBe(
      'Vitest Assistant',
    );
    await writer.close();
    await client.close();
  });

  it('with a Client ID Metadata Document served over https', async () => {
    callback = await startLocalSite();
    certificate = createTestCertificate();
    cimd = await startHttpsServer(certificate);
    const clientId = cimd.url('/client.json');
    cimd.serveJson('/client.json', {
      client_id: clientId,
      client_name: 'Vitest Assistant (CIMD)',
      redirect_uris: [callback.callbackUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    });
    await setUp({
      TASKGATE_OAUTH_CIMD_TEST_HOSTS: cimd.hostPort,
      TASKGATE_OAUTH_CIMD_TEST_CA_FILE: certificate.certFile,
    });
    const provider = new TestProvider(callback.callbackUrl, clientId);
    const { client } = await connect(provider);
    expect(provider.info?.client_id).toBe(clientId);
    const whoami = (await client.callTool({ name: 'whoami', arguments: {} })) as ToolResult;
    expect(whoami.isError).toBeFalsy();
    const listed = await server.app.oauth.clients.list();
    expect(listed.some((c) => c.clientId === clientId)).toBe(false); // fetched per use, never stored
    const connections = await server.app.connections.list(
      (await server.app.store.workspaces.findBySlug('demo'))!.id,
    );
    expect(connections.map((c) => c.oauthClientId)).toContain(clientId);
    await client.close();
  });
});
