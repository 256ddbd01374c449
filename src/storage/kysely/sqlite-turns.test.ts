import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../connect.js';
import type { Database } from '../schema.js';
import { createGroupTransactions, createWriteTurns } from './sqlite-turns.js';

describe('group transactions on SQLite', () => {
  let dir: string;
  let db: Kysely<Database>;
  let close: () => Promise<void>;
  // A scratch table: the grouping does not care which tables its transactions touch.
  const rows = async () =>
    (await sql<{ n: number }>`select n from scratch order by n`.execute(db)).rows.map((r) => r.n);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'taskgate-turns-'));
    const handle = await openDatabase(`sqlite:${join(dir, 't.db')}`);
    db = handle.db;
    close = handle.close;
    await sql`create table scratch (n integer primary key)`.execute(db);
  });
  afterEach(async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('concurrent transactions share one commit: one SQLite transaction for the ones queued together', async () => {
    const transaction = createGroupTransactions(db, createWriteTurns());
    const seenBy: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        transaction(async (trx) => {
          await sql`insert into scratch (n) values (${n})`.execute(trx);
          // Rows of earlier members of the group are visible (one transaction), not yet committed.
          seenBy.push(
            (await sql<{ c: number }>`select count(*) as c from scratch`.execute(trx)).rows[0]?.c ?? 0,
          );
        }),
      ),
    );
    expect(await rows()).toHaveLength(20);
    // Queued in one turn, they ran as one group, each seeing the rows of those before it.
    expect(seenBy).toEqual(Array.from({ length: 20 }, (_, n) => n + 1));
  });

  it('a member that ends the shared transaction fails its whole group, and nothing of it is stored', async () => {
    const transaction = createGroupTransactions(db, createWriteTurns());
    await transaction((trx) => sql`insert into scratch (n) values (1)`.execute(trx));
    const innocent = transaction((trx) => sql`insert into scratch (n) values (2)`.execute(trx));
    const breaker = transaction(async (trx) => {
      await sql`insert into scratch (n) values (3)`.execute(trx);
      // What a disk error does to a transaction: it is gone, and the savepoint with it.
      await sql`rollback`.execute(trx);
    });
    const after = transaction((trx) => sql`insert into scratch (n) values (4)`.execute(trx));
    // 1 committed before; 2, 3 and 4 were queued in one turn and formed one group, which the breaker broke.
    await expect(innocent).rejects.toThrow();
    await expect(breaker).rejects.toThrow();
    await expect(after).rejects.toThrow();
    expect(await rows()).toEqual([1]);
    // The next group starts clean.
    await transaction((trx) => sql`insert into scratch (n) values (5)`.execute(trx));
    expect(await rows()).toEqual([1, 5]);
  });

  it('a failed member rolls back to its savepoint alone; its neighbours commit', async () => {
    const transaction = createGroupTransactions(db, createWriteTurns());
    const results = await Promise.allSettled(
      [1, 2, 2, 3].map((n) => transaction((trx) => sql`insert into scratch (n) values (${n})`.execute(trx))),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(await rows()).toEqual([1, 2, 3]);
  });

  describe('groups of derived state only commit without a disk sync (deferSync)', () => {
    // SQLite's level in effect: read inside a transaction, it is the one its commit runs at.
    const FULL = 2;
    const NORMAL = 1;
    const level = async (on: Kysely<Database>) =>
      (await sql<{ synchronous: number }>`pragma synchronous`.execute(on)).rows[0]?.synchronous;

    it('a deferred group commits at NORMAL, and the connection is back at FULL right after', async () => {
      const transaction = createGroupTransactions(db, createWriteTurns());
      const seen = await transaction(async (trx) => {
        await sql`insert into scratch (n) values (1)`.execute(trx);
        return level(trx);
      }, true);
      expect(seen).toBe(NORMAL);
      expect(await level(db)).toBe(FULL);
      expect(await transaction((trx) => level(trx))).toBe(FULL);
    });

    it('a change queued with derived state makes the whole group sync: one durable member is enough', async () => {
      const transaction = createGroupTransactions(db, createWriteTurns());
      const seen = await Promise.all([
        transaction((trx) => level(trx), true),
        transaction((trx) => level(trx)),
        transaction((trx) => level(trx), true),
      ]);
      expect(seen).toEqual([FULL, FULL, FULL]);
    });

    it('50 concurrent transactions, every other deferred: no durable one ever commits at NORMAL', async () => {
      const transaction = createGroupTransactions(db, createWriteTurns());
      const seen = await Promise.all(
        Array.from({ length: 50 }, (_, n) =>
          transaction(
            async (trx) => {
              await sql`insert into scratch (n) values (${n})`.execute(trx);
              await new Promise((r) => setImmediate(r));
              return { durable: n % 2 === 0, level: await level(trx) };
            },
            n % 2 === 1,
          ),
        ),
      );
      expect(seen.filter((s) => s.durable).every((s) => s.level === FULL)).toBe(true);
      expect(await level(db)).toBe(FULL);
    });

    it('a statement waiting for the connection while a deferred group runs does not inherit its level', async () => {
      const transaction = createGroupTransactions(db, createWriteTurns());
      let outside: Promise<number | undefined> | undefined;
      await transaction(async (trx) => {
        // Queued on kysely's one connection while the group holds it: it runs once the group let go.
        outside = level(db);
        await new Promise((r) => setTimeout(r, 5));
        await sql`insert into scratch (n) values (1)`.execute(trx);
      }, true);
      expect(await outside).toBe(FULL);
    });

    it('a deferred group that fails at its commit leaves the connection at FULL for the next', async () => {
      const transaction = createGroupTransactions(db, createWriteTurns());
      await sql`create table parent (id integer primary key)`.execute(db);
      await sql`create table child (parent integer references parent(id) deferrable initially deferred)`.execute(
        db,
      );
      // A deferred foreign key is checked at COMMIT: the commit itself fails.
      const broken = transaction((trx) => sql`insert into child (parent) values (42)`.execute(trx), true);
      await expect(broken).rejects.toThrow(/FOREIGN KEY/);
      expect(await level(db)).toBe(FULL);
      expect(await transaction((trx) => level(trx))).toBe(FULL);
      expect((await sql<{ c: number }>`select count(*) as c from child`.execute(db)).rows[0]?.c).toBe(0);
    });
  });
});

describe('write turns', () => {
  it('one write at a time: a second waits until the first finished', async () => {
    const turns = createWriteTurns();
    const log: string[] = [];
    const step = (name: string) =>
      turns.run(async () => {
        log.push(`${name} start`);
        await new Promise((r) => setTimeout(r, 5));
        log.push(`${name} end`);
      });
    await Promise.all([step('a'), step('b'), step('c')]);
    expect(log).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
  });

  it('a turn awaited inside another does not deadlock: it goes ahead after the longest wait', async () => {
    const turns = createWriteTurns();
    const inner = await turns.run(() => turns.run(async () => 'inner ran'));
    expect(inner).toBe('inner ran');
  }, 10_000);
});
