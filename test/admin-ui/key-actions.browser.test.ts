/**
 * The key actions in a real browser (chromium): rotate, revoke and narrow as each role that
 * may, the 404 for each role that may not, axe on every form, form with an error and result,
 * a foreign page's forged POST, sudo before a rotation, and the end of a revoked key: a member
 * revokes it in the browser and the official MCP SDK client's next call gets 401.
 */
import { describe, expect, it } from 'vitest';
import { expectAccessible } from '../support/axe.js';
import { useConsoleBrowser } from '../support/console-browser.js';
import { callToolOverHttp, connectV1 } from '../support/mcp-server.js';

type Role = 'owner' | 'admin' | 'member' | 'viewer';
const EMAIL: Record<Role, string> = {
  owner: 'ada@example.com',
  admin: 'grace@example.com',
  member: 'alan@example.com',
  viewer: 'katherine@example.com',
};

const h = useConsoleBrowser();

const signIn = (role: Role) => h.signIn(EMAIL[role]);

async function keyOf(role: Role, options: { readOnly?: boolean; name?: string } = {}) {
  return h.server.app.keys.create({
    workspace: 'demo',
    name: options.name ?? `cursor-${role}-laptop`,
    environment: 'development',
    member: EMAIL[role],
    preset: role === 'viewer' || options.readOnly ? 'read-only' : 'standard',
  });
}

const open = async (path: string) => {
  await h.page.goto(`${h.server.url}${path}`);
  return h.page.locator('h1').textContent();
};
const submit = async (label: string) => {
  await h.page.getByRole('button', { name: label }).click();
  await h.page.waitForLoadState();
  return h.page.locator('h1').textContent();
};
const status = async (id: string) => (await h.server.app.keys.show('demo', id)).status;

