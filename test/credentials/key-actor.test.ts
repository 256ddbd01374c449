/**
 * Key actions carry the member who did them, on both stores: the audit event and the key's
 * `createdBy` name them, owners and admins act on every key, a member or viewer only on
 * their own (another's key is not found), a viewer makes no write-capable key, and an
 * actor who is not (or no longer) a member changes nothing.
 */
import { expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/index.js';
import { createIdGenerator, cryptoRandom } from '../../src/core/index.js';
import { createKeyService, type KeyActor } from '../../src/credentials/index.js';
import type { Member } from '../../src/model/index.js';
import type { Store } from '../../src/storage/index.js';
import { createDomainFixture } from '../support/domain-fixture.js';
import { rejection } from '../support/errors.js';
import { describeEachStore } from '../support/stores.js';

const as = (m: Member): KeyActor => ({ memberId: m.id, email: m.email });

async function setup(store: Store) {
  const fixture = await createDomainFixture(store);
  const ids = createIdGenerator(fixture.clock, cryptoRandom);
  const audit = createAuditLog({ store, clock: fixture.clock, ids });
  const keys = createKeyService({ store, clock: fixture.clock, random: cryptoRandom, ids, audit });
  const events = async (action?: string) =>
    (await store.audit.list(fixture.workspace.id, { limit: 500 })).filter(
      (e) => action === undefined || e.action === action,
    );
  const input = (name: string, extra: Record<string, unknown> = {}) => ({
    workspace: 'acme',
    name,
    environment: 'development' as const,
    ...extra,
  });
  return { ...fixture, keys, events, input };
}

describeEachStore('key actions name their member', (current) => {
  it('records the member who created, rotated and revoked a key', async () => {
    const store = current();
    const { keys, members, events, input } = await setup(store);
    const created = await keys.create(input('cursor-work-laptop', { member: members.member.email }), {
      actor: as(members.admin),
    });
    expect(created.key.member.id).toBe(members.member.id);
    const [createdEvent] = await events('key.created');
    expect(createdEvent).toMatchObject({ memberId: members.admin.id, credentialId: created.key.id });

    const rotated = await keys.rotate('acme', 'cursor-work-laptop', { actor: as(members.member) });
    const [rotatedEvent] = await events('key.rotated');
    expect(rotatedEvent).toMatchObject({ memberId: members.member.id, credentialId: rotated.key.id });

    const revoked = await keys.revoke('acme', 'cursor-work-laptop', { actor: as(members.owner) });
    expect(revoked.revoked).toHaveLength(2);
    const revokedEvents = await events('key.revoked');
    expect(revokedEvents).toHaveLength(2);
    expect(revokedEvents.every((e) => e.memberId === members.owner.id)).toBe(true);
  });

  it('stores who created the key, and the operator as nobody', async () => {
    const store = current();
    const { keys, members, workspace, input } = await setup(store);
    const mine = await keys.create(input('cursor-work-laptop'), { actor: as(members.member) });
    const operator = await keys.create(input('cursor-home-desktop'));
    expect((await store.apiKeys.findById(workspace.id, mine.key.id))?.createdBy).toBe(members.member.id);
    expect((await store.apiKeys.findById(workspace.id, operator.key.id))?.createdBy).toBeNull();
    // Without an actor the key acts for the owner, as before.
    expect(operator.key.member.id).toBe(members.owner.id);
  });

  it('records the member on every key a leaked rotation revokes', async () => {
    const { keys, members, events, input } = await setup(current());
    await keys.create(input('cursor-work-laptop'), { actor: as(members.member) });
    await keys.rotate('acme', 'cursor-work-laptop', { actor: as(members.member) });
    await keys.rotate('acme', 'cursor-work-laptop', { leaked: true, actor: as(members.member) });
    const revoked = await events('key.revoked');
    expect(revoked.length).toBeGreaterThan(0);
    expect(revoked.every((e) => e.memberId === members.member.id)).toBe(true);
  });

  it('refuses a member creating a key for another member, creating nothing', async () => {
    const { keys, members, events, input } = await setup(current());
    const error = await rejection(
      keys.create(input('cursor-work-laptop', { member: members.admin.email }), {
        actor: as(members.member),
      }),
    );
    expect(error).toMatchObject({ code: 'forbidden' });
    expect(error.publicMessage).toContain('only for yourself');
    expect(await keys.list('acme')).toHaveLength(0);
    expect(await events('key.created')).toHaveLength(0);
  });

  it('refuses a viewer creating a write-capable key, and lets them make a read-only one', async () => {
    const { keys, members, input } = await setup(current());
    for (const extra of [
      { preset: 'standard' },
      { scopes: 'tasks:write' },
      { scopes: 'tasks:read,comments:write' },
    ]) {
      const error = await rejection(
        keys.create(input('cursor-work-laptop', extra), { actor: as(members.viewer) }),
      );
      expect(error.code).toBe('forbidden');
      expect(error.publicMessage).toContain('a viewer cannot create a write-capable key');
    }
    expect(await keys.list('acme')).toHaveLength(0);
    const own = await keys.create(input('cursor-work-laptop'), { actor: as(members.viewer) });
    expect(own.key).toMatchObject({
      member: { id: members.viewer.id },
      scopes: expect.not.arrayContaining(['tasks:write']),
    });
  });

  it('refuses a member rotating or revoking another member’s key, as if it did not exist', async () => {
    const { keys, members, events, input } = await setup(current());
    const admins = await keys.create(input('cursor-admin-laptop'), { actor: as(members.admin) });
    const before = (await events()).length;
    for (const attempt of [
      () => keys.rotate('acme', 'cursor-admin-laptop', { actor: as(members.member) }),
      () => keys.revoke('acme', 'cursor-admin-laptop', { actor: as(members.member) }),
      () => keys.revoke('acme', admins.key.id, { only: true, actor: as(members.viewer) }),
      () => keys.rotate('acme', admins.key.id, { actor: as(members.viewer) }),
    ]) {
      const error = await rejection(attempt());
      expect(error.code).toBe('not_found');
      expect(error.publicMessage).toMatch(/^key (cursor-admin-laptop|key_\w+) not found in workspace acme$/);
    }
    expect((await keys.show('acme', 'cursor-admin-laptop')).status).toBe('active');
    expect((await events()).length).toBe(before);
  });

  it('lets an admin act on a member’s key, and a member on their own', async () => {
    const { keys, members, input } = await setup(current());
    await keys.create(input('cursor-work-laptop'), { actor: as(members.member) });
    await keys.rotate('acme', 'cursor-work-laptop', { actor: as(members.member), graceHours: 0 });
    await keys.create(input('cursor-home-desktop'), { actor: as(members.member) });
    const revoked = await keys.revoke('acme', 'cursor-home-desktop', { actor: as(members.admin) });
    expect(revoked.revoked).toHaveLength(1);
  });

  it('refuses an actor who is not a member of the workspace, or whose email does not match', async () => {
    const store = current();
    const { keys, members, input } = await setup(store);
    const other = await createDomainFixture(store, 'globex');
    await keys.create(input('cursor-work-laptop'));
    const forged: KeyActor[] = [
      as(other.members.owner),
      { memberId: members.member.id, email: members.owner.email },
      { memberId: 'mbr_01J00000000000000000000000', email: 'nobody@acme.test' },
    ];
    for (const actor of forged) {
      for (const attempt of [
        () => keys.create(input('cursor-other-laptop'), { actor }),
        () => keys.rotate('acme', 'cursor-work-laptop', { actor }),
        () => keys.revoke('acme', 'cursor-work-laptop', { actor }),
      ]) {
        expect((await rejection(attempt())).code).toBe('forbidden');
      }
    }
    expect((await keys.list('acme')).map((k) => `${k.name} ${k.status}`)).toEqual([
      'cursor-work-laptop active',
    ]);
  });

  it('leaves no key and no half-done rotation when the audit event cannot be written', async () => {
    const store = current();
    const { keys, members, clock, input } = await setup(store);
    await keys.create(input('cursor-work-laptop'), { actor: as(members.member) });
    const ids = createIdGenerator(clock, cryptoRandom);
    const audit = createAuditLog({ store, clock, ids });
    const failing = createKeyService({
      store,
      clock,
      random: cryptoRandom,
      ids,
      audit: { ...audit, record: async () => Promise.reject(new Error('disk full')) },
    });
    const actor = as(members.member);
    await expect(failing.create(input('cursor-home-desktop'), { actor })).rejects.toThrow('disk full');
    await expect(failing.rotate('acme', 'cursor-work-laptop', { actor })).rejects.toThrow('disk full');
    await expect(failing.revoke('acme', 'cursor-work-laptop', { actor })).rejects.toThrow('disk full');
    expect((await keys.list('acme')).map((k) => `${k.name} ${k.status}`)).toEqual([
      'cursor-work-laptop active',
    ]);
  });

  it('resolves --as by email, refusing an address with anything glued to it', async () => {
    const { keys, members } = await setup(current());
    expect(await keys.actorFor('acme', 'MEMBER@acme.test')).toEqual({
      memberId: members.member.id,
      email: members.member.email,
    });
    for (const glued of [
      ' member@acme.test',
      'member@acme.test\n',
      'member@acme.test\u0000',
      'member@ acme.test',
      '',
    ]) {
      const error = await rejection(keys.actorFor('acme', glued));
      expect(error.code).toBe('invalid_input');
      expect(error.fields).toEqual([
        { field: 'as', message: "must be a member's email address, with no spaces or line breaks" },
      ]);
    }
    expect((await rejection(keys.actorFor('acme', 'stranger@acme.test'))).publicMessage).toBe(
      'stranger@acme.test is not a member of acme',
    );
  });
});
