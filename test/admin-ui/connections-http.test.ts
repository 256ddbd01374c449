/**
 * Integrations → Connections and OAuth clients over HTTP, on both stores: who sees which
 * connection, revoking one (CSRF from a foreign page or without the token changes nothing;
 * 50 concurrent revocations record one event; the access token dies with it), and adding a
 * client with hostile redirect URIs (control characters, URIs glued together, over-long).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLIENTS_PATH, CONNECTIONS_PATH, NOT_FOUND_TITLE } from '../../src/admin-ui/index.js';
import { UNSAFE_CLASSES } from '../support/control-characters.js';
import { startTestServer, type TestServer } from '../support/mcp-server.js';
import { callWhoami, connectionsOf, connectOverHttp } from '../support/oauth.js';
import { givePassword, postForm, signInOverHttp } from '../support/sign-in.js';
import { storeKinds } from '../support/stores.js';

let server: TestServer;

const get = (path: string, cookie: string) =>
  fetch(`${server.url}${path}`, { redirect: 'manual', headers: { cookie } });

async function cookieOf(email: string): Promise<string> {
  const password = await givePassword(server, email);
  const { cookie } = await signInOverHttp(server, email, password);
  if (!cookie) throw new Error(`sign-in failed for ${email}`);
  return cookie;
}

async function csrfOn(path: string, cookie: string): Promise<string> {
  const page = await (await get(path, cookie)).text();
  const token = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
  if (!token) throw new Error(`no CSRF token on ${path}`);
  return token;
}

async function events(action: string) {
  const demo = (await server.app.store.workspaces.findBySlug('demo'))!;
  return server.app.store.audit.list(demo.id, { action, limit: 100 });
}

const memberId = async (email: string) => {
  const demo = (await server.app.store.workspaces.findBySlug('demo'))!;
  return (await server.app.store.members.findByEmail(demo.id, email))!.id;
};

/** alan's connection to a dynamically registered client, with its live access token. */
async function alanConnection() {
  const connected = await connectOverHttp(server);
  const [connection] = await connectionsOf(server);
  return { connection: connection!, token: connected.tokens.access_token! };
}

