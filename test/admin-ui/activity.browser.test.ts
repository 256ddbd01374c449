/**
 * The Activity page in a real browser (chromium): what owners, admins and members see, the
 * viewer's 404, filtering with the form (and an error beside its field), paging both ways,
 * an event's page, verifying the chain, and downloading the view; axe-core on each page.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/model/index.js';
import { DEMO, eventIdsOn, seedCalls } from '../support/activity-console.js';
import { expectAccessible } from '../support/axe.js';
import { useConsoleBrowser } from '../support/console-browser.js';
import { keyFor } from '../support/members.js';

let ada: AuditEvent[];
let alan: AuditEvent[];

const h = useConsoleBrowser({
  setUp: async () => {
    const key = await keyFor(h.server, DEMO.member, 'cursor-alan-laptop');
    ada = await seedCalls(h.server, DEMO.owner, 2);
    alan = await seedCalls(h.server, DEMO.member, 5, {
      credentialId: key.key.id,
      credentialName: 'cursor-alan-laptop',
    });
  },
});

const signIn = (email: string) => h.signIn(email, { next: '/admin/activity' });

const shownIds = async () => eventIdsOn(await h.page.content());
const newestFirst = (events: AuditEvent[]) => events.map((e) => e.id).reverse();

describe('activity in the browser', () => {
  it("shows the owner every member's events, filters with the form, and is accessible", async () => {
    await signIn(DEMO.owner);
    expect(new URL(h.page.url()).pathname).toBe('/admin/activity');
    expect(await h.page.locator('h1').textContent()).toBe('Activity');
    expect(await shownIds()).toEqual(expect.arrayContaining([...ada, ...alan].map((e) => e.id)));
    await expectAccessible(h.page, '/admin/activity');
    await h.page.getByLabel('Tool').fill('update_task');
    await h.page.getByLabel('Member').fill(DEMO.member);
    await h.page.getByRole('button', { name: 'Filter' }).click();
    await h.page.waitForLoadState();
    expect(new URL(h.page.url()).searchParams.get('tool')).toBe('update_task');
    expect(await shownIds()).toEqual(newestFirst(alan.filter((e) => e.tool === 'update_task')));
    expect(await h.page.getByLabel('Tool').inputValue()).toBe('update_task');
    await expectAccessible(h.page, '/admin/activity filtered');
  });

  it('shows a bad filter beside its field, with nothing listed, and is accessible', async () => {
    await signIn(DEMO.admin);
    await h.page.getByLabel('Since').fill('yesterday');
    await h.page.getByRole('button', { name: 'Filter' }).click();
    await h.page.waitForLoadState();
    expect(await h.page.locator('#since-error').textContent()).toMatch(/must be a duration like 24h/);
    expect(await h.page.getByLabel('Since').getAttribute('aria-invalid')).toBe('true');
    expect(await shownIds()).toEqual([]);
    await expectAccessible(h.page, '/admin/activity with an error');
  });

  it('pages to older events and back to newer ones', async () => {
    await signIn(DEMO.owner);
    await h.page.goto(`${h.server.url}/admin/activity?member=${encodeURIComponent(DEMO.member)}&limit=2`);
    const ids = newestFirst(alan);
    expect(await shownIds()).toEqual(ids.slice(0, 2));
    await h.page.getByRole('link', { name: 'Older events' }).click();
    await h.page.waitForLoadState();
    expect(await shownIds()).toEqual(ids.slice(2, 4));
    await h.page.getByRole('link', { name: 'Older events' }).click();
    await h.page.waitForLoadState();
    expect(await shownIds()).toEqual(ids.slice(4));
    expect(await h.page.getByRole('link', { name: 'Older events' }).count()).toBe(0);
    await h.page.getByRole('link', { name: 'Newer events' }).click();
    await h.page.waitForLoadState();
    expect(await shownIds()).toEqual(ids.slice(2, 4));
    await expectAccessible(h.page, '/admin/activity paged');
  });

  it("opens an event's page: arguments, client, chain and a link to its key", async () => {
    await signIn(DEMO.member);
    const newest = alan.at(-1)!;
    await h.page.locator(`a[href="/admin/activity/${newest.id}"]`).click();
    await h.page.waitForLoadState();
    expect(new URL(h.page.url()).pathname).toBe(`/admin/activity/${newest.id}`);
    const main = (await h.page.locator('main').textContent()) ?? '';
    expect(main).toContain('"marker": "alan-4"');
    expect(main).toContain('client "cursor 1.2.0"');
    expect(main).toContain('Place in the chain');
    expect(main).toMatch(/Linkverifies/);
    expect(await h.page.locator(`a[href="/admin/keys/${alan[0]!.credentialId}"]`).count()).toBe(1);
    await expectAccessible(h.page, 'an event page');
  });

  it('verifies the chain for an admin and shows the result', async () => {
    await signIn(DEMO.admin);
    expect(await h.page.getByText('The chain has never been verified.').count()).toBe(1);
    await h.page.getByRole('button', { name: 'Verify the chain now' }).click();
    await h.page.waitForLoadState();
    expect(await h.page.locator('h1').textContent()).toBe('The audit chain is intact');
    await expectAccessible(h.page, 'the verification result');
    await h.page.getByRole('link', { name: 'Back to the activity' }).click();
    await h.page.waitForLoadState();
    expect(await h.page.locator('main').textContent()).toContain(`by ${DEMO.admin}: intact`);
  });

  it('downloads the filtered view as CSV, holding only what the member may see', async () => {
    await signIn(DEMO.member);
    await h.page.getByLabel('Tool').fill('get_task');
    await h.page.getByRole('button', { name: 'Filter' }).click();
    await h.page.waitForLoadState();
    const [download] = await Promise.all([
      h.page.waitForEvent('download'),
      h.page.getByRole('link', { name: 'CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('demo-audit.csv');
    const text = await readFile((await download.path())!, 'utf8');
    const rows = text.split('\r\n').filter(Boolean);
    expect(rows[0]).toMatch(/^id,/);
    expect(rows.slice(1).map((r) => r.split(',')[0])).toEqual(
      alan.filter((e) => e.tool === 'get_task').map((e) => e.id),
    );
  });

  it('shows a member only their own events, without the member filter or the verify button', async () => {
    await signIn(DEMO.member);
    const shown = await shownIds();
    expect(shown).toEqual(expect.arrayContaining(alan.map((e) => e.id)));
    for (const e of ada) expect(shown).not.toContain(e.id);
    expect(await h.page.getByLabel('Member').count()).toBe(0);
    expect(await h.page.getByRole('button', { name: 'Verify the chain now' }).count()).toBe(0);
    await expectAccessible(h.page, '/admin/activity as a member');
  });

  it('answers a viewer with the 404 page and no Activity link', async () => {
    await signIn(DEMO.viewer);
    expect(await h.page.locator('h1').textContent()).toBe('Page not found');
    expect(await h.page.locator('header nav a').allTextContents()).not.toContain('Activity');
    await h.page.goto(`${h.server.url}/admin/activity/${alan[0]!.id}`);
    expect(await h.page.locator('h1').textContent()).toBe('Page not found');
    await expectAccessible(h.page, 'the 404 for a viewer');
  });
});
