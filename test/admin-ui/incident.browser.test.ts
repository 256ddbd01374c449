/**
 * Incident response in a real browser (chromium): an owner contains a leaked key from its
 * page — the key's next MCP call is 401 and its member's other key becomes dry-run-only —
 * reads the report, previews the revert (a human's later edit shows as a conflict) and
 * applies it; an admin does the same for an OAuth connection. axe checks every page, the form
 * with an error and each result; sudo mode asks for the password first when the sign-in is old.
 */
import { describe, expect, it } from 'vitest';
import { expectAccessible } from '../support/axe.js';
import { useConsoleBrowser } from '../support/console-browser.js';
import { LEAKED, type Leak, leakAKey } from '../support/incident-fixture.js';
import { callToolOverHttp } from '../support/mcp-server.js';

let leak: Leak;
let base: string;

const h = useConsoleBrowser({
  setUp: async () => {
    leak = await leakAKey(h.server);
    base = `/admin/keys/${leak.keyId}/incident`;
  },
});

const signIn = (email: string) => h.signIn(email);
const h1 = () => h.page.locator('h1').textContent();
const events = (action: string) => h.server.app.store.audit.list(leak.workspaceId, { action, limit: 100 });

describe('incident response in the browser', () => {
  it('an owner contains a leaked key: its next MCP call is 401 and the member’s other key is dry-run only', async () => {
    await signIn('ada@example.com');
    await h.page.goto(`${h.server.url}${base}`);
    expect(await h1()).toBe(`Incident: ${LEAKED}`);
    await expectAccessible(h.page, 'incident');
    await h.page.getByRole('link', { name: 'Contain it' }).click();
    await h.page.waitForLoadState();
    await expectAccessible(h.page, 'contain form');
    await h.page.getByLabel(`Type “${LEAKED}” to confirm`).fill('cursor-alan');
    await h.page.getByRole('button', { name: 'Contain it' }).click();
    await h.page.waitForLoadState();
    expect(await h.page.locator('#confirm-error').textContent()).toContain('exactly to confirm');
    await expectAccessible(h.page, 'contain form with an error');
    expect((await callToolOverHttp(h.server, leak.secret, 'whoami')).status).toBe(200);

    await h.page.getByLabel(`Type “${LEAKED}” to confirm`).fill(LEAKED);
    await h.page.getByRole('button', { name: 'Contain it' }).click();
    await h.page.waitForLoadState();
    expect(await h1()).toBe('Contained');
    await expectAccessible(h.page, 'contain result');
    expect(await h.page.locator('main').textContent()).toContain('now dry-run only');
    expect((await callToolOverHttp(h.server, leak.secret, 'whoami')).status).toBe(401);
    expect(await h.server.app.store.apiKeys.findById(leak.workspaceId, leak.siblingId)).toMatchObject({
      dryRunOnly: true,
      revokedAt: null,
    });
    const contained = (await events('incident.contained')).filter((e) => e.outcome === 'ok');
    expect(contained.map((e) => e.memberId)).toEqual([leak.owner.memberId]);
  });

  it('reads the report, previews the revert with the human’s edit as a conflict, and applies it', async () => {
    await signIn('ada@example.com');
    await h.page.goto(`${h.server.url}${base}/report`);
    expect(await h1()).toBe(`Report: ${LEAKED}`);
    expect(await h.page.locator('main').textContent()).toContain('update task APO-1');
    await expectAccessible(h.page, 'report');
    await h.page.goto(`${h.server.url}${base}/revert`);
    await expectAccessible(h.page, 'revert preview');
    const rows = h.page.locator('tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await h.page.locator('tr.step-conflict th').textContent()).toBe('update task APO-2');
    expect(await h.page.locator('tr.step-planned th').textContent()).toBe('update task APO-1');
    await h.page.getByRole('button', { name: 'Apply the revert' }).click();
    await h.page.waitForLoadState();
    expect(await h1()).toBe('Reverted, except what needs you');
    await expectAccessible(h.page, 'revert result');
    expect(await h.page.locator('tr.step-applied th').textContent()).toBe('update task APO-1');
    expect(await h.page.locator('tr.step-conflict td').nth(2).textContent()).toContain('Conflict');
    expect((await h.server.app.domain.tasks.get(leak.owner, 'APO-1')).title).not.toBe('Pwned');
    expect((await h.server.app.domain.tasks.get(leak.owner, 'APO-2')).title).toBe('Also pwned');
  });

  it('sudo: with a sign-in older than ten minutes the password comes first, then the form', async () => {
    const password = await signIn('ada@example.com');
    h.server.clock.advance(11 * 60_000);
    await h.page.goto(`${h.server.url}${base}/contain`);
    await h.page.waitForURL(/\/admin\/sudo\?next=/);
    await h.page.getByLabel('Password').fill(password);
    await h.page.getByRole('button', { name: 'Confirm password' }).click();
    await h.page.waitForURL((url) => url.pathname === `${base}/contain`);
    expect(await h1()).toBe(`Contain ${LEAKED}`);
  });

  it('a member (the key’s own) and a viewer get the 404 page', async () => {
    for (const email of ['alan@example.com', 'katherine@example.com']) {
      await h.context.clearCookies();
      await signIn(email);
      const response = await h.page.goto(`${h.server.url}${base}`);
      expect(response?.status()).toBe(404);
      expect(await h1()).toBe('Page not found');
    }
  });

  it('an admin contains an OAuth connection from its page', async () => {
    const workspace = (await h.server.app.store.workspaces.findBySlug('demo'))!;
    const alan = (await h.server.app.store.members.findByEmail(workspace.id, 'alan@example.com'))!;
    const { connection } = await h.server.app.connections.grant({
      workspace,
      member: alan,
      client: { id: 'client-1', name: 'Claude', verified: true },
      scopes: ['tasks:read'],
      projectIds: null,
      readOnly: true,
      grantId: 'grant-1',
      ip: null,
      userAgent: null,
    });
    await signIn('grace@example.com');
    const path = `/admin/connections/${connection.id}/incident`;
    await h.page.goto(`${h.server.url}${path}`);
    expect(await h1()).toBe(`Incident: ${connection.name}`);
    await expectAccessible(h.page, 'connection incident');
    await h.page.goto(`${h.server.url}${path}/contain`);
    await h.page.getByLabel(`Type “${connection.name}” to confirm`).fill(connection.name);
    await h.page.getByRole('button', { name: 'Contain it' }).click();
    await h.page.waitForLoadState();
    expect(await h1()).toBe('Contained');
    expect(
      (await h.server.app.store.apiKeys.findById(workspace.id, connection.id))?.revokedAt,
    ).not.toBeNull();
    // Alan's API keys are his other credentials: they become dry-run only too.
    expect((await h.server.app.store.apiKeys.findById(workspace.id, leak.keyId))?.dryRunOnly).toBe(true);
  });
});
