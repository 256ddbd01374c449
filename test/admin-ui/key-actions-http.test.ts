/**
 * The key actions over HTTP (rotate, revoke, narrow): who may open each form and post it
 * (everyone else gets the unknown page's 404), CSRF from a foreign page or without the token
 * (refused, nothing changed), sudo for rotate, forged narrowings that would widen a key, fifty
 * revokes at once from the console, and a pending confirmation whose key is narrowed while it
 * waits.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SUDO_PATH } from '../../src/admin-ui/index.js';
import { callToolOverHttp, connectV1, startTestServer, type TestServer } from '../support/mcp-server.js';
import { describeEachServer } from '../support/members.js';
import { givePassword, postForm, signInOverHttp } from '../support/sign-in.js';

type Role = 'owner' | 'admin' | 'member' | 'viewer';
const EMAIL: Record<Role, string> = {
  owner: 'ada@example.com',
  admin: 'grace@example.com',
  member: 'alan@example.com',
  viewer: 'katherine@example.com',
};

const get = (server: TestServer, path: string, cookie?: string) =>
  fetch(`${server.url}${path}`, { redirect: 'manual', ...(cookie && { headers: { cookie } }) });

async function signIn(server: TestServer, role: Role) {
  const password = await givePassword(server, EMAIL[role]);
  const { cookie } = await signInOverHttp(server, EMAIL[role], password);
  return cookie!;
}

async function csrfOn(server: TestServer, path: string, cookie: string): Promise<string> {
  const page = await (await get(server, path, cookie)).text();
  const token = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
  if (!token) throw new Error(`no CSRF token on ${path}`);
  return token;
}

async function keyOf(server: TestServer, role: Role, options: { name?: string; write?: boolean } = {}) {
  const issued = await server.app.keys.create({
    workspace: 'demo',
    name: options.name ?? `cursor-${role}-laptop`,
    environment: 'development',
    member: EMAIL[role],
    ...(options.write === false || role === 'viewer' ? { preset: 'read-only' } : { preset: 'standard' }),
  });
  return issued;
}

async function events(server: TestServer, action: string) {
  const demo = (await server.app.store.workspaces.findBySlug('demo'))!;
  return server.app.store.audit.list(demo.id, { action, limit: 100 });
}

describe('key actions over HTTP', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => server.close());

  /** The 404 of an unknown page, as the member sees it. */
  const unknownPage = async (cookie: string) => (await get(server, '/admin/nope', cookie)).text();

  it.each([
    ['owner', 'member', true],
    ['admin', 'member', true],
    ['member', 'member', true],
    ['member', 'owner', false],
    ['member', 'viewer', false],
    ['viewer', 'viewer', true],
    ['viewer', 'member', false],
  ] as const)(
    'lets %s open the forms of a key of %s only when the rules allow (%s)',
    async (actor, owner, allowed) => {
      const cookie = await signIn(server, actor);
      const { key } = await keyOf(server, owner);
      for (const action of ['rotate', 'revoke', 'narrow']) {
        const response = await get(server, `/admin/keys/${key.id}/${action}`, cookie);
        if (allowed) expect(response.status, action).toBe(200);
        else {
          expect(response.status, action).toBe(404);
          expect(await response.text()).toBe(await unknownPage(cookie));
        }
      }
    },
  );

  it('answers the unknown page for a key id that does not exist, a name, and glued characters', async () => {
    const cookie = await signIn(server, 'owner');
    const { key } = await keyOf(server, 'member');
    for (const ref of ['key_00000000000000000000000000', 'cursor-member-laptop', `${key.id}%E2%80%8B`]) {
      const response = await get(server, `/admin/keys/${ref}/revoke`, cookie);
      expect(response.status, ref).toBe(404);
      expect(await response.text()).toBe(await unknownPage(cookie));
    }
  });

  it('lets a viewer rotate only a key that cannot write', async () => {
    const cookie = await signIn(server, 'viewer');
    const { key } = await keyOf(server, 'viewer');
    expect((await get(server, `/admin/keys/${key.id}/rotate`, cookie)).status).toBe(200);
    const demo = (await server.app.store.workspaces.findBySlug('demo'))!;
    await server.app.store.apiKeys.narrowRights(demo.id, key.id, {
      scopes: ['tasks:read', 'tasks:write'],
      projectIds: null,
      readOnly: false,
      dryRunOnly: false,
      ipAllow: null,
      expiresAt: key.expiresAt,
    });
    const refused = await get(server, `/admin/keys/${key.id}/rotate`, cookie);
    expect(refused.status).toBe(404);
    expect(await refused.text()).toBe(await unknownPage(cookie));
  });

  it('refuses a revoke posted from another site, or without the token, and changes nothing', async () => {
    const cookie = await signIn(server, 'member');
    const { key, secret } = await keyOf(server, 'member');
    const path = `/admin/keys/${key.id}/revoke`;
    const csrf = await csrfOn(server, path, cookie);
    const foreign = await postForm(server, path, { csrf }, { cookie, origin: 'https://evil.example' });
    const missing = await postForm(server, path, {}, { cookie });
    const wrong = await postForm(server, path, { csrf: `${csrf}x` }, { cookie });
    for (const response of [foreign, missing, wrong]) expect(response.status).toBe(403);
    expect((await server.app.keys.show('demo', key.id)).status).toBe('active');
    const refused = await events(server, 'key.revoked');
    expect(refused.map((e) => [e.outcome, (e.detail as { reason?: string }).reason])).toEqual([
      ['denied', 'csrf'],
      ['denied', 'csrf'],
      ['denied', 'csrf'],
    ]);
    expect((await callToolOverHttp(server, secret, 'whoami')).status === 200).toBe(true);
  });

  it('asks for the password again before a rotation when the sign-in is older than ten minutes', async () => {
    const cookie = await signIn(server, 'member');
    const { key } = await keyOf(server, 'member');
    const path = `/admin/keys/${key.id}/rotate`;
    const csrf = await csrfOn(server, path, cookie);
    server.clock.advance(11 * 60_000);
    const asked = await get(server, path, cookie);
    expect(asked.status).toBe(303);
    expect(asked.headers.get('location')).toBe(`${SUDO_PATH}?next=${encodeURIComponent(path)}`);
    const posted = await postForm(server, path, { csrf, grace: 'leaked' }, { cookie });
    expect(posted.status).toBe(303);
    expect(posted.headers.get('location')).toBe(`${SUDO_PATH}?next=${encodeURIComponent(path)}`);
    expect((await server.app.keys.show('demo', key.id)).status).toBe('active');
  });

  it('shows the new key once on the rotation result, and never on the key forms after', async () => {
    const cookie = await signIn(server, 'member');
    const { key } = await keyOf(server, 'member');
    const path = `/admin/keys/${key.id}/rotate`;
    const csrf = await csrfOn(server, path, cookie);
    const result = await postForm(server, path, { csrf, grace: '1h' }, { cookie });
    const page = await result.text();
    expect(result.status).toBe(200);
    expect(result.headers.get('cache-control')).toContain('no-store');
    const secret = /id="new-key" type="text" readonly="" value="([^"]+)"/.exec(page)?.[1];
    expect(secret).toMatch(/^tg_dev_/);
    expect((await callToolOverHttp(server, secret!, 'whoami')).status === 200).toBe(true);
    const rotations = await events(server, 'key.rotated');
    expect(rotations[0]).toMatchObject({ outcome: 'ok' });
    expect(JSON.stringify(rotations)).not.toContain(secret!);
    const successor = (await server.app.keys.show('demo', key.id)).replacedBy!;
    for (const action of ['narrow', 'revoke'])
      expect(await (await get(server, `/admin/keys/${successor}/${action}`, cookie)).text()).not.toContain(
        secret!,
      );
  });

  it.each([
    ['a scope with a glued zero-width space', { 'remove-scope': 'tasks:read\u200b' }, 'remove-scope'],
    ['an unknown scope', { 'remove-scope': 'tasks:admin' }, 'remove-scope'],
    ['a later expiry', { expires: '2030-01-01' }, 'expires'],
    ['an allow-list wider than any', { ip: '0.0.0.0/0', 'read-only': 'on' }, 'ip'],
    ['a flag turned off', { 'dry-run-only': 'off' }, 'dry-run-only'],
    ['an over-long expiry', { expires: '7'.repeat(200) }, 'expires'],
  ] as const)(
    'refuses a forged narrowing that would widen the key (%s) beside its field',
    async (_what, fields, field) => {
      const cookie = await signIn(server, 'member');
      const { key } = await keyOf(server, 'member', { write: false });
      const demo = (await server.app.store.workspaces.findBySlug('demo'))!;
      await server.app.keys.narrow('demo', key.id, { readOnly: true, ip: ['10.0.0.0/8'] });
      const before = await server.app.store.apiKeys.findById(demo.id, key.id);
      const path = `/admin/keys/${key.id}/narrow`;
      const csrf = await csrfOn(server, path, cookie);
      const response = await postForm(server, path, { csrf, ...fields }, { cookie });
      expect(response.status).toBe(400);
      const page = await response.text();
      expect(page).toContain(`id="${field}-error"`);
      expect(await server.app.store.apiKeys.findById(demo.id, key.id)).toEqual(before);
    },
  );

  it('narrows a key from the form, ticked boxes and all, audited with the member', async () => {
    const cookie = await signIn(server, 'member');
    const { key } = await keyOf(server, 'member');
    const path = `/admin/keys/${key.id}/narrow`;
    const csrf = await csrfOn(server, path, cookie);
    const body = new URLSearchParams([
      ['csrf', csrf],
      ['remove-scope', 'comments:write'],
      ['remove-scope', 'time:write'],
      ['remove-project', 'WEB'],
      ['dry-run-only', 'on'],
    ]);
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, cookie },
      body: body.toString(),
    });
    expect(response.status).toBe(200);
    const after = await server.app.keys.show('demo', key.id);
    expect(after.scopes).not.toContain('comments:write');
    expect(after.scopes).not.toContain('time:write');
    expect(after.projects).not.toContain('WEB');
    expect(after.dryRunOnly).toBe(true);
    const alan = (await events(server, 'key.narrowed'))[0]!;
    const demo = (await server.app.store.workspaces.findBySlug('demo'))!;
    const member = await server.app.store.members.findByEmail(demo.id, EMAIL.member);
    expect(alan.memberId).toBe(member!.id);
  });
});