for (const kind of storeKinds()) {
  describe(`connections [${kind}]`, () => {
    beforeEach(async () => {
      server = await startTestServer({ kind });
    });
    afterEach(async () => server.close());

    it('lists every connection for owners and admins, only their own for a member or viewer', async () => {
      const { connection } = await alanConnection();
      for (const email of ['ada@example.com', 'grace@example.com', 'alan@example.com']) {
        const page = await (await get(CONNECTIONS_PATH, await cookieOf(email))).text();
        expect(page, email).toContain(connection.name);
        expect(page, email).toContain('alan@example.com');
      }
      const viewer = await cookieOf('katherine@example.com');
      const list = await get(CONNECTIONS_PATH, viewer);
      expect(list.status).toBe(200);
      expect(await list.text()).not.toContain(connection.name);
    });

    it("answers another member's connection page and its revoke form with the unknown page's 404", async () => {
      const { connection } = await alanConnection();
      const viewer = await cookieOf('katherine@example.com');
      const unknown = await get(`${CONNECTIONS_PATH}/con_00000000000000000000000000`, viewer);
      for (const path of [
        `${CONNECTIONS_PATH}/${connection.id}`,
        `${CONNECTIONS_PATH}/${connection.id}/revoke`,
      ]) {
        const response = await get(path, viewer);
        expect(response.status, path).toBe(404);
        expect(await response.text()).toBe(await (await get(`${CONNECTIONS_PATH}/nope`, viewer)).text());
      }
      expect(unknown.status).toBe(404);
      const owner = await cookieOf('ada@example.com');
      const page = await (await get(`${CONNECTIONS_PATH}/${connection.id}`, owner)).text();
      expect(page).toContain(`${CONNECTIONS_PATH}/${connection.id}/incident`);
      const own = await (
        await get(`${CONNECTIONS_PATH}/${connection.id}`, await cookieOf('alan@example.com'))
      ).text();
      expect(own).not.toContain('/incident');
    });

    it('refuses a revocation posted without the CSRF token or from a foreign origin, changing nothing', async () => {
      const { connection, token } = await alanConnection();
      const alan = await cookieOf('alan@example.com');
      const path = `${CONNECTIONS_PATH}/${connection.id}/revoke`;
      const csrf = await csrfOn(path, alan);
      expect((await postForm(server, path, {}, { cookie: alan })).status).toBe(403);
      expect((await postForm(server, path, { csrf: 'x'.repeat(43) }, { cookie: alan })).status).toBe(403);
      expect(
        (await postForm(server, path, { csrf }, { cookie: alan, origin: 'https://evil.example' })).status,
      ).toBe(403);
      expect((await connectionsOf(server))[0]?.revokedAt).toBeNull();
      expect((await callWhoami(server, token)).status).toBe(200);
      const refused = await events('connection.revoked');
      expect(refused.every((e) => e.outcome === 'denied')).toBe(true);
      expect(refused.length).toBe(3);
    });

    it('revokes a member’s own connection, recorded with them, and its access token is refused next', async () => {
      const { connection, token } = await alanConnection();
      const alan = await cookieOf('alan@example.com');
      const path = `${CONNECTIONS_PATH}/${connection.id}/revoke`;
      const form = await (await get(path, alan)).text();
      expect(form).toContain('access and refresh tokens are');
      const done = await postForm(server, path, { csrf: await csrfOn(path, alan) }, { cookie: alan });
      expect(done.status).toBe(200);
      expect(await done.text()).toContain('Connection revoked');
      expect((await callWhoami(server, token)).status).toBe(401);
      const [event] = (await events('connection.revoked')).filter((e) => e.outcome === 'ok');
      expect(event?.memberId).toBe(await memberId('alan@example.com'));
    });

    it('records one revocation of 50 concurrent ones; the others are told it is already revoked', async () => {
      const { connection } = await alanConnection();
      const owner = await cookieOf('ada@example.com');
      const path = `${CONNECTIONS_PATH}/${connection.id}/revoke`;
      const csrf = await csrfOn(path, owner);
      const statuses = await Promise.all(
        Array.from(
          { length: 50 },
          async () => (await postForm(server, path, { csrf }, { cookie: owner })).status,
        ),
      );
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(49);
      const ok = (await events('connection.revoked')).filter((e) => e.outcome === 'ok');
      expect(ok).toHaveLength(1);
      expect(ok[0]?.memberId).toBe(await memberId('ada@example.com'));
    });
  });

  describe(`OAuth clients [${kind}]`, () => {
    beforeEach(async () => {
      server = await startTestServer({ kind });
    });
    afterEach(async () => server.close());

    const NEW = `${CLIENTS_PATH}/new`;
    const clients = () => server.app.oauth.clients.list();

    it('is the 404 page for a member and a viewer, for the list and both forms', async () => {
      const { body } = await teamDashboard();
      for (const email of ['alan@example.com', 'katherine@example.com']) {
        const cookie = await cookieOf(email);
        for (const path of [CLIENTS_PATH, NEW, `${CLIENTS_PATH}/${body}/remove`]) {
          const response = await get(path, cookie);
          expect(response.status, `${email} ${path}`).toBe(404);
          expect(await response.text()).toContain(NOT_FOUND_TITLE);
        }
        const posted = await postForm(
          server,
          NEW,
          { csrf: 'x', name: 'Evil', redirect_uris: 'https://e.example/cb' },
          { cookie },
        );
        expect(posted.status).toBe(404);
      }
      expect((await clients()).map((c) => c.name)).not.toContain('Evil');
    });

    async function teamDashboard() {
      const client = await server.app.oauth.clients.add({
        name: 'Team dashboard',
        redirectUris: ['https://dash.example/callback'],
      });
      return { body: client.clientId };
    }

    it('adds a client, recorded with the admin, listed after', async () => {
      const grace = await cookieOf('grace@example.com');
      const done = await postForm(
        server,
        NEW,
        {
          csrf: await csrfOn(NEW, grace),
          name: 'Team dashboard',
          redirect_uris: 'https://dash.example/cb\r\nhttp://127.0.0.1:8765/cb\n',
        },
        { cookie: grace },
      );
      expect(done.status).toBe(200);
      const [client] = await clients();
      expect(client).toMatchObject({
        name: 'Team dashboard',
        redirectUris: ['https://dash.example/cb', 'http://127.0.0.1:8765/cb'],
      });
      expect(await (await get(CLIENTS_PATH, grace)).text()).toContain(client!.clientId);
      const [event] = (await events('oauth.client_added')).filter((e) => e.outcome === 'ok');
      expect(event?.memberId).toBe(await memberId('grace@example.com'));
    });

    const hostile: Record<string, { name?: string; redirect_uris?: string }> = {
      'two URIs glued together': { redirect_uris: 'https://dash.example/cbhttps://evil.example/cb' },
      'two URIs glued with a space': { redirect_uris: 'https://dash.example/cb https://evil.example/cb' },
      'an over-long URI': { redirect_uris: `https://dash.example/${'a'.repeat(2100)}` },
      'eleven URIs': {
        redirect_uris: Array.from({ length: 11 }, (_, i) => `https://dash.example/cb${i}`).join('\n'),
      },
      'an over-long name': { name: 'n'.repeat(101) },
      'a custom scheme': { redirect_uris: 'myapp://callback' },
      'a URI not in normal form': { redirect_uris: 'https://DASH.example/cb' },
      'plain http to a network host': { redirect_uris: 'http://dash.example/cb' },
      'no URI at all': { redirect_uris: '\n\n' },
    };
    for (const [what, character] of Object.entries(UNSAFE_CLASSES)) {
      if (what === 'line feed' || what === 'carriage return') continue; // the textarea's separators
      hostile[`a ${what} glued into a URI`] = { redirect_uris: `https://dash.example/c${character}b` };
      hostile[`a ${what} glued into the name`] = { name: `Team${character}dashboard` };
    }

    // One server for every case: each is refused before anything is stored.
    it('refuses each hostile input beside its field and adds nothing', async () => {
      const ada = await cookieOf('ada@example.com');
      const csrf = await csrfOn(NEW, ada);
      for (const [what, fields] of Object.entries(hostile)) {
        const response = await postForm(
          server,
          NEW,
          {
            csrf,
            name: fields.name ?? 'Team dashboard',
            redirect_uris: fields.redirect_uris ?? 'https://dash.example/cb',
          },
          { cookie: ada },
        );
        expect(response.status, what).toBe(400);
        const page = await response.text();
        const field = fields.name ? 'name' : 'redirect_uris';
        expect(page, what).toMatch(
          new RegExp(`name="${field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*name="${field}"`),
        );
        expect(page, what).toContain(`id="${field}-error"`);
      }
      expect(await clients()).toEqual([]);
      const refused = await events('oauth.client_added');
      expect(refused).toHaveLength(Object.keys(hostile).length);
      expect(refused.every((e) => e.outcome === 'denied')).toBe(true);
    });

    it('asks a sign-in older than ten minutes for the password before adding a client (sudo)', async () => {
      const ada = await cookieOf('ada@example.com');
      const csrf = await csrfOn(NEW, ada);
      server.clock.advance(11 * 60_000);
      const asked = await get(NEW, ada);
      expect(asked.status).toBe(303);
      expect(asked.headers.get('location')).toBe(`/admin/sudo?next=${encodeURIComponent(NEW)}`);
      const posted = await postForm(
        server,
        NEW,
        { csrf, name: 'Team dashboard', redirect_uris: 'https://dash.example/cb' },
        { cookie: ada },
      );
      expect(posted.status).toBe(303);
      expect(await clients()).toEqual([]);
    });

    it('refuses to remove from the console a client another workspace is connected to', async () => {
      const client = await server.app.oauth.clients.add({
        name: 'Shared app',
        redirectUris: ['https://shared.example/cb'],
      });
      const { workspace, owner } = await server.app.domain.workspaces.create({
        workspace: 'other',
        owner: 'olga@example.com',
      });
      await server.app.connections.grant({
        workspace,
        member: owner,
        client: { id: client.clientId, name: client.name, verified: true },
        scopes: ['tasks:read'],
        projectIds: null,
        readOnly: true,
        grantId: 'grant-of-another-workspace',
        ip: null,
        userAgent: null,
      });
      const ada = await cookieOf('ada@example.com');
      const path = `${CLIENTS_PATH}/${encodeURIComponent(client.clientId)}/remove`;
      const form = await (await get(path, ada)).text();
      expect(form).toContain('Another workspace of this server is connected to it');
      expect(form).not.toContain('olga@example.com');
      const refused = await postForm(server, path, { csrf: await csrfOn(path, ada) }, { cookie: ada });
      expect(refused.status).toBe(409);
      expect((await clients()).map((c) => c.clientId)).toEqual([client.clientId]);
      const [theirs] = await server.app.connections.list(workspace.id);
      expect(theirs?.revokedAt).toBeNull();
    });

    it('says which connections stop before removing a client, then revokes them', async () => {
      const { connection, token } = await alanConnection();
      const ada = await cookieOf('ada@example.com');
      const path = `${CLIENTS_PATH}/${encodeURIComponent(connection.oauthClientId!)}/remove`;
      const form = await (await get(path, ada)).text();
      expect(form).toContain(`${connection.name} for alan@example.com`);
      const done = await postForm(server, path, { csrf: await csrfOn(path, ada) }, { cookie: ada });
      expect(done.status).toBe(200);
      expect(await done.text()).toContain('1 connection was revoked');
      expect((await connectionsOf(server))[0]?.revokedAt).not.toBeNull();
      expect((await callWhoami(server, token)).status).toBe(401);
      const [event] = (await events('oauth.client_removed')).filter((e) => e.outcome === 'ok');
      expect(event?.memberId).toBe(await memberId('ada@example.com'));
    });
  });
}
