/**
 * Integrations → API keys in a real browser (chromium), as owner, admin, member and viewer:
 * the list, creating a key (shown once, with its copy button and the client's snippet) that
 * then works with the official MCP SDK client, each key's page, and the refusals — another
 * member's key, a viewer's write key, a forged form, a stale sign-in. axe-core on every page.
 */
import { describe, expect, it } from 'vitest';
import { expectAccessible } from '../support/axe.js';
import { useConsoleBrowser } from '../support/console-browser.js';
import { connectV1 } from '../support/mcp-server.js';
import { auditEvents, keyFor, keysOf } from '../support/members.js';

/** A page flow with several browser round trips, on two shared CPUs. */
const SLOW_MS = 60_000;

const h = useConsoleBrowser();

const signIn = (email: string) => h.signIn(email);

async function openForm() {
  await h.page.goto(`${h.server.url}/admin/keys/new`);
  expect(await h.page.locator('h1').textContent()).toBe('Create an API key');
}

async function submit() {
  await h.page.getByRole('button', { name: 'Create key' }).click();
  await h.page.waitForLoadState();
}

const notFound = async (path: string) => {
  const response = await h.page.goto(`${h.server.url}${path}`);
  expect(response?.status(), path).toBe(404);
  expect(await h.page.locator('h1').textContent()).toBe('Page not found');
};

describe('as an owner', { timeout: SLOW_MS }, () => {
  it(
    'creates a key shown once with its copy button and snippet, which then works with the MCP SDK',
    async () => {
      await signIn('ada@example.com');
      await h.page.goto(`${h.server.url}/admin/keys`);
      await h.page.getByRole('link', { name: 'Create a key' }).click();
      await h.page.waitForURL(/\/admin\/keys\/new$/);
      await h.page.getByLabel('Client').selectOption('cursor');
      await h.page.getByLabel('Name', { exact: true }).fill('cursor-work-laptop');
      await h.page.getByLabel('standard').check();
      await submit();
      expect(await h.page.locator('h1').textContent()).toBe('Key created');
      const secret = await h.page.locator('#new-key').inputValue();
      expect(secret).toMatch(/^tg_/);
      expect(await h.page.locator('#new-key').getAttribute('readonly')).not.toBeNull();
      expect(await h.page.locator('pre code').textContent()).toContain(`\${env:TASKGATE_API_KEY}`);
      // Without the copy script the button is inert: no navigation, no form.
      const copy = h.page.locator('button[data-copy="new-key"]');
      expect(await copy.getAttribute('type')).toBe('button');
      await copy.click();
      expect(new URL(h.page.url()).pathname).toBe('/admin/keys/new');

      const { client } = await connectV1(h.server, secret);
      expect((await client.listTools()).tools.length).toBeGreaterThan(0);
      const called = await client.callTool({ name: 'list_projects', arguments: {} });
      expect(called.isError).toBeFalsy();
      await client.close();

      await h.page.goto(`${h.server.url}/admin/keys`);
      expect(await h.page.content()).not.toContain(secret);
      expect(await h.page.locator('table.keys tbody tr').count()).toBe(1);
      await h.page.getByRole('link', { name: 'cursor-work-laptop' }).click();
      await h.page.waitForURL(/\/admin\/keys\/key_/);
      expect(await h.page.content()).not.toContain(secret);
      expect(await h.page.locator('table.chart-data').count()).toBe(1);
      expect(await h.page.locator('svg[role="img"]').count()).toBe(1);
      expect(await h.page.getByRole('link', { name: /Respond to an incident/ }).count()).toBe(1);
      expect(await h.page.locator('main').textContent()).toContain('mcp.tool_called');
      expect(JSON.stringify(await auditEvents(h.server))).not.toContain(secret);
    },
    SLOW_MS,
  );

  it(
    'finds no violation on the list, the form, its result and the key page (axe-core)',
    async () => {
      await signIn('ada@example.com');
      await h.page.goto(`${h.server.url}/admin/keys`);
      await expectAccessible(h.page, '/admin/keys empty');
      await openForm();
      await expectAccessible(h.page, 'create form');
      await h.page.getByLabel('Client').selectOption('vscode');
      await h.page.getByLabel('Name', { exact: true }).fill('vscode-work-laptop');
      await submit();
      await expectAccessible(h.page, 'create result');
      await h.page.goto(`${h.server.url}/admin/keys`);
      await expectAccessible(h.page, '/admin/keys');
      await h.page.getByRole('link', { name: 'vscode-work-laptop' }).click();
      await h.page.waitForURL(/\/admin\/keys\/key_/);
      await expectAccessible(h.page, 'key page');
    },
    SLOW_MS,
  );

  it('re-renders the form with the error beside the field and creates nothing', async () => {
    await signIn('ada@example.com');
    await openForm();
    await h.page.getByLabel('Name', { exact: true }).fill('My Cursor Key');
    await submit();
    expect(await h.page.locator('#name-error').textContent()).toContain('try "my-cursor-key"');
    expect(await h.page.getByLabel('Name', { exact: true }).getAttribute('aria-describedby')).toContain(
      'name-error',
    );
    await expectAccessible(h.page, 'create form with an error');
    expect(await keysOf(h.server, 'ada@example.com')).toHaveLength(0);
  });

  it('refuses a form whose CSRF token was removed (forged form), nothing created', async () => {
    await signIn('ada@example.com');
    await openForm();
    await h.page.evaluate(
      `document.querySelector('form[action="/admin/keys/new"] input[name=csrf]').remove()`,
    );
    await h.page.getByLabel('Name', { exact: true }).fill('cursor-work-laptop');
    const response = h.page.waitForResponse((r) => r.request().method() === 'POST');
    await submit();
    expect((await response).status()).toBe(403);
    expect(await h.page.locator('[role="alert"]').textContent()).toContain('did not come from this site');
    expect(await keysOf(h.server, 'ada@example.com')).toHaveLength(0);
  });

  it('asks for the password when the sign-in is older than ten minutes, then returns to the form', async () => {
    const password = await signIn('ada@example.com');
    h.server.clock.advance(11 * 60_000);
    await h.page.goto(`${h.server.url}/admin/keys/new`);
    await h.page.waitForURL(/\/admin\/sudo\?next=/);
    await h.page.getByLabel('Password').fill(password);
    await h.page.getByRole('button', { name: 'Confirm password' }).click();
    await h.page.waitForURL(/\/admin\/keys\/new$/);
    await h.page.getByLabel('Name', { exact: true }).fill('cursor-work-laptop');
    await submit();
    expect(await h.page.locator('h1').textContent()).toBe('Key created');
  });
});

