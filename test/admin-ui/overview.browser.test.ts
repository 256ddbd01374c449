/**
 * The Overview in a real browser (chromium): what an owner or admin sees of the workspace —
 * approvals, the alerts placeholder, keys needing attention, the audit chain, recent activity
 * and the live security checklist with a link to fix each item — and what a member or viewer
 * sees instead (only their own). axe checks each role's page; print media hides the
 * navigation and the forms and keeps the checklist.
 */
import { describe, expect, it } from 'vitest';
import { CHECKLIST_ITEM_IDS } from '../../src/admin/index.js';
import { expectAccessible } from '../support/axe.js';
import { useConsoleBrowser } from '../support/console-browser.js';

let alanKeyId: string;
let adaKeyId: string;

const h = useConsoleBrowser({
  setUp: async () => {
    const create = async (name: string, member: string) =>
      (
        await h.server.app.keys.create({
          workspace: 'demo',
          name,
          environment: 'development',
          member,
          scopes: ['tasks:read'],
        })
      ).key.id;
    adaKeyId = await create('cursor-ada-laptop', 'ada@example.com');
    alanKeyId = await create('claude-alan-desktop', 'alan@example.com');
    const workspace = (await h.server.app.store.workspaces.findBySlug('demo'))!;
    const grace = (await h.server.app.store.members.findByEmail(workspace.id, 'grace@example.com'))!;
    await h.server.app.activity.verify({ kind: 'member', member: grace });
  },
});

const signIn = (email: string) => h.signIn(email);
const main = () => h.page.locator('main').textContent();

describe('the Overview', () => {
  it('shows an owner the workspace, with the checklist and a link to fix each item (axe)', async () => {
    await signIn('ada@example.com');
    expect(await h.page.locator('h1').textContent()).toBe('Overview');
    await expectAccessible(h.page, 'overview as owner');
    const headings = await h.page.locator('main h2').allTextContents();
    expect(headings).toEqual([
      'Pending approvals',
      'Active alerts',
      'Keys that need attention',
      'Audit chain',
      'Recent activity',
      'Security checklist',
    ]);
    const text = await main();
    expect(text).toContain('No open alerts.');
    expect(text).toContain('Never used (2)');
    expect(await h.page.locator(`main a[href="/admin/keys/${alanKeyId}"]`).count()).toBeGreaterThan(0);
    expect(await h.page.locator('section[aria-labelledby="chain-heading"] dd').allTextContents()).toEqual(
      expect.arrayContaining(['grace@example.com', expect.stringContaining('Intact')]),
    );
    expect(await h.page.locator('a[href="/admin/approvals"]').count()).toBeGreaterThan(0);
    expect(await h.page.locator('main a[href^="/admin/activity/evt_"]').count()).toBeGreaterThan(0);
    const items = h.page.locator('.checklist-items > li');
    expect(await items.count()).toBe(CHECKLIST_ITEM_IDS.length);
    for (const id of CHECKLIST_ITEM_IDS) {
      const item = h.page.locator(`#check-${id}`);
      expect(await item.locator('.check-status').textContent()).toMatch(/^(Pass|Warning|Fail|Advice)$/);
      expect((await item.locator('.check-fix').textContent())?.trim()).not.toBe('');
    }
    expect(await h.page.locator('#check-audit-verified .check-status').textContent()).toBe('Pass');
    expect(
      await h.page.locator('.check-fix a[href="/admin/policy"], .check-fix a[href^="/admin/keys"]').count(),
    ).toBeGreaterThan(0);
    expect(await h.page.getByRole('link', { name: 'Sign out everywhere' }).count()).toBe(1);
  });

  it('shows a member only their own keys and activity: no checklist, no audit chain (axe)', async () => {
    await signIn('alan@example.com');
    await expectAccessible(h.page, 'overview as member');
    const headings = await h.page.locator('main h2').allTextContents();
    expect(headings).toEqual(['Pending approvals', 'Your keys that need attention', 'Your recent activity']);
    const text = await main();
    expect(text).toContain('claude-alan-desktop');
    expect(text).not.toContain('cursor-ada-laptop');
    expect(text).not.toContain('grace@example.com');
    expect(await h.page.locator(`a[href="/admin/keys/${adaKeyId}"]`).count()).toBe(0);
    expect(await h.page.getByRole('link', { name: 'Sign out everywhere' }).count()).toBe(1);
  });

  it('shows a viewer their own keys’ health and approvals only (axe)', async () => {
    await signIn('katherine@example.com');
    await expectAccessible(h.page, 'overview as viewer');
    expect(await h.page.locator('main h2').allTextContents()).toEqual([
      'Pending approvals',
      'Your keys that need attention',
    ]);
    expect(await main()).not.toContain('cursor-ada-laptop');
  });

  it('prints the checklist without the navigation or any form (print media)', async () => {
    await signIn('grace@example.com');
    expect(await h.page.locator('header nav').isVisible()).toBe(true);
    await h.page.emulateMedia({ media: 'print' });
    expect(await h.page.locator('header nav').isVisible()).toBe(false);
    expect(await h.page.locator('form.signout').isVisible()).toBe(false);
    expect(await h.page.getByRole('link', { name: 'Sign out everywhere' }).isVisible()).toBe(false);
    expect(await h.page.locator('section.checklist').isVisible()).toBe(true);
    expect(await h.page.locator('#check-separate-keys').isVisible()).toBe(true);
    expect(await h.page.locator('#check-separate-keys .check-status').isVisible()).toBe(true);
    // The fix's address is printed after its link (a printed link cannot be followed).
    const after = await h.page.evaluate(
      `getComputedStyle(document.querySelector('#check-rotation .check-fix a'), '::after').content`,
    );
    expect(after).toContain('/admin/keys');
    await h.page.emulateMedia({ media: 'screen' });
    expect(await h.page.locator('header nav').isVisible()).toBe(true);
  });
});
