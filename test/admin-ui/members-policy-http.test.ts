/**
 * The Members and Policy pages over HTTP, on both stores, one attack per test: 50 concurrent
 * demotions of the last two owners from the console leave exactly one owner; glued control
 * characters, out-of-range budgets and a rotation of 45 days re-render the form with the
 * error beside its field and change nothing; a missing or foreign CSRF token changes
 * nothing; an old sign-in is sent to sudo mode (not for freezing); a member who signs in
 * only with login links is told to sign in again with a fresh link, never handed one.
 */
import { expect, it } from 'vitest';
import {
  FREEZE_PATH,
  INVITE_PATH,
  MEMBERS_PATH,
  POLICY_EDIT_PATH,
  POLICY_PATH,
  REMOVE_PATH,
  ROLE_PATH,
  SUDO_PATH,
  UNFREEZE_PATH,
} from '../../src/admin-ui/index.js';
import { LOGIN_LINK_PATH } from '../../src/credentials/index.js';
import type { TestServer } from '../support/mcp-server.js';
import { auditEvents, describeEachServer, keyFor, keysOf, memberOf } from '../support/members.js';
import { cookiesOf, csrfOfSession, givePassword, postForm, signInOverHttp } from '../support/sign-in.js';

const ELEVEN_MINUTES = 11 * 60_000;

async function session(server: TestServer, email: string) {
  const { cookie } = await signInOverHttp(server, email, await givePassword(server, email));
  return { cookie: cookie!, csrf: await csrfOfSession(server, cookie!) };
}

const get = (server: TestServer, path: string, cookie: string) =>
  fetch(`${server.url}${path}`, { redirect: 'manual', headers: { cookie } });

const POLICY_FORM = {
  create: 'default',
  update: 'default',
  delete: 'default',
  bulk: 'default',
  approver: 'member',
  writeBudget: '60',
  deleteBudget: '10',
  budgetWindowMinutes: '60',
  keyRotationDays: '90',
};

const changes = async (server: TestServer, actions: string[]) =>
  (await auditEvents(server)).filter((e) => actions.includes(e.action) && e.outcome === 'ok');