describe('as an admin', { timeout: SLOW_MS }, () => {
  it("sees every member's keys and a key page with the incident link", async () => {
    const { key } = await keyFor(h.server, 'alan@example.com', 'cursor-alan-laptop');
    await signIn('grace@example.com');
    await h.page.goto(`${h.server.url}/admin/keys`);
    expect(await h.page.locator('table.keys').textContent()).toContain('alan@example.com');
    await h.page.goto(`${h.server.url}/admin/keys/${key.id}`);
    expect(await h.page.locator('h1').textContent()).toBe('Key cursor-alan-laptop');
    expect(await h.page.getByRole('link', { name: /Respond to an incident/ }).count()).toBe(1);
    await notFound('/admin/keys/key_00000000000000000000000000');
  });
});

describe('as a member', { timeout: SLOW_MS }, () => {
  it("creates their own key, sees only their own, and gets the 404 for another's key", async () => {
    const { key: foreign } = await keyFor(h.server, 'grace@example.com', 'cursor-grace-laptop');
    await signIn('alan@example.com');
    await openForm();
    expect(await h.page.locator('input[name="member"]').count()).toBe(0);
    await h.page.getByLabel('Name', { exact: true }).fill('cursor-alan-laptop');
    await submit();
    expect(await h.page.locator('h1').textContent()).toBe('Key created');
    await h.page.goto(`${h.server.url}/admin/keys`);
    const table = await h.page.locator('table.keys').textContent();
    expect(table).toContain('cursor-alan-laptop');
    expect(table).not.toContain('cursor-grace-laptop');
    await notFound(`/admin/keys/${foreign.id}`);
    const [own] = await keysOf(h.server, 'alan@example.com');
    await h.page.goto(`${h.server.url}/admin/keys/${own!.id}`);
    await expectAccessible(h.page, 'member key page');
    expect(await h.page.getByRole('link', { name: /Respond to an incident/ }).count()).toBe(0);
    expect(await h.page.getByRole('link', { name: 'Rotate this key' }).getAttribute('href')).toBe(
      `/admin/keys/${own!.id}/rotate`,
    );
  });
});

describe('as a viewer', { timeout: SLOW_MS }, () => {
  it('is offered only read-only keys, creates one, and gets the 404 for a key not theirs', async () => {
    const { key: foreign } = await keyFor(h.server, 'alan@example.com', 'cursor-alan-laptop');
    await signIn('katherine@example.com');
    await openForm();
    expect(await h.page.locator('input[name="preset"]').count()).toBe(1);
    expect(await h.page.locator('input[name^="scope-"]').count()).toBe(0);
    await expectAccessible(h.page, 'viewer create form');
    await h.page.getByLabel('Name', { exact: true }).fill('cursor-kath-laptop');
    await submit();
    expect(await h.page.locator('h1').textContent()).toBe('Key created');
    const [own] = await keysOf(h.server, 'katherine@example.com');
    expect(own?.readOnly).toBe(true);
    await notFound(`/admin/keys/${foreign.id}`);
    await h.page.goto(`${h.server.url}/admin/keys`);
    expect(await h.page.locator('table.keys').textContent()).not.toContain('cursor-alan-laptop');
  });

  it('is refused a write-capable key posted past the form, beside the field', async () => {
    await signIn('katherine@example.com');
    await openForm();
    await h.page.evaluate(
      'document.querySelector("input[name=readOnly]").remove(); document.querySelector("input[name=preset]").value = "full"',
    );
    await h.page.getByLabel('Name', { exact: true }).fill('cursor-kath-laptop');
    await submit();
    expect(await h.page.locator('#scopes-error').textContent()).toContain(
      'viewer cannot create a write-capable key',
    );
    await expectAccessible(h.page, 'viewer refused');
    expect(await keysOf(h.server, 'katherine@example.com')).toHaveLength(0);
  });
});
