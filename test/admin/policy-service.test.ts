/**
 * The policy service and the trash purge on both stores: each change commits with its
 * audit event, a member who is not an owner or admin changes nothing, a freeze stops
 * writes until it ends, and a purge takes only what is old enough.
 */
import { expect, it } from 'vitest';
import { createPolicyService, createTrashPurge } from '../../src/admin/index.js';
import { createAuditLog } from '../../src/audit/index.js';
import { createIdGenerator, createSeededRandom } from '../../src/core/index.js';
import { assertWritesAllowed } from '../../src/guard/index.js';
import type { Store } from '../../src/storage/index.js';
import { createDomainFixture } from '../support/domain-fixture.js';
import { rejection } from '../support/errors.js';
import { describeEachStore } from '../support/stores.js';

const DAY_MS = 86_400_000;

async function setup(store: Store) {
  const fixture = await createDomainFixture(store);
  const audit = createAuditLog({
    store,
    clock: fixture.clock,
    ids: createIdGenerator(fixture.clock, createSeededRandom(99)),
  });
  const policy = createPolicyService({ store, audit, clock: fixture.clock });
  const events = async (action: string) =>
    (await store.audit.list(fixture.workspace.id, { limit: 100 })).filter((e) => e.action === action);
  return { ...fixture, audit, policy, events };
}

describeEachStore('policy service', (current) => {
  it('sets tiers and settings, audits before and after, and resets a tier to the default', async () => {
    const { policy, members, events } = await setup(current());
    const set = await policy.set(members.owner.id, 'acme', {
      delete: 'approve',
      requireReason: true,
      writeBudget: 20,
    });
    expect(set.tiers.delete).toBe('approve');
    expect(set.tierSource.delete).toBe('workspace');
    expect(set).toMatchObject({ requireReason: true, budget: { writes: 20 }, updatedBy: members.owner.id });
    const [changed] = await events('policy.changed');
    expect(changed).toMatchObject({ outcome: 'ok', memberId: members.owner.id, environment: 'development' });
    expect(changed?.detail).toEqual({
      changes: {
        delete: { before: 'default', after: 'approve' },
        requireReason: { before: false, after: true },
        writeBudget: { before: 60, after: 20 },
      },
    });

    const reset = await policy.set(null, 'acme', { delete: 'default' });
    expect(reset.tiers.delete).toBe('none');
    expect(reset.tierSource.delete).toBe('default');
    expect(reset.requireReason).toBe(true);
    expect(await events('policy.changed')).toHaveLength(2);
  });

  it('writes nothing and audits nothing when a patch changes nothing', async () => {
    const { policy, events } = await setup(current());
    await policy.set(null, 'acme', { approver: 'member' });
    expect(await events('policy.changed')).toHaveLength(0);
  });

  it('refuses a policy change by a member who is not an owner or admin, changing nothing', async () => {
    const store = current();
    const { policy, members, workspace, events } = await setup(store);
    const error = await rejection(policy.set(members.member.id, 'acme', { delete: 'none' }));
    expect(error.code).toBe('forbidden');
    expect((await rejection(policy.freeze('acme', { by: members.viewer.id }))).code).toBe('forbidden');
    expect(await store.policies.find(workspace.id)).toBeUndefined();
    expect(await events('policy.changed')).toHaveLength(0);
    await policy.set(members.admin.id, 'acme', { delete: 'token' });
    expect((await policy.show(workspace.id)).tiers.delete).toBe('token');
  });

  it('says which workspace it could not find', async () => {
    const { policy } = await setup(current());
    const error = await rejection(policy.show('nowhere'));
    expect(error.code).toBe('not_found');
    expect(error.publicMessage).toContain('nowhere');
  });

  it('freezes until a time, stops writes until then, and audits freeze and unfreeze', async () => {
    const { policy, clock, events, workspace } = await setup(current());
    const until = new Date(clock.now().getTime() + 2 * 3_600_000);
    const frozen = await policy.freeze('acme', { until, reason: 'incident 42', by: null });
    expect(frozen.freeze).toMatchObject({ frozen: true, until: until.toISOString(), reason: 'incident 42' });
    expect(() => assertWritesAllowed(frozen)).toThrow(/workspace acme is frozen/);
    expect((await events('workspace.frozen'))[0]?.detail).toMatchObject({ until: until.toISOString() });

    clock.advance(2 * 3_600_000);
    const later = await policy.forWorkspace(workspace);
    expect(later.freeze.frozen).toBe(false);
    expect(() => assertWritesAllowed(later)).not.toThrow();
    expect((await rejection(policy.unfreeze('acme', null))).code).toBe('conflict');

    await policy.freeze('acme', { by: null });
    const unfrozen = await policy.unfreeze('acme', null);
    expect(unfrozen.freeze.frozen).toBe(false);
    expect(await events('workspace.unfrozen')).toHaveLength(1);
    expect(await events('workspace.frozen')).toHaveLength(2);
  });

  it('keeps the start of a freeze when it is extended', async () => {
    const { policy, clock } = await setup(current());
    const first = await policy.freeze('acme', { by: null });
    clock.advance(60_000);
    const extended = await policy.freeze('acme', {
      until: new Date(clock.now().getTime() + DAY_MS),
      by: null,
    });
    expect(extended.freeze.since).toBe(first.freeze.since);
  });

  it('purges only tasks trashed before the cut-off, audits the count, and a dry run removes none', async () => {
    const store = current();
    const { domain, clock, members, actor, audit, events } = await setup(store);
    const owner = actor(members.owner, 'cli');
    const old = await domain.tasks.create(owner, { project: 'APO', title: 'Old' });
    const recent = await domain.tasks.create(owner, { project: 'APO', title: 'Recent' });
    const kept = await domain.tasks.create(owner, { project: 'APO', title: 'Kept' });
    await domain.tasks.delete(owner, old.id);
    clock.advance(35 * DAY_MS);
    await domain.tasks.delete(owner, recent.id);
    clock.advance(5 * DAY_MS);
    const purge = createTrashPurge({ store, tasks: domain.tasks, audit });
    const cutOff = new Date(clock.now().getTime() - 30 * DAY_MS);

    const dry = await purge(owner, cutOff, { dryRun: true });
    expect(dry).toEqual({ count: 1, before: cutOff.toISOString(), dryRun: true });
    expect((await domain.tasks.list(owner, {}, { trash: true })).items).toHaveLength(2);
    expect(await events('trash.purged')).toHaveLength(0);

    expect((await purge(owner, cutOff)).count).toBe(1);
    const trash = (await domain.tasks.list(owner, {}, { trash: true })).items.map((t) => t.id);
    expect(trash).toEqual([recent.id]);
    expect((await domain.tasks.get(owner, kept.id)).id).toBe(kept.id);
    expect((await events('trash.purged'))[0]?.detail).toMatchObject({ count: 1, via: 'cli' });

    const memberError = await rejection(purge(actor(members.member, 'cli'), clock.now()));
    expect(memberError.code).toBe('forbidden');
  });
});
