/**
 * The write budget's ledger on both stores: usage in a window read from running totals
 * (migration 0021) is exactly the sum of the rows in it — with several writes in one
 * millisecond, writes that changed nothing, deletes, and every window boundary — a row
 * appended by an instance whose clock is behind is counted from the latest row's time (it
 * never leaves the window early), and a ledger written before the migration reads the same
 * after it.
 */
import { Migrator, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, migrateToLatest, openDatabase, openStore, type Store } from '../../src/storage/index.js';
import { createTestDatabase, describeEachStore, storeKinds, type TestDatabase } from '../support/stores.js';

const T0 = Date.parse('2026-11-27T10:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

/** Offsets (ms) and counts: ties in one millisecond, a write that changed nothing, deletes. */
const ROWS = [
  { ms: 0, writes: 1, deletes: 0 },
  { ms: 0, writes: 2, deletes: 1 },
  { ms: 5, writes: 0, deletes: 0 },
  { ms: 5, writes: 1, deletes: 1 },
  { ms: 9, writes: 3, deletes: 0 },
  { ms: 20, writes: 1, deletes: 0 },
  { ms: 20, writes: 0, deletes: 0 },
  { ms: 31, writes: 4, deletes: 2 },
];

const naive = (since: number) =>
  ROWS.filter((r) => r.ms > since).reduce(
    (sum, r) => ({ writes: sum.writes + r.writes, deletes: sum.deletes + r.deletes }),
    { writes: 0, deletes: 0 },
  );
const BOUNDARIES = [-1, 0, 1, 4, 5, 6, 9, 19, 20, 21, 31, 32];

const row = (i: number, credentialId: string, r: (typeof ROWS)[number]) => ({
  id: `wus_${credentialId}_${String(i).padStart(3, '0')}`,
  workspaceId: 'wsp_1',
  credentialId,
  writes: r.writes,
  deletes: r.deletes,
  at: at(r.ms),
});

/** The window each append asks about: the 6 ms before its row (the budget's, scaled down). */
const WINDOW_MS = 6;

describeEachStore('write usage ledger', (current) => {
  const append = (store: Store, credentialId: string) =>
    store.transaction(async (repos) => {
      const reported = [];
      for (const [i, r] of ROWS.entries()) {
        await repos.writeUsage.lockForWrite('wsp_1', credentialId);
        reported.push(await repos.writeUsage.insert(row(i, credentialId, r), at(r.ms - WINDOW_MS)));
      }
      return reported;
    });

  it('reads exactly the sum of the rows after every window start', async () => {
    const store = current();
    const reported = await append(store, 'key_a');
    // Each append answers with its window's usage, itself included: what the budget checks.
    expect(reported).toEqual(
      ROWS.map((r, i) =>
        ROWS.slice(0, i + 1)
          .filter((earlier) => earlier.ms > r.ms - WINDOW_MS)
          .reduce((sum, x) => ({ writes: sum.writes + x.writes, deletes: sum.deletes + x.deletes }), {
            writes: 0,
            deletes: 0,
          }),
      ),
    );
    // Another credential's rows count for it alone.
    await append(store, 'key_b');
    for (const since of BOUNDARIES)
      expect(await store.writeUsage.sumSince('key_a', at(since)), `since +${since} ms`).toEqual(naive(since));
    expect(await store.writeUsage.sumSince('key_none', at(-1))).toEqual({ writes: 0, deletes: 0 });
  });

  it('counts a write from an instance whose clock is behind from the latest row’s time', async () => {
    const store = current();
    await append(store, 'key_a');
    await store.transaction(async (repos) => {
      await repos.writeUsage.lockForWrite('wsp_1', 'key_a');
      // Its window (from -4 ms) holds every row, and it: counted as recorded at +31 ms.
      expect(
        await repos.writeUsage.insert(row(99, 'key_a', { ms: 2, writes: 5, deletes: 1 }), at(-4)),
      ).toEqual({
        writes: naive(-1).writes + 5,
        deletes: naive(-1).deletes + 1,
      });
    });
    // Recorded at +31 ms, like the latest row: still in a window that starts after +2 ms.
    expect(await store.writeUsage.sumSince('key_a', at(30))).toEqual({ writes: 9, deletes: 3 });
    expect(await store.writeUsage.sumSince('key_a', at(31))).toEqual({ writes: 0, deletes: 0 });
  });
});

for (const kind of ['sqlite', 'postgres'] as const) {
  describe.skipIf(!storeKinds().includes(kind))(`migration 0021: ledger totals [${kind}]`, () => {
    let database: TestDatabase;

    beforeEach(async () => {
      database = await createTestDatabase(kind);
      const before = await openDatabase(database.url);
      try {
        const migrator = new Migrator({
          db: before.db,
          provider: { getMigrations: async () => ({ ...MIGRATIONS }) },
        });
        expect((await migrator.migrateTo('0020-auth-epoch')).error).toBeUndefined();
        // Written as before the migration, in an order that is not the rows' time order.
        for (const credentialId of ['key_a', 'key_b'])
          for (const [i, r] of [...ROWS.entries()].reverse()) {
            const u = row(i, credentialId, r);
            await sql`insert into write_usage (id, workspace_id, credential_id, writes, deletes, at)
              values (${u.id}, ${u.workspaceId}, ${u.credentialId}, ${u.writes}, ${u.deletes}, ${u.at})`.execute(
              before.db,
            );
          }
        await migrateToLatest(before.db);
      } finally {
        await before.close();
      }
    });
    afterEach(async () => database.drop());

    it('reads the ledger written before it as the sum of its rows, and appends on from it', async () => {
      const store = await openStore(database.url);
      try {
        for (const since of BOUNDARIES)
          expect(await store.writeUsage.sumSince('key_a', at(since)), `since +${since} ms`).toEqual(
            naive(since),
          );
        await store.transaction(async (repos) => {
          await repos.writeUsage.lockForWrite('wsp_1', 'key_a');
          expect(
            await repos.writeUsage.insert(row(50, 'key_a', { ms: 40, writes: 2, deletes: 1 }), at(31)),
          ).toEqual({ writes: 2, deletes: 1 });
        });
        expect(await store.writeUsage.sumSince('key_a', at(31))).toEqual({ writes: 2, deletes: 1 });
        expect(await store.writeUsage.sumSince('key_a', at(-1))).toEqual({
          writes: naive(-1).writes + 2,
          deletes: naive(-1).deletes + 1,
        });
      } finally {
        await store.close();
      }
    });
  });
}
