/**
 * The Overview over plain HTTP, on both stores: the live checklist follows the workspace —
 * a key used by two clients fails "separate keys", a second key with a name that names no
 * machine warns, verifying the audit chain passes its item — and a member's page counts
 * their own pending approvals and names only their own keys.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectV1, startTestServer, type TestServer } from '../support/mcp-server.js';
import { givePassword, signInOverHttp } from '../support/sign-in.js';
import { storeKinds } from '../support/stores.js';

for (const kind of storeKinds()) {
  describe(`the Overview over HTTP [${kind}]`, () => {
    let server: TestServer;

    beforeEach(async () => {
      server = await startTestServer({ kind });
    });
    afterEach(async () => server?.close());

    async function overviewOf(email: string) {
      const { cookie } = await signInOverHttp(server, email, await givePassword(server, email));
      return async () => {
        const response = await fetch(`${server.url}/admin`, { headers: { cookie: cookie! } });
        expect(response.status).toBe(200);
        return response.text();
      };
    }
    const statusOf = (html: string, id: string) =>
      new RegExp(`<li id="check-${id}" class="check check-(\\w+)"`).exec(html)?.[1];
    const create = (name: string, member = 'ada@example.com', scopes = ['tasks:read']) =>
      server.app.keys.create({ workspace: 'demo', name, environment: 'development', member, scopes });

    it('checklist items change status as the workspace changes', async () => {
      const overview = await overviewOf('ada@example.com');
      const first = await create('cursor-ada-laptop');
      let html = await overview();
      expect(statusOf(html, 'separate-keys')).toBe('pass');
      expect(statusOf(html, 'descriptive-names')).toBe('pass');
      expect(statusOf(html, 'audit-verified')).not.toBe('pass');

      // The same key from a second client on the same machine: give each client its own key.
      for (const client of ['Cursor', 'Claude Code']) {
        const { client: mcp } = await connectV1(server, first.secret, client);
        await mcp.callTool({ name: 'whoami', arguments: {} });
        await mcp.close();
      }
      html = await overview();
      expect(statusOf(html, 'separate-keys')).toBe('fail');
      expect(html).toContain(`href="/admin/keys/${first.key.id}"`);

      // A second key for that machine, named after nothing: descriptive names warn.
      await create('my-key');
      expect(statusOf(await overview(), 'descriptive-names')).toBe('warn');

      const workspace = (await server.app.store.workspaces.findBySlug('demo'))!;
      const ada = (await server.app.store.members.findByEmail(workspace.id, 'ada@example.com'))!;
      await server.app.activity.verify({ kind: 'member', member: ada });
      html = await overview();
      expect(statusOf(html, 'audit-verified')).toBe('pass');
      expect(html).toContain('ada@example.com');
    });

    it('a member’s overview counts their own pending approvals and names only their own keys', async () => {
      await server.app.policy.set(null, 'demo', { delete: 'approve' });
      await create('cursor-ada-laptop');
      const alanKey = await create('claude-alan-desktop', 'alan@example.com', [
        'tasks:read',
        'tasks:write',
        'tasks:delete',
      ]);
      const { client } = await connectV1(server, alanKey.secret, 'Claude');
      const asked = (await client.callTool({ name: 'delete_task', arguments: { task: 'APO-1' } })) as {
        structuredContent?: { status?: string };
      };
      await client.close();
      expect(asked.structuredContent?.status).toBe('approval_required');
      const html = await (await overviewOf('alan@example.com'))();
      expect(html).toContain('1 change waits for your approval.');
      expect(html).toContain('claude-alan-desktop');
      expect(html).not.toContain('cursor-ada-laptop');
      expect(html).not.toContain('id="checklist-heading"');
      expect(html).not.toContain('id="chain-heading"');
    });
  });
}
