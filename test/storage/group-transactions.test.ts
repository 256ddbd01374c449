/**
 * Concurrent write transactions on one store (on SQLite they share one transaction and one
 * commit: src/storage/kysely/sqlite-turns.ts): each commits or fails on its own, none is
 * lost, none is reported done before it is stored, and a group that breaks stores nothing.
 */
import { describe, expect, it } from 'vitest';
import type { Workspace } from '../../src/model/index.js';
import { openStore } from '../../src/storage/index.js';
import { createTestDatabase, describeEachStore } from '../support/stores.js';

const workspace = (n: number): Workspace => ({
  id: `wsp_group_${n}`,
  slug: `group-${n}`,
  name: `Group ${n}`,
  environment: 'development',
  keyRotationDays: 90,
  createdAt: new Date(0).toISOString(),
});

describeEachStore('write transactions under concurrency', (current) => {
  it('50 concurrent transactions, every third failing: each failure rolls back only itself', async () => {
    const store = current();
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, n) =>
        store.transaction(async (repos) => {
          await repos.workspaces.insert(workspace(n));
          if (n % 3 === 0) throw new Error(`refused ${n}`);
          return n;
        }),
      ),
    );
    const kept = (await store.workspaces.list()).map((w) => w.slug).filter((s) => s.startsWith('group-'));
    const expected = Array.from({ length: 50 }, (_, n) => n).filter((n) => n % 3 !== 0);
    expect(kept.sort()).toEqual(expected.map((n) => `group-${n}`).sort());
    results.forEach((r, n) => {
      if (n % 3 === 0) expect(r).toMatchObject({ status: 'rejected', reason: { message: `refused ${n}` } });
      else expect(r).toEqual({ status: 'fulfilled', value: n });
    });
  });

  it('a transaction sees its own writes and those committed before it, never a failed one', async () => {
    const store = current();
    const failed = store.transaction(async (repos) => {
      await repos.workspaces.insert(workspace(1));
      throw new Error('rolled back');
    });
    const seen = store.transaction(async (repos) => {
      await repos.workspaces.insert(workspace(2));
      return [await repos.workspaces.findById('wsp_group_1'), await repos.workspaces.findById('wsp_group_2')];
    });
    await expect(failed).rejects.toThrow('rolled back');
    const [one, two] = await seen;
    expect(one).toBeUndefined();
    expect(two?.slug).toBe('group-2');
  });
});

describe('write transactions on SQLite', () => {
  // PostgreSQL isolates by row locks the code takes (`lock()`); SQLite by running them in turn.
  it('a lost update cannot happen: 50 concurrent read-modify-writes of one row all count', async () => {
    const db = await createTestDatabase('sqlite');
    const store = await openStore(db.url);
    try {
      await store.workspaces.insert(workspace(0));
      await Promise.all(
        Array.from({ length: 50 }, () =>
          store.transaction(async (repos) => {
            const row = await repos.workspaces.findById('wsp_group_0');
            await new Promise((r) => setImmediate(r));
            await repos.workspaces.setKeyRotationDays('wsp_group_0', (row?.keyRotationDays ?? 0) + 1);
          }),
        ),
      );
      expect((await store.workspaces.findById('wsp_group_0'))?.keyRotationDays).toBe(90 + 50);
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
