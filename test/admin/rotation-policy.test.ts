/**
 * The key rotation policy on both stores: `policy set` changes it with one audited event
 * naming the member and the old and new period, every key's rotation state follows at once
 * without any key being revoked, a refused or failed change leaves it as it was, and 50
 * changes racing each other and key creations lose nothing.
 */
import { expect, it } from 'vitest';
import { createPolicyService } from '../../src/admin/index.js';
import { type AuditLog, createAuditLog } from '../../src/audit/index.js';
import { createIdGenerator, cryptoRandom } from '../../src/core/index.js';
import { createAuthenticator, createKeyService } from '../../src/credentials/index.js';
import type { Store } from '../../src/storage/index.js';
import { createDomainFixture } from '../support/domain-fixture.js';
import { rejection } from '../support/errors.js';
import { describeEachStore } from '../support/stores.js';

const DAY_MS = 86_400_000;

async function setup(store: Store) {
  const fixture = await createDomainFixture(store);
  const ids = createIdGenerator(fixture.clock, cryptoRandom);
  const audit = createAuditLog({ store, clock: fixture.clock, ids });
  const policy = createPolicyService({ store, audit, clock: fixture.clock });
  const keys = createKeyService({ store, clock: fixture.clock, random: cryptoRandom, ids, audit });
  const authenticate = createAuthenticator({ store, clock: fixture.clock });
  const events = async (action: string) =>
    (await store.audit.list(fixture.workspace.id, { limit: 1000 }))
      .filter((e) => e.action === action)
      .sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  const rotationDays = async () => (await store.workspaces.findById(fixture.workspace.id))?.keyRotationDays;
  return { ...fixture, ids, audit, policy, keys, authenticate, events, rotationDays };
}

