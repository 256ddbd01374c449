/**
 * The OAuth consent page in a real browser (chromium): what a member sees (client, where the
 * browser goes next, workspace and environment, each scope in plain words with a checkbox),
 * what each choice grants (fewer scopes, chosen projects, read-only, deny), and the attacks a
 * browser makes possible — a cross-site POST that consents for the member, a consent form
 * without the session's token, framing the page (clickjacking), and where its forms may go.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { SCOPE_DESCRIPTIONS, type Scope } from '../../src/credentials/index.js';
import type { ApiKeyRecord, Workspace } from '../../src/model/index.js';
import { expectAccessible } from '../support/axe.js';
import { useConsoleBrowser } from '../support/console-browser.js';
import { type LocalSite, startLocalSite } from '../support/local-site.js';
import { callToolOverHttp } from '../support/mcp-server.js';
import { authorizeUrl, registerClient, tokenRequest } from '../support/oauth.js';
import { givePassword } from '../support/sign-in.js';

const ASKED: readonly Scope[] = ['projects:read', 'tasks:read', 'tasks:write', 'comments:read'];
const SCOPE = `${ASKED.join(' ')} offline_access`;

let site: LocalSite;
let password: string;
let clientId: string;
let demo: Workspace;

const h = useConsoleBrowser({
  setUp: async () => {
    site = await startLocalSite();
    password = await givePassword(h.server, 'alan@example.com');
    demo = (await h.server.app.store.workspaces.findBySlug('demo'))!;
    const registered = await registerClient(h.server, {
      client_name: 'Vitest Assistant',
      redirect_uris: [site.callbackUrl],
    });
    clientId = registered.body.client_id as string;
  },
  tearDown: async () => {
    await site?.close();
  },
});

interface Authorization {
  readonly url: string;
  readonly verifier: string;
  readonly state: string;
}

/** The authorization request a client sends the browser to, with a fresh PKCE pair. */
function authorization(scope = SCOPE, client = clientId, redirectUri = site.callbackUrl): Authorization {
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(8).toString('hex');
  const url = authorizeUrl(h.server, {
    clientId: client,
    redirectUri,
    scope,
    state,
    prompt: 'consent',
    challenge: createHash('sha256').update(verifier).digest('base64url'),
  });
  return { url, verifier, state };
}

async function fillSignIn(on: Page = h.page) {
  await on.getByLabel('Email').fill('alan@example.com');
  await on.getByLabel('Password').fill(password);
  await on.getByRole('button', { name: 'Sign in' }).click();
}

/** Signs in, starts an authorization and lands on the consent page. */
async function openConsent(scope = SCOPE): Promise<Authorization> {
  await h.page.goto(`${h.server.url}/login`);
  await fillSignIn();
  await h.page.waitForURL(/\/admin$/);
  const auth = authorization(scope);
  await h.page.goto(auth.url);
  await h.page.waitForURL(/\/oauth\/consent\/[\w-]+$/);
  return auth;
}

/** Clicks Allow; returns what the client got: the callback's query and the exchanged tokens. */
async function allow(auth: Authorization) {
  const arrived = site.nextCallback();
  await h.page.getByRole('button', { name: 'Allow' }).click();
  const params = await arrived;
  expect(params.get('state')).toBe(auth.state);
  const code = params.get('code');
  expect(code).toBeTruthy();
  const tokens = await tokenRequest(h.server, {
    grant_type: 'authorization_code',
    code: code!,
    client_id: clientId,
    redirect_uri: site.callbackUrl,
    code_verifier: auth.verifier,
  });
  expect(tokens.status).toBe(200);
  return tokens.body;
}

const connectionOf = async (): Promise<ApiKeyRecord | undefined> =>
  (await h.server.app.connections.list(demo.id)).find((c) => c.oauthClientId === clientId);

const checkbox = (scope: Scope) =>
  h.page.getByRole('checkbox', { name: `${SCOPE_DESCRIPTIONS[scope]} ${scope}` });

describe('what the member sees', () => {
  it('finds no accessibility violation on the consent page (axe-core)', async () => {
    await openConsent();
    await expectAccessible(h.page, 'consent');
  });

  it('shows the client, the redirect host, the workspace and environment, and each scope with a checkbox', async () => {
    await openConsent();
    const main = h.page.locator('main');
    const text = (await main.textContent()) ?? '';
    expect(text).toContain('Vitest Assistant');
    expect(text).toContain('unverified: this client registered itself and chose its own name');
    expect(text).toContain(`your browser goes to ${new URL(site.origin).host}`);
    expect(text).toContain(`workspace ${demo.name} (demo, development)`);
    expect(text).toContain('It asks to stay connected');
    expect(await h.page.locator('input[name="scope"]').count()).toBe(ASKED.length);
    for (const scope of ASKED) {
      expect(await checkbox(scope).isChecked(), scope).toBe(true);
      expect(text).toContain(SCOPE_DESCRIPTIONS[scope]);
    }
    expect(await h.page.getByRole('checkbox', { name: /read-only/ }).isChecked()).toBe(false);
    expect(await h.page.getByRole('radio', { name: 'every project you can see' }).isChecked()).toBe(true);
  });
});

