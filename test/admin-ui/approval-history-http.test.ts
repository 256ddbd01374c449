/**
 * The Approvals page's history over HTTP, on both stores: owners and admins see every
 * decided approval of the workspace (who asked, who decided, when, the outcome); a member or
 * viewer only those asked on their behalf, whatever cursor they type; keyset paging walks
 * the whole history without a gap or a repeat; a cursor that is not one is refused.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ActionStatus, PendingAction } from '../../src/model/index.js';
import { startTestServer, type TestServer } from '../support/mcp-server.js';
import { givePassword, signInOverHttp } from '../support/sign-in.js';
import { storeKinds } from '../support/stores.js';

let server: TestServer;

const get = (path: string, cookie: string) =>
  fetch(`${server.url}${path}`, { redirect: 'manual', headers: { cookie } });

async function cookieOf(email: string): Promise<string> {
  const { cookie } = await signInOverHttp(server, email, await givePassword(server, email));
  if (!cookie) throw new Error(`sign-in failed for ${email}`);
  return cookie;
}

const members = async () => {
  const demo = (await server.app.store.workspaces.findBySlug('demo'))!;
  const byEmail = async (email: string) => (await server.app.store.members.findByEmail(demo.id, email))!;
  return { demo, alan: await byEmail('alan@example.com'), grace: await byEmail('grace@example.com') };
};

/** A decided approval of `memberId`'s key, `minutes` after the clock's start. */
async function decided(
  memberId: string,
  tool: string,
  status: ActionStatus,
  minutes: number,
  decidedBy: string | null,
): Promise<PendingAction> {
  const { demo } = await members();
  const at = new Date(server.clock.now().getTime() + minutes * 60_000).toISOString();
  const action: PendingAction = {
    id: server.app.ids('action'),
    workspaceId: demo.id,
    credentialId: 'key_00000000000000000000000000',
    memberId,
    tool,
    args: {},
    digest: 'd'.repeat(64),
    risk: 'delete',
    tier: 'approve',
    plan: { requestedBy: { credential: `${tool}-key` } },
    status,
    createdAt: server.clock.now().toISOString(),
    expiresAt: at,
    decidedAt: at,
    decidedBy,
    result: null,
  };
  await server.app.store.pendingActions.insert(action);
  return action;
}

/** The tools named in the history table, in order. */
const historyTools = (page: string) =>
  [...(page.split('id="history"')[1] ?? '').matchAll(/<code>([a-z_0-9]+)<\/code>/g)].map((m) => m[1]);

for (const kind of storeKinds()) {
  describe(`approvals history [${kind}]`, () => {
    beforeEach(async () => {
      server = await startTestServer({ kind });
    });
    afterEach(async () => server.close());

    it('shows owners and admins every decision with who decided; a member only their own', async () => {
      const { alan, grace } = await members();
      await decided(alan.id, 'delete_task', 'executed', 1, alan.id);
      await decided(grace.id, 'delete_project', 'declined', 2, grace.id);
      await decided(alan.id, 'delete_comment', 'expired', 3, null);
      await decided(alan.id, 'still_pending', 'pending', 4, null);

      for (const email of ['ada@example.com', 'grace@example.com']) {
        const page = await (await get('/admin/approvals', await cookieOf(email))).text();
        expect(historyTools(page), email).toEqual(['delete_comment', 'delete_project', 'delete_task']);
        expect(page).toContain('approved and done');
        expect(page).toContain('declined');
        expect(page).toContain('Asked for');
      }
      const own = await (await get('/admin/approvals', await cookieOf('alan@example.com'))).text();
      expect(historyTools(own)).toEqual(['delete_comment', 'delete_task']);
      expect(own).not.toContain('delete_project');
      const viewer = await (await get('/admin/approvals', await cookieOf('katherine@example.com'))).text();
      expect(historyTools(viewer)).toEqual([]);
      expect(viewer).toContain('Nothing has been decided yet.');
    });

    it('pages through the history by keyset, with no gap and no repeat', async () => {
      const { alan } = await members();
      // Two decisions in the same instant: the id breaks the tie.
      for (let i = 0; i < 25; i++)
        await decided(alan.id, `tool_${i}`, 'executed', Math.floor(i / 2), alan.id);
      const owner = await cookieOf('ada@example.com');
      const seen: string[] = [];
      let path: string | undefined = '/admin/approvals';
      for (let pages = 0; path && pages < 5; pages++) {
        const page = await (await get(path, owner)).text();
        seen.push(...(historyTools(page) as string[]));
        path = /<a href="([^"]+)">Older decisions<\/a>/.exec(page)?.[1]?.replaceAll('&amp;', '&');
      }
      expect(seen).toHaveLength(25);
      expect(new Set(seen).size).toBe(25);
    });

    it("keeps a member inside their own history whatever cursor they type (another member's decision time)", async () => {
      const { alan, grace } = await members();
      const theirs = await decided(grace.id, 'delete_project', 'declined', 5, grace.id);
      await decided(alan.id, 'delete_task', 'executed', 1, alan.id);
      const cursor = encodeURIComponent(`${theirs.decidedAt}~${'act_ZZZZZZZZZZZZZZZZZZZZZZZZZZ'}`);
      const page = await (
        await get(`/admin/approvals?before=${cursor}`, await cookieOf('alan@example.com'))
      ).text();
      expect(historyTools(page)).toEqual(['delete_task']);
    });

    it('refuses a cursor that is not one (glued characters, not an instant, not an id)', async () => {
      const alan = await cookieOf('alan@example.com');
      for (const before of [
        'x',
        '2026-11-27T10:00:00.000Z~act_1',
        '2026-11-27T10:00:00.000Z\u202e~act_x',
        "'; drop",
      ]) {
        const response = await get(`/admin/approvals?before=${encodeURIComponent(before)}`, alan);
        expect(response.status, before).toBe(400);
      }
    });
  });
}
