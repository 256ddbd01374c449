/**
 * A transaction committed without a disk sync (`deferSync`, src/storage/ports.ts) holds derived
 * state only: every repository but the anomaly baselines refuses in it, so no change, audit
 * event or alert can be committed in a way a power loss could take back.
 */
import { expect, it } from 'vitest';
import type { Workspace } from '../../src/model/index.js';
import type { Repositories } from '../../src/storage/index.js';
import { auditEvent } from '../support/audit-events.js';
import { describeEachStore } from '../support/stores.js';

const workspace: Workspace = {
  id: 'wsp_deferred',
  slug: 'deferred',
  name: 'Deferred',
  environment: 'development',
  keyRotationDays: 90,
  createdAt: new Date(0).toISOString(),
};

describeEachStore('transactions committed without a disk sync', (current) => {
  it('an audit event slipped into an unsynced transaction is refused, and nothing of it is stored', async () => {
    const store = current();
    await store.workspaces.insert(workspace);
    const slipped = store.transaction(
      async (repos) => {
        await repos.audit.insert(auditEvent({ id: 'evt_deferred', workspaceId: workspace.id }));
      },
      { deferSync: true },
    );
    await expect(slipped).rejects.toMatchObject({
      code: 'internal',
      message: 'audit.insert in a transaction committed without a disk sync',
    });
    expect(await store.audit.list(workspace.id, { limit: 10 })).toEqual([]);
  });

  it('a change made through any other repository is refused and rolled back with the transaction', async () => {
    const store = current();
    const writes: ((repos: Repositories) => Promise<unknown>)[] = [
      (repos) => repos.workspaces.insert({ ...workspace, id: 'wsp_other', slug: 'other' }),
      (repos) => repos.apiKeys.revoke('wsp_deferred', 'key_x', new Date(0).toISOString()),
      (repos) => repos.alerts.resolve('wsp_deferred', 'alr_x', new Date(0).toISOString(), 'mem_x'),
    ];
    const refused = await Promise.allSettled(writes.map((w) => store.transaction(w, { deferSync: true })));
    expect(refused.map((r) => (r.status === 'rejected' ? String(r.reason.message) : 'stored'))).toEqual([
      'workspaces.insert in a transaction committed without a disk sync',
      'apiKeys.revoke in a transaction committed without a disk sync',
      'alerts.resolve in a transaction committed without a disk sync',
    ]);
    expect(await store.workspaces.findById('wsp_other')).toBeUndefined();
  });

  it('the baselines are usable in it, and a refusing repository is not mistaken for a promise', async () => {
    const store = current();
    const found = await store.transaction(
      async (repos) => {
        // Awaiting the refusing object itself must not hang the transaction.
        const audit = await repos.audit;
        return { audit: typeof audit, baseline: await repos.keyBaselines.find('key_none') };
      },
      { deferSync: true },
    );
    expect(found).toEqual({ audit: 'object', baseline: undefined });
  });

  it('50 unsynced transactions racing with 50 synced writes: every synced write is stored', async () => {
    const store = current();
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, (_, n) =>
        n % 2
          ? store.transaction((repos) => repos.keyBaselines.find(`key_${n}`), { deferSync: true })
          : store.transaction((repos) =>
              repos.workspaces.insert({ ...workspace, id: `wsp_race_${n}`, slug: `race-${n}` }),
            ),
      ),
    );
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    const stored = (await store.workspaces.list()).filter((w) => w.slug.startsWith('race-'));
    expect(stored).toHaveLength(50);
  });
});