describe('what each choice grants', () => {
  it('unticking a scope grants fewer: the token and the connection both lack it', async () => {
    const auth = await openConsent();
    await checkbox('tasks:write').uncheck();
    await checkbox('comments:read').uncheck();
    const tokens = await allow(auth);
    expect(tokens.scope?.split(' ').sort()).toEqual(['projects:read', 'tasks:read']);
    expect(tokens.refresh_token).toBeTruthy();
    const connection = await connectionOf();
    expect(connection?.scopes).toEqual(['projects:read', 'tasks:read']);
    // The client must come back through consent to write: a step-up, not a tool call.
    const write = await callToolOverHttp(h.server, tokens.access_token!, 'create_task', {
      project: 'APO',
      title: 'Not granted',
    });
    expect(write.status).toBe(403);
    expect(write.error?.reason).toBe('insufficient_scope');
  });

  it('choosing projects restricts the connection to them', async () => {
    const apo = (await h.server.app.store.projects.findByKey(demo.id, 'APO'))!;
    const auth = await openConsent();
    await h.page.getByRole('radio', { name: 'only these projects:' }).check();
    await h.page.getByRole('checkbox', { name: /^APO · / }).check();
    const tokens = await allow(auth);
    expect((await connectionOf())?.projectIds).toEqual([apo.id]);
    const inside = await callToolOverHttp(h.server, tokens.access_token!, 'get_task', { task: 'APO-1' });
    expect(inside.result?.isError).toBeFalsy();
    const outside = await callToolOverHttp(h.server, tokens.access_token!, 'get_task', { task: 'WEB-1' });
    expect(outside.result?.content[0]?.text).toMatch(/^not_found/);
  });

  it('the read-only switch makes a read-only connection', async () => {
    const auth = await openConsent();
    await h.page.getByRole('checkbox', { name: /read-only/ }).check();
    const tokens = await allow(auth);
    const connection = await connectionOf();
    expect(connection?.readOnly).toBe(true);
    expect(connection?.scopes).toContain('tasks:write');
    const write = await callToolOverHttp(h.server, tokens.access_token!, 'create_task', {
      project: 'APO',
      title: 'Read-only',
    });
    expect(write.result?.isError).toBe(true);
    expect(write.result?.content[0]?.text).toMatch(/^forbidden: .*read-only/);
  });

  it('Deny sends the browser back to the client with access_denied and records the refusal', async () => {
    const auth = await openConsent();
    const arrived = site.nextCallback();
    await h.page.getByRole('button', { name: 'Deny' }).click();
    const params = await arrived;
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('state')).toBe(auth.state);
    expect(params.get('code')).toBeNull();
    await h.page.waitForURL(`${site.callbackUrl}?**`);
    expect(await connectionOf()).toBeUndefined();
    const declined = await h.server.app.store.audit.list(demo.id, {
      action: 'oauth.consent_declined',
      limit: 10,
    });
    expect(declined).toHaveLength(1);
    expect(declined[0]).toMatchObject({ outcome: 'denied', memberId: expect.stringMatching(/^mbr_/) });
    expect(declined[0]!.detail).toMatchObject({
      oauth_client: { id: clientId, name: 'Vitest Assistant' },
      scopes: [...ASKED],
    });
  });
});

