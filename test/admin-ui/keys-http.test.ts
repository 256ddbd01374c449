/**
 * Integrations → API keys over HTTP, on both stores, one attack per test: another member's
 * key probed by id, a viewer or member asking for more than their role, bad form input
 * (control characters glued to the name, over-long, unknown scope or project), a foreign
 * form (CSRF), a stale sign-in (sudo), 50 concurrent creates of one name — and the secret
 * shown once, never again in a page or the audit log.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { glued, UNSAFE_CLASSES } from '../support/control-characters.js';
import { connectV1, startTestServer, type TestServer } from '../support/mcp-server.js';
import { auditEvents, describeEachServer, keyFor, keysOf } from '../support/members.js';
import { givePassword, postForm, signInOverHttp } from '../support/sign-in.js';

const NEW = '/admin/keys/new';

async function session(server: TestServer, email: string) {
  const password = await givePassword(server, email);
  const { cookie } = await signInOverHttp(server, email, password);
  if (!cookie) throw new Error(`no session for ${email}`);
  const page = await (await get(server, NEW, cookie)).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
  if (!csrf) throw new Error('no CSRF token on the create form');
  return { cookie, csrf, password };
}

const get = (server: TestServer, path: string, cookie: string) =>
  fetch(`${server.url}${path}`, { redirect: 'manual', headers: { cookie } });

const create = (
  server: TestServer,
  s: { cookie: string; csrf: string },
  fields: Record<string, string>,
  csrf: string | null = s.csrf,
) =>
  postForm(
    server,
    NEW,
    { ...(csrf !== null && { csrf }), environment: 'development', ...fields },
    { cookie: s.cookie },
  );

const allKeys = async (server: TestServer) => {
  const demo = (await server.app.store.workspaces.findBySlug('demo'))!;
  return server.app.store.apiKeys.list(demo.id);
};

const secretOn = (page: string) =>
  /id="new-key"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*id="new-key"/.exec(page);

describeEachServer('API keys page', (current) => {
  it('creates a key for the owner, shows it once with the snippet, and never again', async () => {
    const server = current();
    const owner = await session(server, 'ada@example.com');
    const response = await create(server, owner, {
      name: 'cursor-work-laptop',
      client: 'cursor',
      preset: 'standard',
    });
    expect(response.status).toBe(200);
    const page = await response.text();
    const match = secretOn(page);
    const secret = match?.[1] ?? match?.[2];
    expect(secret).toMatch(/^tg_/);
    expect(page.split(secret!).length - 1).toBe(1);
    expect(page).toContain('data-copy="new-key"');
    expect(page).toContain('~/.cursor/mcp.json');
    expect(page).toContain(`Bearer \${env:TASKGATE_API_KEY}`);

    const [key] = await keysOf(server, 'ada@example.com');
    expect(key?.name).toBe('cursor-work-laptop');
    const created = (await auditEvents(server)).filter((e) => e.action === 'key.created');
    expect(created.at(-1)?.memberId).toBe(key?.memberId);
    for (const path of ['/admin/keys', `/admin/keys/${key!.id}`, '/admin']) {
      const later = await (await get(server, path, owner.cookie)).text();
      expect(later, path).not.toContain(secret);
    }
    expect(JSON.stringify(await auditEvents(server))).not.toContain(secret);
    expect(JSON.stringify(await auditEvents(server))).not.toContain(secret!.slice(-12));
  });

  it("answers another member's key exactly like an unknown page (member probing by id)", async () => {
    const server = current();
    const { key } = await keyFor(server, 'grace@example.com', 'cursor-grace-laptop');
    const own = await keyFor(server, 'alan@example.com', 'cursor-alan-laptop');
    const alan = await session(server, 'alan@example.com');
    const unknown = await get(server, '/admin/keys/key_00000000000000000000000000', alan.cookie);
    const foreign = await get(server, `/admin/keys/${key.id}`, alan.cookie);
    expect(foreign.status).toBe(404);
    expect(await foreign.text()).toBe(await unknown.text());
    const list = await (await get(server, '/admin/keys', alan.cookie)).text();
    expect(list).not.toContain('cursor-grace-laptop');
    expect(list).toContain('cursor-alan-laptop');
    expect((await get(server, `/admin/keys/${own.key.id}`, alan.cookie)).status).toBe(200);
    const grace = await session(server, 'grace@example.com');
    const all = await (await get(server, '/admin/keys', grace.cookie)).text();
    expect(all).toContain('cursor-alan-laptop');
    expect(all).toContain('cursor-grace-laptop');
  });

  it('refuses a viewer a write-capable key beside the field and creates nothing', async () => {
    const server = current();
    const viewer = await session(server, 'katherine@example.com');
    const asks: Record<string, string>[] = [
      { preset: 'full' },
      { preset: 'custom', 'scope-tasks:write': 'on' },
    ];
    for (const fields of asks) {
      const refused = await create(server, viewer, { name: 'cursor-kath-laptop', ...fields });
      expect(refused.status).toBe(403);
      expect(await refused.text()).toMatch(
        /id="scopes-error"[^>]*>[^<]*viewer cannot create a write-capable key/,
      );
    }
    expect(await allKeys(server)).toHaveLength(0);
    const ok = await create(server, viewer, {
      name: 'cursor-kath-laptop',
      preset: 'read-only',
      readOnly: 'on',
    });
    expect(ok.status).toBe(200);
    expect((await keysOf(server, 'katherine@example.com'))[0]?.readOnly).toBe(true);
  });

  it('refuses a member a key for someone else, and scopes beyond their role', async () => {
    const server = current();
    const alan = await session(server, 'alan@example.com');
    const other = await create(server, alan, { name: 'cursor-ada-laptop', member: 'ada@example.com' });
    expect(other.status).toBe(403);
    expect(await other.text()).toContain('id="member-error"');
    const wide = await create(server, alan, { name: 'cursor-alan-laptop', preset: 'full' });
    expect(wide.status).toBe(400);
    expect(await wide.text()).toMatch(/id="scopes-error"[^>]*>[^<]*exceed the role member/);
    expect(await allKeys(server)).toHaveLength(0);
  });

  it('refuses a name with a control, bidi or separator character glued to it, nothing created', async () => {
    const server = current();
    const alan = await session(server, 'alan@example.com');
    for (const [what, c] of Object.entries(UNSAFE_CLASSES)) {
      for (const name of [...Object.values(glued(c)), `cursor-work-laptop${c}`, `${c}cursor-work-laptop`]) {
        const refused = await create(server, alan, { name });
        expect(refused.status, `${what} ${JSON.stringify(name)}`).toBe(400);
        expect(await refused.text()).toContain('id="name-error"');
      }
    }
    expect(await allKeys(server)).toHaveLength(0);
  });

  it('refuses an over-long name, an unknown scope and an unknown project, nothing created', async () => {
    const server = current();
    const owner = await session(server, 'ada@example.com');
    const cases: [Record<string, string>, string][] = [
      [{ name: `cursor-${'a'.repeat(60)}` }, 'name'],
      [{ name: 'x'.repeat(5000) }, 'name'],
      [{ name: 'cursor-work-laptop', preset: 'custom', 'scope-tasks:own': 'on' }, 'scopes'],
      [{ name: 'cursor-work-laptop', preset: 'custom' }, 'scopes'],
      [{ name: 'cursor-work-laptop', projects: 'NOPE' }, 'projects'],
      [{ name: 'cursor-work-laptop', ip: '10.0.0.0/33' }, 'ip'],
      [{ name: 'cursor-work-laptop', expiresIn: '365' }, 'expiresIn'],
      [{ name: 'cursor-work-laptop', environment: 'production' }, 'environment'],
      [{ name: 'cursor-work-laptop', client: 'emacs' }, 'client'],
    ];
    for (const [fields, field] of cases) {
      const refused = await create(server, owner, fields);
      expect(refused.status, JSON.stringify(fields).slice(0, 80)).toBe(400);
      expect(await refused.text()).toContain(`id="${field}-error"`);
    }
    expect(await allKeys(server)).toHaveLength(0);
  });

  it('lists and shows through the service the CLI calls: a member their own keys, an owner all', async () => {
    const server = current();
    const grace = await keyFor(server, 'grace@example.com', 'cursor-grace-laptop');
    await keyFor(server, 'alan@example.com', 'cursor-alan-laptop');
    const alan = await server.app.keys.actorFor('demo', 'alan@example.com');
    expect((await server.app.keys.list('demo', { actor: alan })).map((k) => k.name)).toEqual([
      'cursor-alan-laptop',
    ]);
    await expect(server.app.keys.show('demo', grace.key.id, { actor: alan })).rejects.toMatchObject({
      code: 'not_found',
    });
    const ada = await server.app.keys.actorFor('demo', 'ada@example.com');
    expect(await server.app.keys.list('demo', { actor: ada })).toHaveLength(2);
  });

  it('makes the name from the client and the machine when it is left blank', async () => {
    const server = current();
    const owner = await session(server, 'ada@example.com');
    const made = await create(server, owner, { name: '', client: 'claude-code', machine: 'CI Runner' });
    expect(made.status).toBe(200);
    expect((await allKeys(server)).map((k) => k.name)).toEqual(['claude-code-ci-runner']);
  });

  it('refuses a create posted without or with a wrong CSRF token (forged form), nothing created', async () => {
    const server = current();
    const owner = await session(server, 'ada@example.com');
    expect((await create(server, owner, { name: 'cursor-work-laptop' }, null)).status).toBe(403);
    expect((await create(server, owner, { name: 'cursor-work-laptop' }, 'x'.repeat(43))).status).toBe(403);
    expect(await allKeys(server)).toHaveLength(0);
    const refused = (await auditEvents(server)).filter(
      (e) => e.action === 'key.created' && e.outcome === 'denied',
    );
    expect(refused).toHaveLength(2);
  });

  it('asks a sign-in older than ten minutes for the password before creating (stolen session)', async () => {
    const server = current();
    const owner = await session(server, 'ada@example.com');
    server.clock.advance(11 * 60_000);
    const form = await get(server, NEW, owner.cookie);
    expect(form.status).toBe(303);
    expect(form.headers.get('location')).toBe('/admin/sudo?next=%2Fadmin%2Fkeys%2Fnew');
    const posted = await create(server, owner, { name: 'cursor-work-laptop' });
    expect(posted.status).toBe(303);
    expect(posted.headers.get('location')).toContain('/admin/sudo');
    expect(await allKeys(server)).toHaveLength(0);
  });

  it('creates one key out of 50 concurrent creates of one name; the rest are told the name is taken', async () => {
    const server = current();
    const owner = await session(server, 'ada@example.com');
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => create(server, owner, { name: 'cursor-work-laptop' })),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 400)).toHaveLength(49);
    const bodies = await Promise.all(responses.map((r) => r.text()));
    expect(bodies.filter((b) => b.includes('already exists'))).toHaveLength(49);
    expect(await allKeys(server)).toHaveLength(1);
    const created = (await auditEvents(server)).filter(
      (e) => e.action === 'key.created' && e.outcome === 'ok',
    );
    expect(created).toHaveLength(1);
  });
});

describe('the secret in the logs', () => {
  it('never logs a key created in the console, nor when it is used (log scraping)', async () => {
    let logs = '';
    const logger = pino(
      { level: 'trace' },
      {
        write: (line: string) => {
          logs += line;
        },
      },
    );
    const server = await startTestServer({ logger });
    try {
      const owner = await session(server, 'ada@example.com');
      const page = await (
        await create(server, owner, { name: 'cursor-work-laptop', client: 'vscode' })
      ).text();
      const match = secretOn(page);
      const secret = match?.[1] ?? match?.[2];
      expect(secret).toMatch(/^tg_/);
      const { client } = await connectV1(server, secret!);
      await client.callTool({ name: 'list_projects', arguments: {} });
      await client.close();
      await get(server, '/admin/keys', owner.cookie);
      // The server logs little on a good day; whatever it wrote, at trace level, holds no key.
      expect(logs).not.toContain(secret);
      expect(logs).not.toContain(secret!.slice(-12));
    } finally {
      await server.close();
    }
  });
});
