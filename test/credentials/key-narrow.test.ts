/**
 * Narrowing a key (`keys narrow`, the console's narrow page), on both stores: rights only
 * ever go down, for the key and the old key of its family still in grace; each change is one
 * `key.narrowed` with before/after and the member who did it; a request that would widen
 * anything is refused beside its field and changes nothing; fifty narrowings or revocations
 * at once leave one event and one consistent key. Also the rotation rule of a viewer.
 */
import { expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/index.js';
import { AppError, createIdGenerator, createManualClock, cryptoRandom } from '../../src/core/index.js';
import { createAuthenticator, createKeyService, type KeyActor } from '../../src/credentials/index.js';
import { createDomain } from '../../src/domain/index.js';
import type { Store } from '../../src/storage/index.js';
import { describeEachStore } from '../support/stores.js';

const NAME = 'cursor-work-laptop';

async function setup(store: Store) {
  const clock = createManualClock(new Date('2026-11-02T09:00:00.000Z'));
  const ids = createIdGenerator(clock, cryptoRandom);
  const domain = createDomain({ store, clock, ids });
  const { workspace, owner } = await domain.workspaces.create({
    workspace: 'acme',
    owner: 'owner@acme.test',
  });
  const ownerActor = {
    workspaceId: workspace.id,
    memberId: owner.id,
    role: 'owner' as const,
    via: 'cli' as const,
  };
  const member = await domain.workspaces.addMember(ownerActor, {
    email: 'mia@acme.test',
    name: 'Mia',
    role: 'member',
  });
  const viewer = await domain.workspaces.addMember(ownerActor, {
    email: 'vic@acme.test',
    name: 'Vic',
    role: 'viewer',
  });
  for (const key of ['WEB', 'APP'])
    await domain.projects.create(ownerActor, { key, name: key, members: [owner.id, member.id] });
  const audit = createAuditLog({ store, clock, ids });
  const keys = createKeyService({ store, clock, random: cryptoRandom, ids, audit });
  const authenticate = createAuthenticator({ store, clock });
  const credential = async (secret: string) => {
    const result = await authenticate({ token: secret, ip: '10.1.2.3' });
    return result.ok ? result.value.credential : result.error.reason;
  };
  const events = async (action = 'key.narrowed') =>
    await store.audit.list(workspace.id, { action, limit: 500, order: 'asc' });
  const as = (m: { id: string; email: string }): KeyActor => ({ memberId: m.id, email: m.email });
  return { clock, keys, workspace, owner, member, viewer, credential, events, as, store };
}

const refusal = async (work: Promise<unknown>) => {
  try {
    await work;
  } catch (error) {
    if (error instanceof AppError) return { code: error.code, fields: error.fields.map((f) => f.field) };
    throw error;
  }
  throw new Error('not refused');
};

describeEachStore('keys narrow', (current) => {
  it('takes scopes away, with what implies them, and records before/after with the member', async () => {
    const { keys, credential, events, owner, as } = await setup(current());
    const issued = await keys.create({
      workspace: 'acme',
      name: NAME,
      environment: 'development',
      preset: 'full',
    });
    const result = await keys.narrow('acme', NAME, { removeScopes: ['tasks:read'] }, { actor: as(owner) });
    expect(result.changed).toEqual(['remove-scope']);
    expect(result.key.scopes).not.toContain('tasks:read');
    expect(result.key.scopes).not.toContain('tasks:write');
    expect(result.key.scopes).not.toContain('tasks:delete');
    const seen = await credential(issued.secret);
    expect(typeof seen === 'object' && seen.scopes).not.toContain('tasks:write');
    const [event, ...more] = await events();
    expect(more).toEqual([]);
    expect(event).toMatchObject({ memberId: owner.id, credentialId: issued.key.id, outcome: 'ok' });
    const detail = event!.detail as { before: { scopes: string[] }; after: { scopes: string[] } };
    expect(detail.before.scopes).toContain('tasks:delete');
    expect(detail.after.scopes).toEqual(result.key.scopes);
  });

  it('turns on read-only and dry-run only, shortens the life and tightens the IP allow-list', async () => {
    const { keys, credential, clock } = await setup(current());
    const issued = await keys.create({
      workspace: 'acme',
      name: NAME,
      environment: 'development',
      preset: 'standard',
      ip: '10.0.0.0/8',
    });
    const result = await keys.narrow('acme', NAME, {
      readOnly: true,
      dryRunOnly: true,
      expires: '7d',
      ip: ['10.1.0.0/16'],
      removeProjects: ['web'],
    });
    expect(result.changed).toEqual(['remove-project', 'read-only', 'dry-run-only', 'expires', 'ip']);
    expect(result.key).toMatchObject({
      readOnly: true,
      dryRunOnly: true,
      ip: ['10.1.0.0/16'],
      projects: ['APP'],
    });
    expect(result.key.expiresAt).toBe(new Date(clock.now().getTime() + 7 * 86_400_000).toISOString());
    expect(await credential(issued.secret)).toMatchObject({ readOnly: true, dryRunOnly: true });
  });

  it('narrows the old key still in its grace window with the new one', async () => {
    const { keys, credential } = await setup(current());
    const old = await keys.create({
      workspace: 'acme',
      name: NAME,
      environment: 'development',
      preset: 'full',
    });
    const rotated = await keys.rotate('acme', NAME);
    const result = await keys.narrow('acme', rotated.key.id, { readOnly: true });
    expect(result.narrowed.map((k) => k.id).sort()).toEqual([old.key.id, rotated.key.id].sort());
    expect(await credential(old.secret)).toMatchObject({ readOnly: true });
  });

  it.each([
    ['a scope with a glued zero-width space', { removeScopes: ['tasks:read\u200b'] }, 'remove-scope'],
    ['a scope with a glued line break', { removeScopes: ['tasks:read\nx'] }, 'remove-scope'],
    ['an unknown scope', { removeScopes: ['tasks:admin'] }, 'remove-scope'],
    ['a later expiry', { expires: '2027-12-01T00:00:00Z' }, 'expires'],
    ['an expiry in the past', { expires: '2026-01-01' }, 'expires'],
    ['an IP block outside the allow-list', { ip: ['0.0.0.0/0'] }, 'ip'],
    ['a wider IP block around the allow-list', { ip: ['10.0.0.0/7'] }, 'ip'],
    ['writes turned back on', { readOnly: false }, 'read-only'],
    ['previews turned back off', { dryRunOnly: false }, 'dry-run-only'],
    ['a project it cannot see', { removeProjects: ['NOPE'] }, 'remove-project'],
    [
      'every scope taken away',
      { removeScopes: ['projects:read', 'tasks:read', 'comments:read', 'time:read', 'members:read'] },
      'remove-scope',
    ],
    ['nothing at all', {}, ''],
  ] as const)(
    'refuses a narrowing that widens or means nothing: %s, and changes nothing',
    async (_what, input, field) => {
      const { keys, events, store, workspace } = await setup(current());
      const issued = await keys.create({
        workspace: 'acme',
        name: NAME,
        environment: 'development',
        preset: 'read-only',
        readOnly: true,
        dryRunOnly: true,
        ip: '10.0.0.0/8',
      });
      const before = await store.apiKeys.findById(workspace.id, issued.key.id);
      expect(await refusal(keys.narrow('acme', NAME, input))).toEqual({
        code: 'invalid_input',
        fields: [field],
      });
      expect(await store.apiKeys.findById(workspace.id, issued.key.id)).toEqual(before);
      expect(await events()).toEqual([]);
    },
  );

  it('lets a member narrow only their own keys; another member’s is not found', async () => {
    const { keys, owner, member, viewer, as } = await setup(current());
    await keys.create({
      workspace: 'acme',
      name: 'cursor-owner-laptop',
      environment: 'development',
      member: owner.email,
    });
    await keys.create({
      workspace: 'acme',
      name: 'cursor-vic-laptop',
      environment: 'development',
      member: viewer.email,
    });
    await keys.create({
      workspace: 'acme',
      name: 'cursor-mia-laptop',
      environment: 'development',
      member: member.email,
    });
    expect(
      await refusal(keys.narrow('acme', 'cursor-owner-laptop', { dryRunOnly: true }, { actor: as(member) })),
    ).toEqual({ code: 'not_found', fields: [] });
    expect(
      await refusal(keys.narrow('acme', 'cursor-vic-laptop', { dryRunOnly: true }, { actor: as(member) })),
    ).toEqual({ code: 'not_found', fields: [] });
    await keys.narrow('acme', 'cursor-mia-laptop', { dryRunOnly: true }, { actor: as(member) });
    await keys.narrow('acme', 'cursor-vic-laptop', { dryRunOnly: true }, { actor: as(viewer) });
  });

  it('lets a viewer rotate only a key that cannot write', async () => {
    const { keys, viewer, as, store, workspace } = await setup(current());
    const readKey = await keys.create({
      workspace: 'acme',
      name: 'cursor-vic-laptop',
      environment: 'development',
      member: viewer.email,
    });
    // A key made before a demotion can still hold write scopes until its cascade narrows it.
    const writeKey = await keys.create({
      workspace: 'acme',
      name: 'cursor-vic-desktop',
      environment: 'development',
      member: viewer.email,
      scopes: 'tasks:read',
    });
    await store.apiKeys.narrowRights(workspace.id, writeKey.key.id, {
      ...writeKey.key,
      scopes: ['tasks:read', 'tasks:write'],
      projectIds: null,
      ipAllow: null,
    });
    await keys.rotate('acme', readKey.key.id, { actor: as(viewer) });
    expect(await refusal(keys.rotate('acme', writeKey.key.id, { actor: as(viewer) }))).toEqual({
      code: 'not_found',
      fields: [],
    });
    expect(
      await refusal(keys.forAction('acme', writeKey.key.id, { actor: as(viewer), action: 'rotate' })),
    ).toEqual({ code: 'not_found', fields: [] });
    expect(
      (await keys.forAction('acme', writeKey.key.id, { actor: as(viewer), action: 'narrow' })).key.id,
    ).toBe(writeKey.key.id);
  });

  it('records one narrowing when fifty of the same run at once, and the key is narrowed once', async () => {
    const { keys, events, member, as } = await setup(current());
    const issued = await keys.create({
      workspace: 'acme',
      name: NAME,
      environment: 'development',
      preset: 'standard',
      member: member.email,
    });
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () =>
        keys.narrow(
          'acme',
          NAME,
          { removeScopes: ['comments:write'], dryRunOnly: true },
          { actor: as(member) },
        ),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected'))
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'conflict' });
    expect(await events()).toHaveLength(1);
    const now = await keys.show('acme', issued.key.id);
    expect(now.scopes).not.toContain('comments:write');
    expect(now.dryRunOnly).toBe(true);
  });

  it('records one revocation when fifty revokes of the same key run at once', async () => {
    const { keys, events, member, as, credential } = await setup(current());
    const issued = await keys.create({
      workspace: 'acme',
      name: NAME,
      environment: 'development',
      member: member.email,
    });
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => keys.revoke('acme', issued.key.id, { actor: as(member) })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected'))
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'conflict' });
    const revoked = await events('key.revoked');
    expect(revoked).toHaveLength(1);
    expect(revoked[0]).toMatchObject({ memberId: member.id, credentialId: issued.key.id });
    expect(await credential(issued.secret)).toBe('revoked');
  });
});
