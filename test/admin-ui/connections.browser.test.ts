/**
 * Integrations → Connections and OAuth clients in a real browser (chromium): a member revokes
 * their OAuth connection and the next MCP call with its access token is refused 401; an
 * owner adds and removes a client; a viewer reaches none of it (404). axe-core checks every
 * page, the form with an error and each result. A form whose CSRF token was tampered with
 * changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { CLIENTS_PATH, CONNECTIONS_PATH, NOT_FOUND_TITLE } from '../../src/admin-ui/index.js';
import { expectAccessible } from '../support/axe.js';
import { useConsoleBrowser } from '../support/console-browser.js';
import { callWhoami, connectionsOf, connectOverHttp } from '../support/oauth.js';

// A real authorization code flow and a browser per test: slower than the default allows on a busy CI.
const SLOW = { timeout: 60_000 };

const h = useConsoleBrowser();

const signIn = (email: string) => h.signIn(email);

/** alan's OAuth connection (a real authorization code flow), with its access token. */
async function alanConnection() {
  const connected = await connectOverHttp(h.server);
  const [connection] = await connectionsOf(h.server);
  return { connection: connection!, token: connected.tokens.access_token! };
}

describe('connections', SLOW, () => {
  it('lets a member revoke their connection, and the next MCP call with its token is refused 401', async () => {
    const { connection, token } = await alanConnection();
    expect((await callWhoami(h.server, token)).status).toBe(200);
    await signIn('alan@example.com');
    await h.page.getByRole('link', { name: 'Connections' }).click();
    await h.page.waitForURL(new RegExp(`${CONNECTIONS_PATH}$`));
    await expectAccessible(h.page, 'connections (member)');
    await h.page.getByRole('link', { name: connection.name }).click();
    await expectAccessible(h.page, 'a connection');
    expect(await h.page.locator('main').textContent()).not.toContain('incident');
    await h.page.getByRole('link', { name: 'Revoke this connection' }).click();
    expect(await h.page.locator('main').textContent()).toContain('access and refresh tokens are refused');
    await expectAccessible(h.page, 'the revoke form');
    await h.page.getByRole('button', { name: 'Revoke connection' }).click();
    await h.page.getByRole('heading', { name: 'Connection revoked' }).waitFor();
    await expectAccessible(h.page, 'revoked');
    expect((await callWhoami(h.server, token)).status).toBe(401);
    expect((await connectionsOf(h.server))[0]?.revokedAt).not.toBeNull();
  });

  it('shows an owner every connection and links its incident page', async () => {
    const { connection } = await alanConnection();
    await signIn('ada@example.com');
    await h.page.goto(`${h.server.url}${CONNECTIONS_PATH}`);
    expect(await h.page.locator('main table').textContent()).toContain('alan@example.com');
    await expectAccessible(h.page, 'connections (owner)');
    await h.page.getByRole('link', { name: connection.name }).click();
    const incident = h.page.getByRole('link', { name: /incident/ });
    expect(await incident.getAttribute('href')).toBe(`${CONNECTIONS_PATH}/${connection.id}/incident`);
  });

  it("refuses a viewer another member's connection and the OAuth clients (404)", async () => {
    const { connection } = await alanConnection();
    await signIn('katherine@example.com');
    await h.page.goto(`${h.server.url}${CONNECTIONS_PATH}`);
    expect(await h.page.locator('main').textContent()).toContain('No OAuth connections yet.');
    for (const path of [
      `${CONNECTIONS_PATH}/${connection.id}`,
      `${CONNECTIONS_PATH}/${connection.id}/revoke`,
      CLIENTS_PATH,
    ]) {
      const response = await h.page.goto(`${h.server.url}${path}`);
      expect(response?.status(), path).toBe(404);
      expect(await h.page.title()).toContain(NOT_FOUND_TITLE);
    }
  });

  it('changes nothing when the form’s CSRF token was tampered with', async () => {
    const { connection, token } = await alanConnection();
    await signIn('alan@example.com');
    await h.page.goto(`${h.server.url}${CONNECTIONS_PATH}/${connection.id}/revoke`);
    await h.page.locator('main input[name="csrf"]').evaluate((input) => {
      (input as { value: string }).value = 'forged';
    });
    // The sign-out form holds a token too: only the action's form is submitted.
    await h.page.getByRole('button', { name: 'Revoke connection' }).click();
    await h.page.waitForLoadState();
    expect(await h.page.locator('main [role="alert"]').textContent()).toContain(
      'did not come from this site',
    );
    expect((await callWhoami(h.server, token)).status).toBe(200);
  });
});

