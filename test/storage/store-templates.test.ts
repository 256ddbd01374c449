/**
 * Most suites get their database copied from a migrated template (test/support/store-templates.ts)
 * instead of migrating it: the copy must be, object for object, the database the migrations
 * make, or those suites would test something users never run.
 */
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/storage/index.js';
import { schemaOf } from '../support/store-templates.js';
import {
  createMigratedTestDatabase,
  createTestDatabase,
  type StoreKind,
  storeKinds,
  type TestDatabase,
} from '../support/stores.js';

let databases: TestDatabase[] = [];

afterEach(async () => {
  await Promise.all(databases.map((database) => database.drop()));
  databases = [];
});

/** Everything the migrations leave in a SQLite file, timestamps of the migrations aside. */
function sqliteFingerprint(url: string): unknown {
  const file = new SQLite(url.slice('sqlite:'.length), { readonly: true });
  try {
    const objects = file
      .prepare('select type, name, tbl_name, sql from sqlite_master order by type, name')
      .all() as { type: string; name: string }[];
    const rows = objects
      .filter((o) => o.type === 'table' && !o.name.startsWith('sqlite_'))
      .map((o) => [
        o.name,
        o.name === 'kysely_migration'
          ? file.prepare('select name from kysely_migration order by name').all()
          : file.prepare(`select * from "${o.name}"`).all(),
      ]);
    const pragmas = ['journal_mode', 'user_version', 'page_size', 'auto_vacuum', 'application_id'].map(
      (name) => [name, file.pragma(name, { simple: true })],
    );
    return { objects, rows, pragmas };
  } finally {
    file.close();
  }
}

/** Tables, columns, indexes, constraints, triggers, functions, rows and statistics of a schema. */
async function postgresFingerprint(url: string): Promise<unknown> {
  const schema = schemaOf(url);
  const client = new pg.Client({ connectionString: url.replace(/[?&]schema=[^&]*/, '') });
  await client.connect();
  const read = async (text: string) =>
    JSON.parse(JSON.stringify((await client.query(text, [schema])).rows).replaceAll(schema, 'SCHEMA'));
  try {
    const tables = (await read(
      'select tablename as name from pg_tables where schemaname = $1 order by 1',
    )) as { name: string }[];
    const rows: unknown[] = [];
    for (const { name } of tables) {
      const columns = name === 'kysely_migration' ? 'name' : '*';
      rows.push([name, (await client.query(`select ${columns} from "${schema}"."${name}" order by 1`)).rows]);
    }
    return {
      tables,
      columns: await read(`select table_name, column_name, data_type, is_nullable, column_default,
          ordinal_position from information_schema.columns where table_schema = $1 order by 1, 6`),
      indexes: await read(
        'select tablename, indexname, indexdef from pg_indexes where schemaname = $1 order by 1, 2',
      ),
      constraints: await read(`select c.relname, k.conname, pg_get_constraintdef(k.oid) as def
          from pg_constraint k join pg_class c on c.oid = k.conrelid
          where k.connamespace = $1::regnamespace order by 1, 2`),
      triggers: await read(`select c.relname, t.tgname, pg_get_triggerdef(t.oid) as def
          from pg_trigger t join pg_class c on c.oid = t.tgrelid
          where c.relnamespace = $1::regnamespace and not t.tgisinternal order by 1, 2`),
      functions: await read(`select proname, prosrc, proconfig, prosecdef from pg_proc
          where pronamespace = $1::regnamespace order by 1`),
      sequences: await read(
        'select sequencename, start_value, increment_by from pg_sequences where schemaname = $1 order by 1',
      ),
      privileges:
        await read(`select table_name, grantee, privilege_type from information_schema.role_table_grants
          where table_schema = $1 order by 1, 2, 3`),
      analyzed: await read(`select relname, last_analyze is not null as analyzed from pg_stat_user_tables
          where schemaname = $1 order by 1`),
      rows,
    };
  } finally {
    await client.end();
  }
}

const fingerprint = (kind: StoreKind, url: string) =>
  kind === 'sqlite' ? sqliteFingerprint(url) : postgresFingerprint(url);

describe.each(storeKinds())('test databases copied from the template (%s)', (kind) => {
  it('are the database the migrations make, object for object and row for row', async () => {
    const migrated = await createTestDatabase(kind);
    const copied = await createMigratedTestDatabase(kind);
    databases.push(migrated, copied);
    await (await openStore(migrated.url)).close();
    // Opening the copy applies nothing: it already is what the migrations make.
    const before = await fingerprint(kind, copied.url);
    await (await openStore(copied.url)).close();
    expect(await fingerprint(kind, copied.url)).toEqual(before);
    expect(before).toEqual(await fingerprint(kind, migrated.url));
  });

  it('are each their own: a row written to one copy is not in the next', async () => {
    const first = await createMigratedTestDatabase(kind);
    databases.push(first);
    const store = await openStore(first.url);
    await store.workspaces.insert({
      id: 'ws_template_probe',
      slug: 'probe',
      name: 'Probe',
      environment: 'development',
      keyRotationDays: 90,
      createdAt: new Date().toISOString(),
    });
    await store.close();
    const second = await createMigratedTestDatabase(kind);
    databases.push(second);
    const again = await openStore(second.url);
    try {
      expect(await again.workspaces.findBySlug('probe')).toBeUndefined();
    } finally {
      await again.close();
    }
  });
});
