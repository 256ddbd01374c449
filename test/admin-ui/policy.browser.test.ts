/**
 * The Policy page in chromium: an owner changes the policy (and sees a bad budget beside its
 * field), an admin freezes the workspace — the next MCP write through the official SDK client
 * is refused and the banner, with its "until" and (for managers) a link here, is on every
 * page — and unfreezing asks for the password after ten minutes; a policy tightened in the
 * browser while a confirmation waits is what the confirmation meets; members and viewers get
 * the 404; axe on every page, form, error and result.
 */
import { describe, expect, it } from 'vitest';
import { MEMBERS_PATH, POLICY_PATH } from '../../src/admin-ui/index.js';
import { expectAccessible } from '../support/axe.js';
import { useConsoleBrowser } from '../support/console-browser.js';
import { connectV1 } from '../support/mcp-server.js';

// Several page loads and axe runs per test: slower than the default on a busy machine (2 shared CPUs).

const h = useConsoleBrowser();

const signIn = (email: string) => h.signIn(email);

type ToolResult = {
  isError?: boolean;
  content: { text: string }[];
  structuredContent?: Record<string, unknown>;
};
const textOf = (result: ToolResult) => result.content.map((c) => c.text).join('\n');
const h1 = () => h.page.locator('h1').textContent();

describe('as an owner', { timeout: 90_000 }, () => {
  it('shows the policy and changes it through the form, a bad budget beside its field', async () => {
    await signIn('ada@example.com');
    await h.page.goto(`${h.server.url}${POLICY_PATH}`);
    expect(await h.page.locator('dl').textContent()).toContain('every 90 days');
    await expectAccessible(h.page, 'policy');
    await h.page.getByRole('link', { name: 'Change the policy' }).click();
    await expectAccessible(h.page, 'policy form');
    await h.page.getByLabel('Writes per window').fill('0');
    await h.page.getByLabel('Keys are due for rotation after').selectOption('30');
    await h.page.getByRole('button', { name: 'Save the policy' }).click();
    await h.page.waitForLoadState();
    expect(await h.page.locator('#writeBudget-error').textContent()).toContain('1-10000');
    await expectAccessible(h.page, 'policy form with an error');
    expect((await h.server.app.policy.show('demo')).keyRotationDays).toBe(90);
    // What was typed stays; correcting the field is enough.
    expect(await h.page.getByLabel('Keys are due for rotation after').inputValue()).toBe('30');
    await h.page.getByLabel('Writes per window').fill('100');
    await h.page.getByLabel('Deletes', { exact: true }).selectOption('approve');
    await h.page.getByRole('button', { name: 'Save the policy' }).click();
    await h.page.waitForLoadState();
    expect(await h1()).toBe('Policy saved');
    await expectAccessible(h.page, 'policy saved');
    const policy = await h.server.app.policy.show('demo');
    expect(policy).toMatchObject({ keyRotationDays: 30, budget: { writes: 100 } });
    expect(policy.tiers.delete).toBe('approve');
  });

  it('applies a policy tightened in the browser to a confirmation that was waiting', async () => {
    await h.server.app.policy.set(null, 'demo', { update: 'token' });
    const key = await h.server.issueKey({ name: 'cursor-waiting' });
    const { client } = await connectV1(h.server, key, 'Cursor');
    const call = async (name: string, args: Record<string, unknown>) =>
      (await client.callTool({ name, arguments: args })) as ToolResult;
    const preview = await call('update_task', { task: 'APO-2', title: 'Waited through a change' });
    const token = preview.structuredContent?.token as string;
    expect(token).toMatch(/^tgc_/);

    await signIn('ada@example.com');
    await h.page.goto(`${h.server.url}${POLICY_PATH}/edit`);
    await h.page.getByLabel('Updates', { exact: true }).selectOption('approve');
    await h.page.getByRole('button', { name: 'Save the policy' }).click();
    await h.page.waitForLoadState();
    expect(await h1()).toBe('Policy saved');

    const confirmed = await call('confirm_action', { token });
    expect(confirmed.isError).toBe(true);
    expect(textOf(confirmed)).toMatch(/the workspace policy now asks for approve on update changes/);
    await client.close();
  });
});

