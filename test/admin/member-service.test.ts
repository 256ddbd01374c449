/**
 * The member service on both stores: a removal or a lower role takes its effect on the
 * member's keys and connections in the same transaction, the preview names exactly that, each
 * credential touched has its own audit event with the acting member, and the role rules hold.
 */
import { expect, it } from 'vitest';
import { createAuthenticator } from '../../src/credentials/index.js';
import { rejection } from '../support/errors.js';
import {
  auditEvents,
  connectionFor,
  describeEachServer,
  keyFor,
  keysOf,
  memberOf,
  pendingActionOf,
} from '../support/members.js';

const by = (email: string) => ({ member: email });
const codeOf = async (attempt: Promise<unknown>) => (await rejection(attempt)).code;
const target = (email: string, actor = 'ada@example.com') => ({ workspace: 'demo', email, by: by(actor) });

describeEachServer('member service', (server) => {
  it('previews a removal exactly and changes nothing', async () => {
    const s = server();
    const laptop = await keyFor(s, 'alan@example.com', 'cursor-alan-laptop');
    await s.app.keys.rotate('demo', 'cursor-alan-laptop');
    const connection = await connectionFor(s, 'alan@example.com', ['tasks:read', 'tasks:write']);
    await pendingActionOf(s, (await keysOf(s, 'alan@example.com'))[0]!, 'act_01M8E75C20F2Z4E9W7SX402VQE');
    const before = (await auditEvents(s)).length;

    const preview = await s.app.members.preview(target('alan@example.com'), { kind: 'remove' });
    expect(preview.applied).toBe(false);
    expect(preview.revoke.map((k) => k.name).sort()).toEqual(
      [connection.name, 'cursor-alan-laptop', 'cursor-alan-laptop'].sort(),
    );
    expect(preview.cancel.map((a) => a.id)).toEqual(['act_01M8E75C20F2Z4E9W7SX402VQE']);
    expect((await auditEvents(s)).length).toBe(before);
    expect((await memberOf(s, 'alan@example.com'))?.removedAt).toBeUndefined();
    const authenticate = createAuthenticator({ store: s.app.store, clock: s.clock });
    expect((await authenticate({ token: laptop.secret, ip: null })).ok).toBe(true);
  });

  it('refuses minting a key for a removed member, named by id or email, creating nothing', async () => {
    const s = server();
    const alan = (await memberOf(s, 'alan@example.com'))!;
    const preview = await s.app.members.preview(target('alan@example.com'), { kind: 'remove' });
    await s.app.members.remove(target('alan@example.com'), preview);
    const before = (await auditEvents(s)).length;
    const keysBefore = (await s.app.store.apiKeys.list(alan.workspaceId)).length;
    for (const member of [alan.id, 'alan@example.com']) {
      expect(await codeOf(keyFor(s, member, 'cursor-after-removal'))).toBe('invalid_input');
    }
    expect((await s.app.store.apiKeys.list(alan.workspaceId)).length).toBe(keysBefore);
    expect((await auditEvents(s)).length).toBe(before);
  });

  it('removes a member: every key, rotation in grace and connection revoked, actions cancelled, one event each', async () => {
    const s = server();
    const laptop = await keyFor(s, 'alan@example.com', 'cursor-alan-laptop');
    const rotated = await s.app.keys.rotate('demo', 'cursor-alan-laptop');
    const connection = await connectionFor(s, 'alan@example.com', ['tasks:read']);
    const other = await keyFor(s, 'grace@example.com', 'cursor-grace');
    await pendingActionOf(s, connection, 'act_01M8E75C20F2Z4E9W7SX402VQF');
    const preview = await s.app.members.preview(target('alan@example.com'), { kind: 'remove' });

    const result = await s.app.members.remove(target('alan@example.com'), preview);
    expect(result).toMatchObject({ applied: true, matchedPreview: true, by: 'ada@example.com' });
    expect(result.revoke).toEqual(preview.revoke);
    expect(result.cancel).toEqual(preview.cancel);

    expect((await keysOf(s, 'alan@example.com')).every((k) => k.revokedAt !== null)).toBe(true);
    expect((await keysOf(s, 'grace@example.com')).every((k) => k.revokedAt === null)).toBe(true);
    const authenticate = createAuthenticator({ store: s.app.store, clock: s.clock });
    for (const secret of [laptop.secret, rotated.secret])
      expect((await authenticate({ token: secret, ip: null })).ok).toBe(false);
    expect((await authenticate({ token: other.secret, ip: null })).ok).toBe(true);
    const action = await s.app.store.pendingActions.findById(
      connection.workspaceId,
      'act_01M8E75C20F2Z4E9W7SX402VQF',
    );
    expect(action?.status).toBe('cancelled');

    const ada = (await memberOf(s, 'ada@example.com'))!;
    const events = (await auditEvents(s)).filter((e) => e.occurredAt >= s.clock.now().toISOString());
    const cascade = events.filter((e) =>
      ['key.revoked', 'connection.revoked', 'confirmation.cancelled', 'member.removed'].includes(e.action),
    );
    expect(cascade.map((e) => e.action).sort()).toEqual([
      'confirmation.cancelled',
      'connection.revoked',
      'key.revoked',
      'key.revoked',
      'member.removed',
    ]);
    for (const event of cascade) expect(event.memberId).toBe(ada.id);
    expect(cascade.at(-1)?.action).toBe('member.removed');

    const alan = await memberOf(s, 'alan@example.com');
    expect(alan?.removedAt).toBeDefined();
    const listed = await s.app.memberAccounts.list('demo');
    expect(listed.map((m) => m.email)).not.toContain('alan@example.com');
  });

  it('narrows keys and connections to a viewer: read scopes only, read-only, each audited', async () => {
    const s = server();
    await keyFor(s, 'grace@example.com', 'cursor-grace');
    await keyFor(s, 'grace@example.com', 'reader-grace', ['tasks:read']);
    await keyFor(s, 'grace@example.com', 'auditor-grace', ['audit:read']);
    const connection = await connectionFor(s, 'grace@example.com', [
      'tasks:read',
      'tasks:write',
      'comments:write',
    ]);

    const preview = await s.app.members.preview(target('grace@example.com'), {
      kind: 'role',
      role: 'viewer',
    });
    const result = await s.app.members.changeRole(
      { ...target('grace@example.com'), role: 'viewer' },
      preview,
    );
    expect(result.matchedPreview).toBe(true);
    // audit:read is beyond a viewer and is all that key has: it is revoked rather than left empty.
    expect(result.revoke.map((k) => k.name)).toEqual(['auditor-grace']);
    expect(result.narrow.map((k) => k.name).sort()).toEqual(
      ['cursor-grace', connection.name, 'reader-grace'].sort(),
    );
    for (const key of await keysOf(s, 'grace@example.com')) {
      if (key.name === 'auditor-grace') {
        expect(key.revokedAt).not.toBeNull();
        continue;
      }
      expect(key.readOnly).toBe(true);
      expect(key.scopes.every((scope) => scope.endsWith(':read') && scope !== 'audit:read')).toBe(true);
    }
    expect((await memberOf(s, 'grace@example.com'))?.role).toBe('viewer');
    const actions = (await auditEvents(s)).map((e) => e.action);
    expect(actions.filter((a) => a === 'key.narrowed')).toHaveLength(2);
    expect(actions.filter((a) => a === 'connection.narrowed')).toHaveLength(1);
    expect(actions.filter((a) => a === 'member.role_changed')).toHaveLength(1);
  });

  it('applies to the current set and says so when a key was created after the preview', async () => {
    const s = server();
    await keyFor(s, 'alan@example.com', 'cursor-alan');
    const preview = await s.app.members.preview(target('alan@example.com'), { kind: 'remove' });
    const late = await keyFor(s, 'alan@example.com', 'late-alan');
    const result = await s.app.members.remove(target('alan@example.com'), preview);
    expect(result.matchedPreview).toBe(false);
    expect(result.revoke.map((k) => k.name).sort()).toEqual(['cursor-alan', 'late-alan']);
    const authenticate = createAuthenticator({ store: s.app.store, clock: s.clock });
    expect((await authenticate({ token: late.secret, ip: null })).ok).toBe(false);
  });

  it('refuses a member, a viewer and an admin acting beyond their role, changing nothing', async () => {
    const s = server();
    const before = (await auditEvents(s)).length;
    const refusals: [string, () => Promise<unknown>][] = [
      ['member removes', () => s.app.members.remove(target('katherine@example.com', 'alan@example.com'))],
      [
        'viewer re-roles',
        () =>
          s.app.members.changeRole({
            ...target('alan@example.com', 'katherine@example.com'),
            role: 'viewer',
          }),
      ],
      ['admin removes the owner', () => s.app.members.remove(target('ada@example.com', 'grace@example.com'))],
      [
        'admin makes an owner',
        () => s.app.members.changeRole({ ...target('alan@example.com', 'grace@example.com'), role: 'owner' }),
      ],
      [
        'admin invites an owner',
        () => s.app.members.invite({ ...target('new@example.com', 'grace@example.com'), role: 'owner' }),
      ],
      [
        'member invites',
        () => s.app.members.invite({ ...target('new@example.com', 'alan@example.com'), role: 'viewer' }),
      ],
    ];
    for (const [label, attempt] of refusals)
      expect([label, await codeOf(attempt())]).toEqual([label, 'forbidden']);
    expect((await auditEvents(s)).length).toBe(before);
    expect((await memberOf(s, 'ada@example.com'))?.role).toBe('owner');
    expect((await memberOf(s, 'alan@example.com'))?.role).toBe('member');
  });

  it('lets an admin manage members and viewers, and an owner make an owner', async () => {
    const s = server();
    const demoted = await s.app.members.changeRole({
      ...target('alan@example.com', 'grace@example.com'),
      role: 'viewer',
    });
    expect(demoted.change).toEqual({ kind: 'role', from: 'member', to: 'viewer' });
    const promoted = await s.app.members.changeRole({ ...target('grace@example.com'), role: 'owner' });
    expect(promoted.by).toBe('ada@example.com');
    const removed = await s.app.members.remove({
      workspace: 'demo',
      email: 'katherine@example.com',
      by: { operator: true },
    });
    expect(removed.by).toBe('operator');
    const event = (await auditEvents(s)).at(-1)!;
    expect(event).toMatchObject({ action: 'member.removed', memberId: null });
  });

  it('refuses to remove or demote the last owner', async () => {
    const s = server();
    const remove = await codeOf(
      s.app.members.remove({ workspace: 'demo', email: 'ada@example.com', by: { operator: true } }),
    );
    const demote = await codeOf(s.app.members.changeRole({ ...target('ada@example.com'), role: 'admin' }));
    const preview = await codeOf(s.app.members.preview(target('ada@example.com'), { kind: 'remove' }));
    expect([remove, demote, preview]).toEqual(['conflict', 'conflict', 'conflict']);
    expect((await memberOf(s, 'ada@example.com'))?.role).toBe('owner');
  });

  type Odd = { readonly role?: string; readonly email?: string; readonly as?: string };
  it.each<[string, Odd, string]>([
    ['a role with a trailing space', { role: 'admin ' }, 'role'],
    ['a capitalised role', { role: 'Owner' }, 'role'],
    ['a role with a NUL glued on', { role: 'owner\u0000' }, 'role'],
    ['an email with a NUL glued on', { email: 'alan@example.com\u0000' }, 'email'],
    ['an email with a second line', { email: 'alan@example.com\nada@example.com' }, 'email'],
    ['an acting email with a tab glued on', { as: 'ada@example.com\t\u0007' }, 'as'],
  ])('refuses %s with an error naming the field, changing nothing', async (_label, odd, field) => {
    const s = server();
    await keyFor(s, 'alan@example.com', 'cursor-alan');
    const before = (await auditEvents(s)).length;
    const input = {
      workspace: 'demo',
      email: odd.email ?? 'alan@example.com',
      by: by(odd.as ?? 'ada@example.com'),
      role: odd.role ?? 'viewer',
    };
    for (const attempt of [
      () => s.app.members.changeRole(input),
      () => s.app.members.invite({ ...input, email: odd.email ?? 'new@example.com' }),
    ]) {
      const error = await rejection(attempt());
      expect(error.code).toBe('invalid_input');
      expect(error.publicMessage).toMatch(new RegExp(`^${field}: `));
      expect([...error.publicMessage].some((c) => c.charCodeAt(0) < 0x20)).toBe(false);
    }
    expect((await auditEvents(s)).length).toBe(before);
    expect((await memberOf(s, 'alan@example.com'))?.role).toBe('member');
    expect((await keysOf(s, 'alan@example.com')).every((k) => k.scopes.includes('tasks:write'))).toBe(true);
  });

  it('invites with a login link, and brings a removed member back without their old credentials', async () => {
    const s = server();
    const invited = await s.app.members.invite({
      ...target('new@example.com'),
      role: 'member',
      name: 'New One',
    });
    expect(invited).toMatchObject({
      reinstated: false,
      member: { email: 'new@example.com', role: 'member' },
    });
    const signedIn = await s.app.signIn.redeemLoginLink(invited.loginLink.token, {
      ip: null,
      userAgent: null,
    });
    expect(signedIn.member.email).toBe('new@example.com');
    expect(await codeOf(s.app.members.invite({ ...target('new@example.com'), role: 'viewer' }))).toBe(
      'conflict',
    );

    const old = await keyFor(s, 'alan@example.com', 'cursor-alan');
    await s.app.members.remove(target('alan@example.com'));
    const back = await s.app.members.invite({ ...target('alan@example.com'), role: 'viewer' });
    expect(back).toMatchObject({ reinstated: true, member: { email: 'alan@example.com', role: 'viewer' } });
    expect(back.member.removedAt).toBeUndefined();
    const authenticate = createAuthenticator({ store: s.app.store, clock: s.clock });
    expect((await authenticate({ token: old.secret, ip: null })).ok).toBe(false);
    const events = (await auditEvents(s)).filter((e) => e.action === 'member.invited');
    expect(events.map((e) => (e.detail as { reinstated: boolean }).reinstated)).toEqual([false, true]);
  });
});