describeEachServer('Members and Policy over HTTP', (current) => {
  it('keeps exactly one owner when 50 console demotions of the last two owners race', async () => {
    const server = current();
    await server.app.members.changeRole({
      workspace: 'demo',
      email: 'grace@example.com',
      by: { operator: true },
      role: 'owner',
    });
    const ada = await session(server, 'ada@example.com');
    const grace = await session(server, 'grace@example.com');
    const posts = Array.from({ length: 50 }, (_, i) => {
      const [by, target] = i % 2 === 0 ? [ada, 'grace@example.com'] : [grace, 'ada@example.com'];
      const role = i % 4 < 2 ? 'admin' : 'member';
      return postForm(server, ROLE_PATH, { csrf: by.csrf, email: target, role }, { cookie: by.cookie });
    });
    const statuses = (await Promise.all(posts)).map((r) => r.status);
    expect(statuses.every((s) => [200, 403, 404, 409].includes(s))).toBe(true);
    const workspace = await server.app.domain.workspaces.get('demo');
    const owners = (await server.app.store.members.list(workspace.id)).filter((m) => m.role === 'owner');
    expect(owners).toHaveLength(1);
    const fromOwner = (await changes(server, ['member.role_changed'])).filter(
      (e) => (e.detail as { role?: { before: string } }).role?.before === 'owner',
    );
    // grace's promotion, then exactly one demotion of an owner.
    expect(fromOwner).toHaveLength(1);
  });

  it.each([
    ['a line break glued to the email', { email: 'new@example.com\n', role: 'member' }, 'email'],
    ['a NUL glued to the email', { email: 'new@example.com\u0000', role: 'member' }, 'email'],
    ['a bidi override in the email', { email: 'new\u202e@example.com', role: 'member' }, 'email'],
    ['a role with a trailing space', { email: 'new@example.com', role: 'admin ' }, 'role'],
    ['an over-long email', { email: `${'a'.repeat(400)}@example.com`, role: 'member' }, 'email'],
  ])(
    're-renders the invitation with %s beside its field and invites nobody',
    async (_label, fields, field) => {
      const server = current();
      const owner = await session(server, 'ada@example.com');
      const before = (await auditEvents(server)).length;
      const response = await postForm(
        server,
        INVITE_PATH,
        { csrf: owner.csrf, ...fields },
        { cookie: owner.cookie },
      );
      expect(response.status).toBe(400);
      const page = await response.text();
      expect(page).toContain(`id="${field}-error"`);
      expect(page).toContain(`aria-describedby="${field}-error"`);
      expect(await memberOf(server, 'new@example.com')).toBeUndefined();
      const added = (await auditEvents(server)).slice(before);
      expect(added.filter((e) => e.outcome === 'ok').map((e) => e.action)).toEqual([]);
    },
  );

  it.each([
    ['a write budget of 0', { writeBudget: '0' }, 'writeBudget'],
    ['a delete budget over 10000', { deleteBudget: '10001' }, 'deleteBudget'],
    ['a budget with a space glued to it', { writeBudget: '60 ' }, 'writeBudget'],
    ['a budget window over a day', { budgetWindowMinutes: '1441' }, 'budgetWindowMinutes'],
    ['a rotation of 45 days', { keyRotationDays: '45' }, 'keyRotationDays'],
    ['a rotation written 90d', { keyRotationDays: '90d' }, 'keyRotationDays'],
    ['an unknown tier', { delete: 'maybe' }, 'delete'],
  ])(
    're-renders the policy form with %s beside its field and changes nothing',
    async (_label, bad, field) => {
      const server = current();
      const admin = await session(server, 'grace@example.com');
      const before = await server.app.policy.show('demo');
      const response = await postForm(
        server,
        POLICY_EDIT_PATH,
        { csrf: admin.csrf, ...POLICY_FORM, writeBudget: '100', ...bad },
        { cookie: admin.cookie },
      );
      expect(response.status).toBe(400);
      expect(await response.text()).toContain(`id="${field}-error"`);
      expect(await server.app.policy.show('demo')).toEqual(before);
      expect(await changes(server, ['policy.changed'])).toEqual([]);
    },
  );

  it('saves a policy from the form, as the CLI would, recorded with the member', async () => {
    const server = current();
    const admin = await session(server, 'grace@example.com');
    const form = { ...POLICY_FORM, delete: 'approve', requireReadFirst: 'on', keyRotationDays: '30' };
    const response = await postForm(
      server,
      POLICY_EDIT_PATH,
      { csrf: admin.csrf, ...form },
      { cookie: admin.cookie },
    );
    expect(response.status).toBe(200);
    const policy = await server.app.policy.show('demo');
    expect(policy).toMatchObject({ requireReadFirst: true, keyRotationDays: 30 });
    expect(policy.tiers.delete).toBe('approve');
    const [event] = await changes(server, ['policy.changed']);
    expect(event?.memberId).toBe((await memberOf(server, 'grace@example.com'))!.id);
  });

  it.each([
    ['without a token', (): Record<string, string> => ({})],
    ['with a forged token', (): Record<string, string> => ({ csrf: 'x'.repeat(43) })],
  ])('refuses every change posted %s (CSRF) and changes nothing', async (_label, token) => {
    const server = current();
    const owner = await session(server, 'ada@example.com');
    await keyFor(server, 'alan@example.com', 'cursor-alan');
    const policyBefore = await server.app.policy.show('demo');
    const posts: [string, Record<string, string>][] = [
      [REMOVE_PATH, { email: 'alan@example.com' }],
      [ROLE_PATH, { email: 'alan@example.com', role: 'viewer' }],
      [INVITE_PATH, { email: 'new@example.com', role: 'member' }],
      [POLICY_EDIT_PATH, { ...POLICY_FORM, writeBudget: '5' }],
      [FREEZE_PATH, { until: '', reason: 'csrf' }],
    ];
    for (const [path, fields] of posts) {
      const response = await postForm(server, path, { ...token(), ...fields }, { cookie: owner.cookie });
      expect(response.status, path).toBe(403);
    }
    // A foreign page posting with the right token but its own Origin is refused too.
    const foreign = await postForm(
      server,
      REMOVE_PATH,
      { csrf: owner.csrf, email: 'alan@example.com' },
      { cookie: owner.cookie, origin: 'https://evil.example' },
    );
    expect(foreign.status).toBe(403);
    expect((await memberOf(server, 'alan@example.com'))?.removedAt).toBeUndefined();
    expect((await memberOf(server, 'alan@example.com'))?.role).toBe('member');
    expect((await keysOf(server, 'alan@example.com')).every((k) => k.revokedAt === null)).toBe(true);
    expect(await memberOf(server, 'new@example.com')).toBeUndefined();
    expect(await server.app.policy.show('demo')).toEqual(policyBefore);
    const refused = (await auditEvents(server)).filter((e) => e.outcome === 'denied');
    expect(refused.length).toBeGreaterThanOrEqual(posts.length + 1);
  });

  it('sends an old sign-in to sudo mode for removing, re-roling, inviting and policy, not for freezing', async () => {
    const server = current();
    const owner = await session(server, 'ada@example.com');
    server.clock.advance(ELEVEN_MINUTES);
    for (const path of [`${REMOVE_PATH}?email=alan%40example.com`, INVITE_PATH, POLICY_EDIT_PATH]) {
      const response = await get(server, path, owner.cookie);
      expect(response.status, path).toBe(303);
      expect(response.headers.get('location'), path).toBe(`${SUDO_PATH}?next=${encodeURIComponent(path)}`);
    }
    const remove = await postForm(
      server,
      REMOVE_PATH,
      { csrf: owner.csrf, email: 'alan@example.com' },
      { cookie: owner.cookie },
    );
    expect(remove.status).toBe(303);
    expect((await memberOf(server, 'alan@example.com'))?.removedAt).toBeUndefined();
    const freeze = await postForm(
      server,
      FREEZE_PATH,
      { csrf: owner.csrf, until: '2h', reason: 'incident' },
      { cookie: owner.cookie },
    );
    expect(freeze.status).toBe(200);
    expect((await server.app.policy.show('demo')).freeze.frozen).toBe(true);
    const unfreeze = await postForm(server, UNFREEZE_PATH, { csrf: owner.csrf }, { cookie: owner.cookie });
    expect(unfreeze.status).toBe(303);
    expect((await server.app.policy.show('demo')).freeze.frozen).toBe(true);
  });

  it('answers members and viewers the unknown page bytes on every Members and Policy path', async () => {
    const server = current();
    for (const email of ['alan@example.com', 'katherine@example.com']) {
      const { cookie, csrf } = await session(server, email);
      const unknown = await (await get(server, '/admin/nope', cookie)).text();
      for (const path of [
        MEMBERS_PATH,
        INVITE_PATH,
        `${ROLE_PATH}?email=ada%40example.com`,
        POLICY_PATH,
        FREEZE_PATH,
      ]) {
        const response = await get(server, path, cookie);
        expect(response.status, `${email} ${path}`).toBe(404);
        expect(await response.text()).toBe(unknown);
      }
      const post = await postForm(server, FREEZE_PATH, { csrf, until: '', reason: 'x' }, { cookie });
      expect(post.status).toBe(404);
    }
    expect((await server.app.policy.show('demo')).freeze.frozen).toBe(false);
  });
});

