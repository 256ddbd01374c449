/**
 * `apiKeys.lockForChange` on both stores: a second key change in a workspace waits for the
 * first transaction to end, so a revocation never reads a rotation family half-written.
 */
import { expect, it } from 'vitest';
import { describeEachStore } from '../support/stores.js';

const T0 = '2026-11-02T09:00:00.000Z';

describeEachStore('api key change lock', (current) => {
  it('holds a second key change in the workspace until the first transaction ends', async () => {
    const store = current();
    const workspace = {
      id: 'wsp_01KBV5Z7Q0000000000000000W',
      slug: 'acme',
      name: 'Acme',
      environment: 'development' as const,
      keyRotationDays: 90,
      createdAt: T0,
    };
    await store.workspaces.insert(workspace);
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let signal!: () => void;
    const firstHolds = new Promise<void>((resolve) => (signal = resolve));
    const first = store.transaction(async (repos) => {
      await repos.apiKeys.lockForChange(workspace.id);
      signal();
      await gate;
      order.push('first ends');
    });
    await firstHolds;
    const second = store.transaction(async (repos) => {
      await repos.apiKeys.lockForChange(workspace.id);
      order.push('second holds');
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    order.push('released');
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['released', 'first ends', 'second holds']);
  });
});
