/**
 * Concurrent changes to one workspace's policy, on both stores: 50 `policy set` calls (and
 * a freeze) at once, none of them lost, each with its own policy.changed event whose
 * `before` is the `after` of the change that committed just before it.
 */
import { expect, it } from 'vitest';
import { createPolicyService, type PolicyPatch } from '../../src/admin/index.js';
import { createAuditLog } from '../../src/audit/index.js';
import { createIdGenerator, createSeededRandom } from '../../src/core/index.js';
import type { AuditEvent } from '../../src/model/index.js';
import type { Store } from '../../src/storage/index.js';
import { createDomainFixture } from '../support/domain-fixture.js';
import { describeEachStore } from '../support/stores.js';

async function setup(store: Store) {
  const fixture = await createDomainFixture(store);
  const audit = createAuditLog({
    store,
    clock: fixture.clock,
    ids: createIdGenerator(fixture.clock, createSeededRandom(7)),
  });
  const policy = createPolicyService({ store, audit, clock: fixture.clock });
  const changes = async () =>
    (await store.audit.list(fixture.workspace.id, { limit: 500 }))
      .filter((e) => e.action === 'policy.changed')
      .sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  return { ...fixture, policy, changes };
}

/** Ten settings, each changed by exactly one call, away from its default. */
const ONE_FIELD_EACH: PolicyPatch[] = [
  { create: 'token' },
  { update: 'elicit' },
  { delete: 'approve' },
  { bulk: 'approve' },
  { requireReason: true },
  { requireReadFirst: true },
  { requireOauth: true },
  { approver: 'member_or_admin' },
  { deleteBudget: 4 },
  { budgetWindowMinutes: 30 },
];

type Changes = Record<string, { before: unknown; after: unknown }>;
const changesOf = (event: AuditEvent) => (event.detail as { changes: Changes }).changes;

describeEachStore('policy set under concurrency', (current) => {
  it('loses no change when 50 policy set calls race', async () => {
    const { policy, changes } = await setup(current());
    // 10 calls on distinct settings and 40 that all move the write budget to distinct values.
    const patches: PolicyPatch[] = [
      ...ONE_FIELD_EACH,
      ...Array.from({ length: 40 }, (_, i): PolicyPatch => ({ writeBudget: 100 + i })),
    ];
    await Promise.all(patches.map((patch) => policy.set(null, 'acme', patch)));

    const final = await policy.show('acme');
    expect(final.tiers).toEqual({ create: 'token', update: 'elicit', delete: 'approve', bulk: 'approve' });
    expect(final).toMatchObject({
      requireReason: true,
      requireReadFirst: true,
      requireOauth: true,
      approver: 'member_or_admin',
      budget: { deletes: 4, windowMinutes: 30 },
    });
    const events = await changes();
    expect(events).toHaveLength(50);
    // The write budget moved through a chain of 40 changes, each starting where the last ended.
    const budgetMoves = events.map(changesOf).flatMap((c) => (c.writeBudget ? [c.writeBudget] : []));
    expect(budgetMoves).toHaveLength(40);
    budgetMoves.forEach((move, i) => {
      expect(move.before).toBe(i === 0 ? 60 : budgetMoves[i - 1]!.after);
    });
    expect(final.budget.writes).toBe(budgetMoves.at(-1)!.after);
  });

  it('keeps a freeze that races 49 policy set calls', async () => {
    const { policy, changes } = await setup(current());
    const sets = Array.from({ length: 49 }, (_, i) => policy.set(null, 'acme', { writeBudget: 200 + i }));
    await Promise.all([...sets, policy.freeze('acme', { by: null, reason: 'incident' })]);
    const final = await policy.show('acme');
    expect(final.freeze).toMatchObject({ frozen: true, reason: 'incident' });
    expect(await changes()).toHaveLength(49);
  });
});