describe('as an admin', { timeout: 90_000 }, () => {
  it('freezes the workspace: MCP writes are refused and the banner is on every page until unfrozen', async () => {
    const key = await h.server.issueKey({ name: 'claude-desktop-freeze' });
    const { client } = await connectV1(h.server, key, 'Claude');
    const password = await signIn('grace@example.com');
    await h.page.goto(`${h.server.url}${POLICY_PATH}`);
    await h.page.getByRole('link', { name: 'Freeze the workspace' }).click();
    await expectAccessible(h.page, 'freeze form');
    await h.page.getByLabel(/^Until/).fill('tomorrow');
    await h.page.getByLabel(/^Reason/).fill('incident 7');
    await h.page.getByRole('button', { name: 'Freeze' }).click();
    await h.page.waitForLoadState();
    expect(await h.page.locator('#until-error').textContent()).toContain('duration');
    await expectAccessible(h.page, 'freeze form with an error');
    expect((await h.server.app.policy.show('demo')).freeze.frozen).toBe(false);
    await h.page.getByLabel(/^Until/).fill('2h');
    await h.page.getByRole('button', { name: 'Freeze' }).click();
    await h.page.waitForLoadState();
    expect(await h1()).toBe('Workspace frozen');
    await expectAccessible(h.page, 'frozen');

    const write = (await client.callTool({
      name: 'update_task',
      arguments: { task: 'APO-2', title: 'During the freeze' },
    })) as ToolResult;
    expect(write.isError).toBe(true);
    expect(textOf(write)).toContain('is frozen');

    for (const path of ['/admin', MEMBERS_PATH, POLICY_PATH, '/admin/approvals', '/admin/nope']) {
      await h.page.goto(`${h.server.url}${path}`);
      const banner = h.page.locator('.freeze');
      expect(await banner.textContent(), path).toContain('until 2026-11-27 12:00 UTC');
      expect(await banner.textContent(), path).toContain('incident 7');
      expect(await banner.getByRole('link', { name: 'Policy and freeze' }).getAttribute('href')).toBe(
        POLICY_PATH,
      );
    }

    // Unfreezing is sudo: after ten minutes the password comes first.
    h.server.clock.advance(11 * 60_000);
    await h.page.goto(`${h.server.url}${POLICY_PATH}`);
    await h.page.getByRole('link', { name: 'Unfreeze' }).click();
    await h.page.waitForURL(/\/admin\/sudo\?next=/);
    await h.page.getByLabel('Password').fill(password);
    await h.page.getByRole('button', { name: 'Confirm password' }).click();
    await h.page.waitForURL(/\/admin\/policy\/unfreeze$/);
    await h.page.getByRole('button', { name: 'Unfreeze' }).click();
    await h.page.waitForLoadState();
    expect(await h1()).toBe('Workspace unfrozen');
    expect(await h.page.locator('.freeze').count()).toBe(0);
    const after = (await client.callTool({
      name: 'update_task',
      arguments: { task: 'APO-2', title: 'After the freeze' },
    })) as ToolResult;
    expect(after.isError).toBeFalsy();
    await client.close();
  });
});

describe('as a member or a viewer', { timeout: 90_000 }, () => {
  it.each(['alan@example.com', 'katherine@example.com'])(
    '%s gets the 404, and a banner without the link',
    async (email) => {
      await h.server.app.policy.freeze('demo', { by: null, reason: 'incident 7' });
      await signIn(email);
      const response = await h.page.goto(`${h.server.url}${POLICY_PATH}`);
      expect(response?.status()).toBe(404);
      expect(await h1()).toBe('Page not found');
      const banner = h.page.locator('.freeze');
      expect(await banner.textContent()).toContain('until someone unfreezes it');
      expect(await banner.locator('a').count()).toBe(0);
      await expectAccessible(h.page, `404 frozen as ${email}`);
    },
  );
});
