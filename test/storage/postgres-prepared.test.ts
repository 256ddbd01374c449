/**
 * Named prepared statements on PostgreSQL: which texts get a name, and what happens when a
 * rolling upgrade's migration in another process changes a table under a statement this
 * process has prepared — the call outside a transaction is served, the one inside fails as
 * a passing outage and its retry is served, and nothing is half-written.
 */
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppError, isAppError } from '../../src/core/index.js';
import { type DatabaseHandle, openDatabase, openStore } from '../../src/storage/index.js';
import { MAX_STATEMENT_NAMES, StatementNames } from '../../src/storage/postgres-prepared.js';
import { postgresUrl } from '../support/postgres.js';
import { createTestDatabase, type TestDatabase } from '../support/stores.js';

describe('statement names', () => {
  it('names a text on its second execution, and only texts with parameters', () => {
    const names = new StatementNames();
    expect(names.nameOf('select * from tasks where id = $1', 1)).toBeUndefined();
    const name = names.nameOf('select * from tasks where id = $1', 1);
    expect(name).toMatch(/^taskgate_s\d+$/);
    expect(names.nameOf('select * from tasks where id = $1', 1)).toBe(name);
    expect(names.nameOf('commit', 0)).toBeUndefined();
    expect(names.nameOf('commit', 0)).toBeUndefined();
  });

  it('gives two texts differing in one character two names', () => {
    const names = new StatementNames();
    for (const text of ['select $1::int', 'select $1::int ', 'select $1::int', 'select $1::int '])
      names.nameOf(text, 1);
    expect(names.nameOf('select $1::int', 1)).not.toBe(names.nameOf('select $1::int ', 1));
  });

  it('stops naming at its bound, so a flood of distinct texts cannot fill the backends', () => {
    const names = new StatementNames();
    for (let i = 0; i < MAX_STATEMENT_NAMES + 50; i++) {
      names.nameOf(`select ${i} where $1`, 1);
      names.nameOf(`select ${i} where $1`, 1);
    }
    expect(names.size).toBe(MAX_STATEMENT_NAMES);
    expect(names.nameOf(`select ${MAX_STATEMENT_NAMES + 1} where $1`, 1)).toBeUndefined();
    expect(names.nameOf('select 0 where $1', 1)).toBe('taskgate_s0');
  });
});

describe.skipIf(!postgresUrl())('prepared statements meet a schema change [postgres]', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let other: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    await (await openStore(database.url)).close();
    handle = await openDatabase(database.url);
    other = new pg.Client({ connectionString: database.url.replace(/[?&]schema=.*$/, '') });
    await other.connect();
  });
  afterAll(async () => {
    await other?.end();
    await handle?.close();
    await database?.drop();
  });

  const schema = () => new URL(database.url).searchParams.get('schema')!;

  it('serves a call after another instance added a column to a table a named statement reads', async () => {
    await handle.db.connection().execute(async (conn) => {
      const read = () => conn.selectFrom('workspaces').selectAll().where('slug', '=', 'x').execute();
      // Named on the second run, planned on this connection.
      for (let i = 0; i < 3; i++) expect(await read()).toEqual([]);
      await other.query(`alter table ${schema()}.workspaces add column upgraded_a text`);
      expect(await read()).toEqual([]);
      // The name is never tried again on this connection.
      expect(await read()).toEqual([]);
    });
  });

  it('fails a transaction the stale statement aborted as a passing outage, changing nothing; its retry is served', async () => {
    const at = new Date().toISOString();
    await handle.db.connection().execute(async (conn) => {
      const read = (db: typeof conn) =>
        // Not the first test's text: its name is stale on whichever connection ran it.
        db
          .selectFrom('workspaces')
          .selectAll()
          .where('slug', '=', 'prepared-retry')
          .where('environment', '=', 'development')
          .execute();
      for (let i = 0; i < 3; i++) await read(conn);
      await other.query(`alter table ${schema()}.workspaces add column upgraded_b text`);
      const attempt = () =>
        conn.transaction().execute(async (trx) => {
          await trx
            .insertInto('workspaces')
            .values({
              id: 'wsp_prepared',
              slug: 'prepared-retry',
              name: 'P',
              environment: 'development',
              created_at: at,
            })
            .execute();
          return read(trx);
        });
      const failed = await attempt().catch((error: unknown) => error);
      expect(isAppError(failed) && failed.code, String(failed)).toBe('unavailable');
      expect((failed as AppError).detail).toMatchObject({ retryAfterSeconds: expect.any(Number) });
      const { rows } =
        await sql`select count(*)::int as n from workspaces where slug = 'prepared-retry'`.execute(handle.db);
      expect(rows).toEqual([{ n: 0 }]);
      expect(await attempt()).toHaveLength(1);
    });
  });
});