describe('browser attacks on the consent', () => {
  it('refuses a cross-site POST that consents for the member, even with the stolen CSRF token', async () => {
    await openConsent();
    const consentUrl = h.page.url();
    const csrf = await h.page.locator('main input[name="csrf"]').inputValue();
    // Another origin on this machine (same site: the session cookie goes along).
    const attackUrl = site.servePage(
      '/attack',
      `<form method="post" action="${consentUrl}">
        <input name="csrf" value="${csrf}"><input name="decision" value="allow">
        <input name="projects" value="all">${ASKED.map((s) => `<input name="scope" value="${s}">`).join('')}
      </form>`,
    );
    const attacker = await h.context.newPage();
    await attacker.goto(attackUrl);
    const [response] = await Promise.all([
      attacker.waitForResponse((r) => r.url() === consentUrl),
      attacker.locator('form').evaluate((form) => (form as unknown as { submit(): void }).submit()),
    ]);
    expect(response.status()).toBe(403);
    expect(response.request().headers().origin).toBe(site.origin);
    await attacker.close();
    expect(await connectionOf()).toBeUndefined();
    expect(site.callbacks).toBe(0);
  });

  it('refuses a consent form without the session CSRF token, then still takes the real one', async () => {
    const auth = await openConsent();
    await h.page
      .locator('main input[name="csrf"]')
      .evaluate((input) => (input as unknown as { remove(): void }).remove());
    const [response] = await Promise.all([
      h.page.waitForResponse((r) => r.request().method() === 'POST'),
      h.page.getByRole('button', { name: 'Allow' }).click(),
    ]);
    expect(response.status()).toBe(403);
    expect(await h.page.locator('main').textContent()).toContain('Nothing was granted');
    expect(await connectionOf()).toBeUndefined();
    expect(site.callbacks).toBe(0);

    await h.page.goBack();
    await h.page.waitForURL(/\/oauth\/consent\//);
    await allow(auth);
    expect(await connectionOf()).toBeDefined();
  });

  it('cannot be framed by another site (clickjacking)', async () => {
    await openConsent();
    const consentUrl = h.page.url();
    const control = site.servePage('/hello', '<p id="hello">framed fine</p>');
    const framing = site.servePage(
      '/frame',
      `<iframe id="consent" src="${consentUrl}" width="800" height="600"></iframe>
       <iframe id="control" src="${control}"></iframe>`,
    );
    const attacker = await h.context.newPage();
    const served = attacker.waitForResponse((r) => r.url() === consentUrl);
    // `load` waits for every frame, shown or refused.
    await attacker.goto(framing, { waitUntil: 'load' });
    const response = await served;
    const controlFrame = await (await attacker.locator('#control').elementHandle())!.contentFrame();
    expect(await controlFrame!.locator('#hello').count()).toBe(1);
    const consentFrame = await (await attacker.locator('#consent').elementHandle())!.contentFrame();
    expect(await consentFrame!.locator('input[name="scope"]').count()).toBe(0);
    expect(await consentFrame!.locator('button').count()).toBe(0);
    // The server did render the page for this signed-in browser; the browser refused to show it.
    expect(response.status()).toBe(200);
    expect(response.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(response.headers()['x-frame-options']).toBe('DENY');
    await attacker.close();
  });
});

describe('signing in on the way', () => {
  it('sends a member who is not signed in to /login?next=… and back to the consent page', async () => {
    const auth = authorization();
    await h.page.goto(auth.url);
    const login = new URL(h.page.url());
    expect(login.pathname).toBe('/login');
    expect(login.searchParams.get('next')).toMatch(/^\/oauth\/consent\/[\w-]+$/);
    await fillSignIn();
    await h.page.waitForURL(`${h.server.url}${login.searchParams.get('next')}`);
    expect(await h.page.locator('main').textContent()).toContain('Vitest Assistant');
    const tokens = await allow(auth);
    expect(tokens.access_token).toBeTruthy();
  });
});

describe("the page's Content-Security-Policy", () => {
  const formAction = (csp: string) =>
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .find(([name]) => name === 'form-action')
      ?.slice(1);

  it("names only 'self' and the client's redirect origin in form-action", async () => {
    await h.page.goto(`${h.server.url}/login`);
    await fillSignIn();
    await h.page.waitForURL(/\/admin$/);
    const response = await h.page.goto(authorization().url);
    const csp = response!.headers()['content-security-policy']!;
    expect(new URL(h.page.url()).pathname).toMatch(/^\/oauth\/consent\//);
    expect(formAction(csp)).toEqual(["'self'", site.origin]);
    expect(csp).toContain("frame-ancestors 'none'");

    // An https client: its origin, and nothing of its path, is the one other target.
    const other = await registerClient(h.server, {
      client_name: 'Hosted Assistant',
      redirect_uris: ['https://assistant.example/oauth/callback'],
    });
    const hosted = await h.page.goto(
      authorization(SCOPE, other.body.client_id as string, 'https://assistant.example/oauth/callback').url,
    );
    expect(formAction(hosted!.headers()['content-security-policy']!)).toEqual([
      "'self'",
      'https://assistant.example',
    ]);
    // Every other page keeps form-action 'self' alone.
    const admin = await h.page.goto(`${h.server.url}/admin`);
    expect(formAction(admin!.headers()['content-security-policy']!)).toEqual(["'self'"]);
  });
});