describeEachStore('key rotation policy', (current) => {
  it('changes the period with one policy.changed event naming the member, old and new', async () => {
    const { policy, members, events, rotationDays } = await setup(current());
    expect((await policy.show('acme')).keyRotationDays).toBe(90);
    const set = await policy.set(members.admin.id, 'acme', { keyRotationDays: 30 });
    expect(set).toMatchObject({ keyRotationDays: 30, updatedBy: members.admin.id });
    expect(await rotationDays()).toBe(30);
    expect((await policy.show('acme')).keyRotationDays).toBe(30);
    const [changed, ...more] = await events('policy.changed');
    expect(more).toHaveLength(0);
    expect(changed).toMatchObject({ outcome: 'ok', memberId: members.admin.id });
    expect(changed?.detail).toEqual({ changes: { keyRotationDays: { before: 90, after: 30 } } });
    // Setting what is already set changes nothing and records nothing.
    await policy.set(members.admin.id, 'acme', { keyRotationDays: 30 });
    expect(await events('policy.changed')).toHaveLength(1);
  });

  it('changes the period together with other settings in one event', async () => {
    const { policy, events } = await setup(current());
    await policy.set(null, 'acme', { keyRotationDays: 180, requireReason: true });
    const [changed] = await events('policy.changed');
    expect(changed?.memberId).toBeNull();
    expect(changed?.detail).toEqual({
      changes: { requireReason: { before: false, after: true }, keyRotationDays: { before: 90, after: 180 } },
    });
  });

  it('re-judges every key at once when the period shortens, and keeps the old keys working', async () => {
    const { policy, keys, clock, authenticate } = await setup(current());
    const old = await keys.create({
      workspace: 'acme',
      name: 'cursor-old-laptop',
      environment: 'development',
    });
    clock.advance(40 * DAY_MS);
    const fresh = await keys.create({
      workspace: 'acme',
      name: 'cursor-new-laptop',
      environment: 'development',
    });
    clock.advance(DAY_MS);
    expect((await keys.show('acme', 'cursor-old-laptop')).rotation).toMatchObject({
      state: 'ok',
      policyDays: 90,
    });

    await policy.set(null, 'acme', { keyRotationDays: 30 });
    const oldView = await keys.show('acme', 'cursor-old-laptop');
    expect(oldView).toMatchObject({
      status: 'active',
      expiresAt: old.key.expiresAt,
      rotation: { state: 'overdue', policyDays: 30, beyondPolicy: true },
    });
    expect(oldView.rotation.dueAt).toBe(new Date(Date.parse(old.key.createdAt) + 30 * DAY_MS).toISOString());
    // Kept, not revoked: the key still authenticates until its own expiry.
    expect((await authenticate({ token: old.secret, ip: null })).ok).toBe(true);
    expect((await keys.show('acme', 'cursor-new-laptop')).rotation).toMatchObject({
      state: 'ok',
      beyondPolicy: true,
    });
    const health = await keys.health('acme');
    expect(health.overdue.map((k) => k.name)).toEqual(['cursor-old-laptop']);
    expect(health.workspace.keyRotationDays).toBe(30);
    // A new key now lives at most 30 days, and a longer lifetime is refused.
    await expect(
      keys.create({
        workspace: 'acme',
        name: 'cursor-third-laptop',
        environment: 'development',
        expiresIn: '60d',
      }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    const third = await keys.create({
      workspace: 'acme',
      name: 'cursor-third-laptop',
      environment: 'development',
    });
    expect(Date.parse(third.key.expiresAt) - Date.parse(third.key.createdAt)).toBe(30 * DAY_MS);
    expect(fresh.secret).toBeTruthy();
  });

  it('judges keys against a longer period at once, never past their own expiry', async () => {
    const { policy, keys, clock } = await setup(current());
    const key = await keys.create({
      workspace: 'acme',
      name: 'cursor-work-laptop',
      environment: 'development',
    });
    clock.advance(85 * DAY_MS);
    expect((await keys.show('acme', 'cursor-work-laptop')).rotation.state).toBe('due_soon');
    await policy.set(null, 'acme', { keyRotationDays: 180 });
    // The key still dies at 90 days: it is due then, whatever the policy would allow.
    expect((await keys.show('acme', 'cursor-work-laptop')).rotation).toMatchObject({
      state: 'due_soon',
      dueAt: key.key.expiresAt,
      beyondPolicy: false,
    });
  });

  it('refuses a period change by a member who is not an owner or admin, changing nothing', async () => {
    const { policy, members, events, rotationDays } = await setup(current());
    for (const who of [members.member, members.viewer]) {
      const error = await rejection(policy.set(who.id, 'acme', { keyRotationDays: 30 }));
      expect(error.code).toBe('forbidden');
    }
    expect(await rotationDays()).toBe(90);
    expect(await events('policy.changed')).toHaveLength(0);
  });

  it('leaves the period unchanged when its audit event cannot be written', async () => {
    const store = current();
    const { audit, clock, events, rotationDays } = await setup(store);
    const failing: AuditLog = {
      ...audit,
      record: async () => {
        throw new Error('disk full');
      },
    };
    const policy = createPolicyService({ store, audit: failing, clock });
    await expect(policy.set(null, 'acme', { keyRotationDays: 30 })).rejects.toThrow('disk full');
    expect(await rotationDays()).toBe(90);
    expect(await store.policies.find((await store.workspaces.findBySlug('acme'))!.id)).toBeUndefined();
    expect(await events('policy.changed')).toHaveLength(0);
  });

  it('loses no change when 50 period changes race, each with its own event', async () => {
    const { policy, members, events, rotationDays } = await setup(current());
    const values = [30, 60, 180, 90, 60] as const;
    const calls = Array.from({ length: 50 }, (_, i) =>
      policy.set(i % 2 ? members.owner.id : members.admin.id, 'acme', { keyRotationDays: values[i % 5] }),
    );
    const results = await Promise.allSettled(calls);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const changed = await events('policy.changed');
    expect(changed.length).toBeGreaterThan(0);
    // Each event starts where the one before it ended: no change read a stale period.
    let before = 90;
    for (const event of changed) {
      const { changes } = event.detail as { changes: { keyRotationDays: { before: number; after: number } } };
      expect(changes.keyRotationDays.before).toBe(before);
      expect(changes.keyRotationDays.after).not.toBe(before);
      expect(event.memberId).toMatch(/^mbr_/);
      before = changes.keyRotationDays.after;
    }
    expect(await rotationDays()).toBe(before);
    expect((await policy.show('acme')).keyRotationDays).toBe(before);
  });

  it('creates 50 keys racing period changes, one key.created each naming its member', async () => {
    const { policy, keys, members, events, rotationDays } = await setup(current());
    const actors = [members.owner, members.admin, members.member];
    const creations = Array.from({ length: 50 }, (_, i) => {
      const who = actors[i % 3]!;
      return keys.create(
        { workspace: 'acme', name: `cursor-machine-${i}`, environment: 'development' },
        { actor: { memberId: who.id, email: who.email } },
      );
    });
    const changes = ([30, 60, 180, 90] as const).map((days) =>
      policy.set(null, 'acme', { keyRotationDays: days }),
    );
    const created = await Promise.all(creations);
    await Promise.all(changes);
    expect(new Set(created.map((c) => c.key.id)).size).toBe(50);
    const recorded = await events('key.created');
    expect(recorded).toHaveLength(50);
    for (const [i, issued] of created.entries()) {
      const event = recorded.find((e) => e.credentialId === issued.key.id);
      expect(event?.memberId).toBe(actors[i % 3]!.id);
      // Without --member, the key acts for the member who made it.
      expect(issued.key.member.id).toBe(actors[i % 3]!.id);
    }
    // The period is the one the last change committed, and every key is judged against it.
    const last = (await events('policy.changed')).at(-1)?.detail as {
      changes: { keyRotationDays: { after: number } };
    };
    const final = last.changes.keyRotationDays.after;
    expect(await rotationDays()).toBe(final);
    expect((await keys.list('acme')).every((k) => k.rotation.policyDays === final)).toBe(true);
  });
});