describe('accessibility (axe-core)', () => {
  it('finds no violation on the rotate form, the form with an error, and the key shown once', async () => {
    await signIn('member');
    const { key } = await keyOf('member');
    expect(await open(`/admin/keys/${key.id}/rotate`)).toBe('Rotate a key');
    await expectAccessible(h.page, 'rotate form');
    await h.page.getByLabel(/Another grace window \(30m/).check();
    await h.page.getByLabel('Another grace window', { exact: true }).fill('3 weeks');
    expect(await submit('Rotate key')).toBe('Rotate a key');
    expect(await h.page.locator('#grace-other-error').textContent()).toContain('duration');
    await expectAccessible(h.page, 'rotate form with an error');
    await h.page.getByLabel('Another grace window', { exact: true }).fill('30m');
    expect(await submit('Rotate key')).toBe('Key rotated');
    await expectAccessible(h.page, 'rotate result');
    expect(await h.page.locator('#new-key').inputValue()).toMatch(/^tg_dev_/);
    expect(await h.page.locator('button[data-copy="new-key"]').textContent()).toBe('Copy');
    expect(await status(key.id)).toBe('grace');
  });

  it('finds no violation on the revoke form and its result, and the narrow form, its error and result', async () => {
    await signIn('owner');
    const { key } = await keyOf('member');
    expect(await open(`/admin/keys/${key.id}/narrow`)).toBe("Narrow a key's rights");
    await expectAccessible(h.page, 'narrow form');
    await h.page.getByLabel(/^Expire earlier/).fill('2099-01-01');
    expect(await submit('Narrow key')).toBe("Narrow a key's rights");
    expect(await h.page.locator('#expires-error').textContent()).toContain('no later than');
    await expectAccessible(h.page, 'narrow form with an error');
    await h.page.getByLabel(/^Expire earlier/).fill('');
    await h.page.getByLabel('comments:write').check();
    await h.page.getByLabel('Dry-run only').check();
    expect(await submit('Narrow key')).toBe('Key narrowed');
    await expectAccessible(h.page, 'narrow result');
    const narrowed = await h.server.app.keys.show('demo', key.id);
    expect(narrowed.scopes).not.toContain('comments:write');
    expect(narrowed.dryRunOnly).toBe(true);

    expect(await open(`/admin/keys/${key.id}/revoke`)).toBe('Revoke a key');
    await expectAccessible(h.page, 'revoke form');
    expect(await submit('Revoke now')).toBe('Key revoked');
    await expectAccessible(h.page, 'revoke result');
    expect(await status(key.id)).toBe('revoked');
  });
});

describe('each role', () => {
  it('lets an owner rotate and an admin narrow a member’s key', async () => {
    const { key } = await keyOf('member');
    await signIn('owner');
    await open(`/admin/keys/${key.id}/rotate`);
    await h.page.getByLabel(/^Leaked/).check();
    expect(await submit('Rotate key')).toBe('Key rotated');
    expect(await status(key.id)).toBe('revoked');
    const successor = (await h.server.app.keys.show('demo', key.id)).replacedBy!;
    await h.context.clearCookies();
    await signIn('admin');
    await open(`/admin/keys/${successor}/narrow`);
    await h.page.getByLabel('Read-only').check();
    expect(await submit('Narrow key')).toBe('Key narrowed');
    expect((await h.server.app.keys.show('demo', successor)).readOnly).toBe(true);
  });

  it('lets a viewer revoke, narrow and rotate their read-only key, and nothing of anyone else', async () => {
    const mine = await keyOf('viewer');
    const theirs = await keyOf('member');
    await signIn('viewer');
    for (const action of ['rotate', 'revoke', 'narrow'])
      expect(await open(`/admin/keys/${theirs.key.id}/${action}`), action).toBe('Page not found');
    await open(`/admin/keys/${mine.key.id}/narrow`);
    await h.page.getByLabel('Dry-run only').check();
    expect(await submit('Narrow key')).toBe('Key narrowed');
    await open(`/admin/keys/${mine.key.id}/rotate`);
    expect(await submit('Rotate key')).toBe('Key rotated');
    const successor = (await h.server.app.keys.show('demo', mine.key.id)).replacedBy!;
    await open(`/admin/keys/${successor}/revoke`);
    expect(await h.page.locator('main li').count()).toBe(2);
    expect(await submit('Revoke now')).toBe('Key revoked');
    expect(await status(successor)).toBe('revoked');
    expect(await status(mine.key.id)).toBe('revoked');
    expect(await status(theirs.key.id)).toBe('active');
  });

  it('shows a member the 404 page for an owner’s key and an admin the 404 for a key that does not exist', async () => {
    const owners = await keyOf('owner');
    await signIn('member');
    for (const action of ['rotate', 'revoke', 'narrow'])
      expect(await open(`/admin/keys/${owners.key.id}/${action}`), action).toBe('Page not found');
    await h.context.clearCookies();
    await signIn('admin');
    expect(await open('/admin/keys/key_00000000000000000000000000/revoke')).toBe('Page not found');
    expect(await status(owners.key.id)).toBe('active');
  });

  it('refuses a revoke a foreign page posts with a forged token, and the key keeps working', async () => {
    const { key, secret } = await keyOf('member');
    await signIn('member');
    await h.page.setContent(
      `<form method="post" action="${h.server.url}/admin/keys/${key.id}/revoke"><input name="csrf" value="forged"><button>go</button></form>`,
    );
    await h.page.getByRole('button', { name: 'go' }).click();
    await h.page.waitForLoadState();
    expect(await h.page.locator('[role="alert"]').textContent()).toContain('did not come from this site');
    expect(await status(key.id)).toBe('active');
    expect((await callToolOverHttp(h.server, secret, 'whoami')).status).toBe(200);
  });

  it('asks for the password again before a rotation when the sign-in is older than ten minutes', async () => {
    const { key } = await keyOf('member');
    const password = await signIn('member');
    h.server.clock.advance(11 * 60_000);
    await h.page.goto(`${h.server.url}/admin/keys/${key.id}/rotate`);
    await h.page.waitForURL(/\/admin\/sudo\?next=/);
    await expectAccessible(h.page, 'sudo before rotate');
    await h.page.getByLabel('Password').fill(password);
    await h.page.getByRole('button', { name: 'Confirm password' }).click();
    await h.page.waitForURL(new RegExp(`/admin/keys/${key.id}/rotate$`));
    expect(await submit('Rotate key')).toBe('Key rotated');
  });
});

describe('the end of a revoked key', () => {
  it('a member revokes their key in the browser and the next MCP call with it gets 401', async () => {
    const { key, secret } = await keyOf('member');
    const { client } = await connectV1(h.server, secret, 'Cursor');
    try {
      expect((await client.callTool({ name: 'whoami', arguments: {} })).isError).toBeFalsy();
      await signIn('member');
      await open(`/admin/keys/${key.id}/revoke`);
      expect(await submit('Revoke now')).toBe('Key revoked');
      const refused = client.callTool({ name: 'whoami', arguments: {} });
      await expect(refused).rejects.toMatchObject({ code: 401 });
      await expect(refused).rejects.toThrow(/this API key was revoked/);
      expect((await callToolOverHttp(h.server, secret, 'whoami')).status).toBe(401);
    } finally {
      await client.close();
    }
  });
});
