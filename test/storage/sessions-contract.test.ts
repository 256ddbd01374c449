/**
 * The sign-in storage contract on SQLite and PostgreSQL: sessions joined to their member,
 * revocation, throttling counters, password hashes kept off the member record, and login
 * links that can be consumed exactly once even under concurrency.
 */
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import type { LoginLink, Member, MemberSession, Workspace } from '../../src/model/index.js';
import type { Store } from '../../src/storage/index.js';
import { describeEachStore } from '../support/stores.js';

const T0 = '2026-11-27T10:00:00.000Z';
const T1 = '2026-11-27T10:05:00.000Z';
const T2 = '2026-11-27T10:10:00.000Z';
let counter = 0;
const id = (prefix: string) => `${prefix}_01K${String(++counter).padStart(23, '0')}`;
const hex = () => randomBytes(32).toString('hex');

async function seed(store: Store, slug = 'acme') {
  const workspace: Workspace = {
    id: id('wsp'),
    slug,
    name: slug,
    environment: 'development',
    keyRotationDays: 90,
    createdAt: T0,
  };
  await store.workspaces.insert(workspace);
  const member: Member = {
    id: id('mbr'),
    workspaceId: workspace.id,
    email: `ada@${slug}.test`,
    name: 'Ada',
    role: 'owner',
    createdAt: T0,
  };
  await store.members.insert(member);
  return { workspace, member };
}

const session = (
  workspace: Workspace,
  member: Member,
  extra: Partial<MemberSession> = {},
): MemberSession => ({
  id: hex(),
  memberId: member.id,
  workspaceId: workspace.id,
  csrfToken: randomBytes(32).toString('base64url'),
  createdAt: T0,
  lastSeenAt: T0,
  expiresAt: '2026-11-27T22:00:00.000Z',
  ip: '127.0.0.1',
  userAgent: 'vitest',
  revokedAt: null,
  ...extra,
});

describeEachStore('sign-in storage', (current) => {
  it('finds a session with its member and workspace in one lookup', async () => {
    const { workspace, member } = await seed(current());
    const s = session(workspace, member);
    await current().sessions.insert(s);
    expect(await current().sessions.findOwnedById(s.id)).toEqual({ session: s, member, workspace });
    expect(await current().sessions.findOwnedById(hex())).toBeUndefined();
  });

  it('touches, revokes once, and revokes every live session of one member only', async () => {
    const { workspace, member } = await seed(current());
    const other = await seed(current(), 'other');
    const [a, b, c] = [
      session(workspace, member),
      session(workspace, member),
      session(other.workspace, other.member),
    ];
    for (const s of [a, b, c]) await current().sessions.insert(s);
    await current().sessions.touch(a.id, T1);
    expect((await current().sessions.findOwnedById(a.id))?.session.lastSeenAt).toBe(T1);
    expect(await current().sessions.revoke(a.id, T1)).toBe(true);
    expect(await current().sessions.revoke(a.id, T2)).toBe(false);
    expect((await current().sessions.findOwnedById(a.id))?.session.revokedAt).toBe(T1);
    expect(await current().sessions.revokeAllForMember(workspace.id, member.id, T2)).toBe(1);
    expect((await current().sessions.findOwnedById(b.id))?.session.revokedAt).toBe(T2);
    expect((await current().sessions.findOwnedById(c.id))?.session.revokedAt).toBeNull();
  });

  it('deletes only sessions that ended before a time', async () => {
    const { workspace, member } = await seed(current());
    const expired = session(workspace, member, { expiresAt: T1 });
    const revoked = session(workspace, member, { revokedAt: T1 });
    const live = session(workspace, member);
    for (const s of [expired, revoked, live]) await current().sessions.insert(s);
    expect(await current().sessions.deleteEndedBefore(T2)).toBe(2);
    expect(await current().sessions.findOwnedById(live.id)).toBeDefined();
  });

  it('keeps the password hash off member records and sets it only in its own workspace', async () => {
    const { workspace, member } = await seed(current());
    const other = await seed(current(), 'other');
    expect(await current().signIn.findCredentials(workspace.id, member.email)).toEqual({
      member,
      passwordHash: null,
    });
    await current().signIn.setPasswordHash(other.workspace.id, member.id, 'scrypt$wrong-tenant');
    expect((await current().signIn.findCredentials(workspace.id, member.email))?.passwordHash).toBeNull();
    await current().signIn.setPasswordHash(workspace.id, member.id, 'scrypt$hash');
    expect((await current().signIn.findCredentials(workspace.id, member.email))?.passwordHash).toBe(
      'scrypt$hash',
    );
    expect(await current().members.findById(workspace.id, member.id)).toEqual(member);
    expect(await current().signIn.membersWithPassword(workspace.id)).toEqual([member.id]);
    expect(await current().signIn.findCredentials(other.workspace.id, member.email)).toBeUndefined();
  });

  it('counts failures per kind and subject within a window, and clears them', async () => {
    const store = current();
    const fail = (kind: 'account' | 'ip', subject: string, at: string) =>
      store.signIn.recordFailure({ id: id('sif'), kind, subject, at });
    await fail('account', 'acme/ada', T0);
    await fail('account', 'acme/ada', T1);
    await fail('account', 'acme/bob', T1);
    await fail('ip', 'acme/ada', T1);
    expect(await store.signIn.countFailures('account', 'acme/ada', T0)).toBe(2);
    expect(await store.signIn.countFailures('account', 'acme/ada', T1)).toBe(1);
    expect(await store.signIn.countFailures('ip', 'acme/ada', T0)).toBe(1);
    await store.signIn.clearFailures('account', 'acme/ada');
    expect(await store.signIn.countFailures('account', 'acme/ada', T0)).toBe(0);
    expect(await store.signIn.countFailures('account', 'acme/bob', T0)).toBe(1);
    expect(await store.signIn.deleteFailuresBefore(T2)).toBe(2);
  });

  it('consumes a login link once, and never after it expired', async () => {
    const { workspace, member } = await seed(current());
    const link = (expiresAt: string): LoginLink => ({
      hash: hex(),
      workspaceId: workspace.id,
      memberId: member.id,
      createdAt: T0,
      expiresAt,
      usedAt: null,
    });
    const fresh = link(T2);
    const stale = link(T1);
    await current().signIn.insertLoginLink(fresh);
    await current().signIn.insertLoginLink(stale);
    expect(await current().signIn.consumeLoginLink(fresh.hash, T1)).toEqual({ ...fresh, usedAt: T1 });
    expect(await current().signIn.consumeLoginLink(fresh.hash, T1)).toBeUndefined();
    expect(await current().signIn.consumeLoginLink(stale.hash, T1)).toBeUndefined();
    expect(await current().signIn.consumeLoginLink(hex(), T0)).toBeUndefined();
  });

  it('hands a login link to exactly one of 20 concurrent consumers', async () => {
    const { workspace, member } = await seed(current());
    const hash = hex();
    await current().signIn.insertLoginLink({
      hash,
      workspaceId: workspace.id,
      memberId: member.id,
      createdAt: T0,
      expiresAt: T2,
      usedAt: null,
    });
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        current().transaction((repos) => repos.signIn.consumeLoginLink(hash, T1)),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});