describe('a confirmation waiting while its key is narrowed', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => server.close());

  it.each([
    ['its write scope taken away', { removeScopes: ['tasks:write'] }],
    ['made read-only', { readOnly: true }],
    ['made dry-run only', { dryRunOnly: true }],
    ['its project taken away', { removeProjects: ['APO'] }],
  ] as const)('is refused when confirmed after the key was %s', async (_what, narrowing) => {
    await server.app.policy.set(null, 'demo', { update: 'token' });
    const issued = await server.app.keys.create({
      workspace: 'demo',
      name: 'cursor-ada-laptop',
      environment: 'development',
      member: EMAIL.owner,
      preset: 'full',
    });
    const { client } = await connectV1(server, issued.secret);
    try {
      const preview = (await client.callTool({
        name: 'update_task',
        arguments: { task: 'APO-3', title: 'Renamed while narrowed' },
      })) as { structuredContent?: { token?: string } };
      const token = preview.structuredContent?.token;
      expect(token).toMatch(/^tgc_/);
      await server.app.keys.narrow('demo', issued.key.id, narrowing);
      const confirmed = (await client.callTool({ name: 'confirm_action', arguments: { token } })) as {
        isError?: boolean;
      };
      expect(confirmed.isError).toBe(true);
      const demo = (await server.app.store.workspaces.findBySlug('demo'))!;
      const ada = (await server.app.store.members.findByEmail(demo.id, EMAIL.owner))!;
      const task = await server.app.domain.tasks.get(
        { workspaceId: demo.id, memberId: ada.id, role: 'owner', via: 'web' },
        'APO-3',
      );
      expect(task.title).not.toBe('Renamed while narrowed');
    } finally {
      await client.close();
    }
  });
});

describeEachServer('fifty revokes of one key from the console', (current) => {
  it('record one revocation and leave the key revoked', async () => {
    const server = current();
    const cookie = await signIn(server, 'member');
    const { key, secret } = await keyOf(server, 'member');
    const path = `/admin/keys/${key.id}/revoke`;
    const csrf = await csrfOn(server, path, cookie);
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => postForm(server, path, { csrf }, { cookie })),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    expect((await events(server, 'key.revoked')).filter((e) => e.outcome === 'ok')).toHaveLength(1);
    expect((await callToolOverHttp(server, secret, 'whoami')).status === 200).toBe(false);
  });
});
