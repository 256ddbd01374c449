/**
 * Issue 13 (9): the official MCP SDK v1 client (`@modelcontextprotocol/sdk` 1.x, which
 * LangChain's and mcp-use's adapters build on) asks for the 401 challenge's scopes only — no
 * `offline_access`, so no `prompt=consent`. It registers for the refresh_token grant, the
 * member consents once in a real browser, and when the access token expires the client
 * renews it with its refresh token and goes on: no second consent, no second browser trip.
 */

import { type OAuthClientProvider, UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newContext } from '../support/browser.js';
import { type LocalSite, startLocalSite } from '../support/local-site.js';
import { startTestServer, type TestServer } from '../support/mcp-server.js';
import { givePassword } from '../support/sign-in.js';

/** An MCP host's OAuth client provider for the SDK v1 client, kept in memory. */
class V1Provider implements OAuthClientProvider {
  info: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = '';
  /** Every authorization URL the client sent the member to (a consent each). */
  readonly trips: URL[] = [];
  constructor(readonly redirectUrl: string) {}
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'SDK v1 Assistant',
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
    this.trips.push(url);
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
  /** What an MCP host does when the server refuses its tokens: forget them. */
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery') {
    if (scope === 'all' || scope === 'tokens') this.saved = undefined;
    if (scope === 'all' || scope === 'client') this.info = undefined;
  }
}

type ToolResult = { isError?: boolean; structuredContent?: Record<string, unknown> };

let browser: Browser;
let server: TestServer;
let context: BrowserContext | undefined;
let callback: LocalSite | undefined;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => browser?.close());
afterEach(async () => {
  await context?.close();
  await server?.close();
  await callback?.close();
});

/** The member signs in and allows what the page offers; returns the client's callback query. */
async function consentInBrowser(url: URL, password: string) {
  context = await newContext(browser);
  const page = await context.newPage();
  const arrived = callback!.nextCallback();
  await page.goto(url.href);
  await page.getByLabel('Email').fill('alan@example.com');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/oauth\/consent\//);
  expect(await page.content()).toContain('It asks to stay connected');
  await page.getByRole('button', { name: 'Allow' }).click();
  return arrived;
}

/** A server, a member with a password, and an SDK v1 client whose first connect asks to consent. */
async function setUp() {
  server = await startTestServer();
  const password = await givePassword(server, 'alan@example.com');
  callback = await startLocalSite();
  const provider = new V1Provider(callback.callbackUrl);
  const transport = () =>
    new StreamableHTTPClientTransport(new URL(server.mcpUrl), { authProvider: provider });
  const pending = transport();
  await expect(new Client({ name: 'sdk-v1', version: '1.0.0' }).connect(pending)).rejects.toBeInstanceOf(
    UnauthorizedError,
  );
  return { password, provider, transport, pending };
}

describe('the official SDK v1 client', () => {
  it('refreshes without a new consent after its access token expires', async () => {
    const { password, provider, transport, pending } = await setUp();
    expect(provider.trips).toHaveLength(1);
    const asked = provider.trips[0]!;
    // What the SDK v1 sends: the 401 challenge's scopes, and neither offline_access nor prompt.
    expect(asked.searchParams.get('scope')).toBe('projects:read tasks:read');
    expect(asked.searchParams.get('prompt')).toBeNull();
    const code = (await consentInBrowser(asked, password)).get('code');
    expect(code).toBeTruthy();
    await pending.finishAuth(code!);
    const first = provider.saved!;
    expect(first.refresh_token).toBeTruthy();

    const client = new Client({ name: 'sdk-v1', version: '1.0.0' });
    await client.connect(transport());
    expect(((await client.callTool({ name: 'whoami', arguments: {} })) as ToolResult).isError).toBeFalsy();

    // The access token expires, and so does the short sign-in session the consent ran in.
    // oidc-provider stamps tokens with the system time in whole seconds: a second later, the
    // renewed token's expiry is later than this one's.
    const [, payload] = first.access_token.split('.');
    const { exp } = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as { exp: number };
    await new Promise((resolve) => setTimeout(resolve, 1100));
    server.clock.set(new Date(exp * 1000));

    const later = (await client.callTool({ name: 'whoami', arguments: {} })) as ToolResult;
    expect(later.isError).toBeFalsy();
    expect(JSON.stringify(later.structuredContent)).toContain('alan@example.com');
    expect(provider.trips).toHaveLength(1); // no second consent
    expect(provider.saved!.access_token).not.toBe(first.access_token);
    expect(provider.saved!.refresh_token).toBeTruthy();
    expect(provider.saved!.refresh_token).not.toBe(first.refresh_token); // rotated

    const demo = await server.app.store.workspaces.findBySlug('demo');
    const actions = (await server.app.store.audit.list(demo!.id, { limit: 500 })).map((e) => e.action);
    expect(actions).toContain('oauth.token_refreshed');
    expect(actions.filter((a) => a === 'connection.created')).toHaveLength(1);
    await client.close();
  });

  it('asks the member again for a wider scope instead of refreshing into the same one (step-up while holding a refresh token)', async () => {
    const { password, provider, transport, pending } = await setUp();
    await pending.finishAuth((await consentInBrowser(provider.trips[0]!, password)).get('code')!);
    const first = provider.saved!;
    expect(first.refresh_token).toBeTruthy();
    await context?.close();

    // The write needs tasks:write, which the first consent (the challenge's read scopes) lacks:
    // /mcp answers 403 insufficient_scope. SDK 1.x then tries its refresh token first; a
    // refresh cannot widen the scope, so it must be refused for the client to ask again.
    const client = new Client({ name: 'sdk-v1', version: '1.0.0' });
    await client.connect(transport());
    const write = { name: 'create_task', arguments: { project: 'APO', title: 'Stepped up' } };
    await expect(client.callTool(write)).rejects.toBeInstanceOf(UnauthorizedError);
    expect(provider.trips).toHaveLength(2);
    const wider = provider.trips[1]!;
    expect(wider.searchParams.get('scope')).toContain('tasks:write');
    await transport().finishAuth((await consentInBrowser(wider, password)).get('code')!);
    const stepped = new Client({ name: 'sdk-v1', version: '1.0.0' });
    await stepped.connect(transport());
    const done = (await stepped.callTool(write)) as ToolResult;
    expect(done.isError).toBeFalsy();

    const demo = await server.app.store.workspaces.findBySlug('demo');
    const events = await server.app.store.audit.list(demo!.id, { limit: 500 });
    const refused = events.find((e) => e.action === 'oauth.token_refused');
    expect(JSON.stringify(refused?.detail)).toContain('step up');
    // The refused refresh consumed nothing: the old family was not revoked as a replay.
    expect(events.map((e) => e.action)).not.toContain('connection.revoked');
    await client.close();
    await stepped.close();
  });
});