describe('OAuth clients', SLOW, () => {
  it('lets an owner add a client (an error first, beside its field) and remove it', async () => {
    await signIn('ada@example.com');
    await h.page.getByRole('link', { name: 'OAuth clients' }).click();
    await h.page.waitForURL(new RegExp(`${CLIENTS_PATH}$`));
    await expectAccessible(h.page, 'OAuth clients');
    await h.page.getByRole('link', { name: 'Add a client' }).click();
    await expectAccessible(h.page, 'the add form');
    await h.page.getByLabel('Name members see').fill('Team dashboard');
    await h.page.getByLabel(/Redirect URIs/).fill('https://dash.example/cbhttps://evil.example/cb');
    await h.page.getByRole('button', { name: 'Add client' }).click();
    await h.page.locator('#redirect_uris-error').waitFor();
    expect(await h.page.locator('#redirect_uris-error').textContent()).toContain('glued together');
    await expectAccessible(h.page, 'the add form with an error');
    await h.page.getByLabel(/Redirect URIs/).fill('https://dash.example/cb\nhttp://127.0.0.1:8765/cb');
    await h.page.getByRole('button', { name: 'Add client' }).click();
    await h.page.getByRole('heading', { name: 'Client added' }).waitFor();
    await expectAccessible(h.page, 'client added');
    const [client] = await h.server.app.oauth.clients.list();
    expect(client?.redirectUris).toEqual(['https://dash.example/cb', 'http://127.0.0.1:8765/cb']);

    await h.page.goto(`${h.server.url}${CLIENTS_PATH}`);
    await h.page.getByRole('link', { name: /Remove .*Team dashboard/ }).click();
    expect(await h.page.locator('main').textContent()).toContain('No connection of this workspace uses it.');
    await expectAccessible(h.page, 'the remove form');
    await h.page.getByRole('button', { name: 'Remove client' }).click();
    await h.page.getByRole('heading', { name: 'Client removed' }).waitFor();
    await expectAccessible(h.page, 'client removed');
    expect(await h.server.app.oauth.clients.list()).toEqual([]);
  });
});

describe('approvals history', SLOW, () => {
  it('shows an owner the decided approvals, accessible, with who decided', async () => {
    const demo = (await h.server.app.store.workspaces.findBySlug('demo'))!;
    const alan = (await h.server.app.store.members.findByEmail(demo.id, 'alan@example.com'))!;
    const at = h.server.clock.now().toISOString();
    await h.server.app.store.pendingActions.insert({
      id: h.server.app.ids('action'),
      workspaceId: demo.id,
      credentialId: 'key_00000000000000000000000000',
      memberId: alan.id,
      tool: 'delete_task',
      args: {},
      digest: 'd'.repeat(64),
      risk: 'delete',
      tier: 'approve',
      plan: { requestedBy: { credential: 'cursor-alan-laptop' } },
      status: 'declined',
      createdAt: at,
      expiresAt: at,
      decidedAt: at,
      decidedBy: alan.id,
      result: null,
    });
    await signIn('ada@example.com');
    await h.page.goto(`${h.server.url}/admin/approvals`);
    const row = await h.page.locator('table.history tbody tr').textContent();
    expect(row).toContain('delete_task');
    expect(row).toContain('cursor-alan-laptop');
    expect(row).toContain('declined');
    await expectAccessible(h.page, 'approvals with history');
  });
});