describeEachServer('sudo mode for a member who signs in only with login links', (current) => {
  async function signInWithLink(server: TestServer, email: string) {
    const link = await server.app.signIn.createLoginLink({ workspace: 'demo', email });
    const page = await fetch(`${server.url}${LOGIN_LINK_PATH}?token=${link.token}`);
    const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    const nonce = cookiesOf(page).get('taskgate_login')!.value;
    const response = await postForm(
      server,
      LOGIN_LINK_PATH,
      { csrf, token: link.token },
      { cookie: `taskgate_login=${nonce}` },
    );
    const cookie = `taskgate_session=${cookiesOf(response).get('taskgate_session')!.value}`;
    return { cookie, csrf: await csrfOfSession(server, cookie) };
  }

  it('keeps a stolen link-only session from elevating itself: no link handed out, any password refused', async () => {
    const server = current();
    const owner = await signInWithLink(server, 'ada@example.com');
    server.clock.advance(ELEVEN_MINUTES);
    const links = (await auditEvents(server)).filter((e) => e.action === 'member.login_link_created').length;
    const page = await (
      await get(server, `${SUDO_PATH}?next=${encodeURIComponent(REMOVE_PATH)}`, owner.cookie)
    ).text();
    expect(page).toContain('fresh login link');
    expect(page).not.toContain('type="password"');
    expect(page).not.toContain(LOGIN_LINK_PATH);
    const guessed = await postForm(
      server,
      SUDO_PATH,
      { csrf: owner.csrf, password: 'anything at all' },
      { cookie: owner.cookie },
    );
    expect(guessed.status).toBe(401);
    expect(cookiesOf(guessed).get('taskgate_session')).toBeUndefined();
    const after = await auditEvents(server);
    expect(after.filter((e) => e.action === 'member.login_link_created')).toHaveLength(links);
    expect(
      after
        .filter((e) => e.action === 'session.sudo')
        .map((e) => [e.outcome, (e.detail as { reason?: string }).reason]),
    ).toEqual([['denied', 'no_password']]);
    expect((await get(server, `${REMOVE_PATH}?email=alan%40example.com`, owner.cookie)).status).toBe(303);
  });

  it('counts a fresh login-link sign-in as a recent sign-in', async () => {
    const server = current();
    await signInWithLink(server, 'ada@example.com');
    server.clock.advance(ELEVEN_MINUTES);
    const fresh = await signInWithLink(server, 'ada@example.com');
    const response = await get(server, `${REMOVE_PATH}?email=alan%40example.com`, fresh.cookie);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('This is what it will do');
  });
});
