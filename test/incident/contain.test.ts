/**
 * Incident containment on both stores: every key of the leaked name dies (the rotated
 * predecessor still in its grace window too), the member's other live keys become
 * dry-run-only and flagged, other members' keys are untouched, the leaked key's pending
 * confirmations are cancelled, each step is audited, and a second run changes nothing.
 */
import { expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/index.js';
import { createIdGenerator, createManualClock, cryptoRandom } from '../../src/core/index.js';
import { createAuthenticator, createKeyService } from '../../src/credentials/index.js';
import { createDomain } from '../../src/domain/index.js';
import { createIncidentContain } from '../../src/incident/index.js';
import type { Store } from '../../src/storage/index.js';
import { describeEachStore } from '../support/stores.js';

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
  await domain.workspaces.addMember(ownerActor, { email: 'bob@acme.test', role: 'member' });
  const audit = createAuditLog({ store, clock, ids });
  const keys = createKeyService({ store, clock, random: cryptoRandom, ids, audit });
  const key = (name: string, member?: string) =>
    keys.create({ workspace: 'acme', name, environment: 'development', ...(member && { member }) });
  return {
    clock,
    workspace,
    keys,
    key,
    authenticate: createAuthenticator({ store, clock }),
    contain: createIncidentContain({ store, audit, clock }),
  };
}

describeEachStore('incident contain', (current) => {
  it('revokes the leaked name with its rotation in grace and freezes only its member’s other keys', async () => {
    const store = current();
    const { workspace, keys, key, authenticate, contain, clock } = await setup(store);
    const leaked = await key('cursor-work-laptop');
    const rotated = await keys.rotate('acme', 'cursor-work-laptop');
    const sibling = await key('claude-desktop-home');
    const colleague = await key('cursor-bob', 'bob@acme.test');
    await store.pendingActions.insert({
      id: 'act_01M8E75C20F2Z4E9W7SX402VQE',
      workspaceId: workspace.id,
      credentialId: rotated.key.id,
      memberId: rotated.key.member.id,
      tool: 'delete_task',
      args: { task: 'APO-1' },
      digest: 'd',
      risk: 'delete',
      tier: 'approve',
      plan: {},
      status: 'pending',
      createdAt: clock.now().toISOString(),
      expiresAt: new Date(clock.now().getTime() + 3_600_000).toISOString(),
      decidedAt: null,
      decidedBy: null,
      result: null,
    });
    expect((await authenticate({ token: leaked.secret, ip: null })).ok).toBe(true);

    const result = await contain(workspace, 'cursor-work-laptop');
    expect(result.revoked.map((k) => k.id).sort()).toEqual([leaked.key.id, rotated.key.id].sort());
    expect(result.restricted.map((k) => k.name)).toEqual(['claude-desktop-home']);
    expect(result.cancelledActions.map((a) => a.id)).toEqual(['act_01M8E75C20F2Z4E9W7SX402VQE']);
    for (const secret of [leaked.secret, rotated.secret])
      expect(await authenticate({ token: secret, ip: null })).toMatchObject({
        ok: false,
        error: { reason: 'revoked' },
      });
    const siblingNow = await store.apiKeys.findById(workspace.id, sibling.key.id);
    expect(siblingNow).toMatchObject({ dryRunOnly: true, revokedAt: null });
    expect(siblingNow?.flaggedReason).toBe('incident containment of cursor-work-laptop');
    expect(await store.apiKeys.findById(workspace.id, colleague.key.id)).toMatchObject({
      dryRunOnly: false,
      flaggedAt: null,
    });
    expect(
      (await store.pendingActions.findById(workspace.id, 'act_01M8E75C20F2Z4E9W7SX402VQE'))?.status,
    ).toBe('cancelled');

    const events = await store.audit.list(workspace.id, { limit: 20, order: 'asc' });
    expect(events.slice(-5).map((e) => e.action)).toEqual([
      'key.revoked',
      'key.revoked',
      'key.restricted',
      'confirmation.cancelled',
      'incident.contained',
    ]);

    const again = await contain(workspace, 'cursor-work-laptop');
    expect(again).toMatchObject({ revoked: [], restricted: [], cancelledActions: [] });
    expect(again.alreadyRevoked).toHaveLength(2);
    expect(again.alreadyRestricted.map((k) => k.name)).toEqual(['claude-desktop-home']);
  });

  it('refuses a name no key ever had, changing nothing', async () => {
    const store = current();
    const { workspace, contain } = await setup(store);
    const before = await store.audit.list(workspace.id, { limit: 100 });
    await expect(contain(workspace, 'nobody-anywhere')).rejects.toMatchObject({ code: 'not_found' });
    expect(await store.audit.list(workspace.id, { limit: 100 })).toEqual(before);
  });
});
