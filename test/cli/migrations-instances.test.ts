/**
 * Migrations when several instances start at once, and a database a newer Taskgate migrated,
 * with the built binary. On PostgreSQL the instances queue on kysely's advisory lock: the test
 * holds that lock itself so it can see all three wait, then lets them go: all come up and the
 * migration table names each migration once. An unknown migration row stops start-up (serve
 * and migrate) on both stores with a message that names it and says to upgrade.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/storage/index.js';
import { runBinary } from '../support/cli-binary.js';
import { alive, exited, serveChild } from '../support/crash-load.js';
import { postgresUrl } from '../support/postgres.js';
import { schemaOf } from '../support/store-templates.js';
import { createTestDatabase, type StoreKind, storeKinds, type TestDatabase } from '../support/stores.js';

/** kysely's PostgreSQL migration lock (PostgresAdapter.acquireMigrationLock). */
const KYSELY_MIGRATION_LOCK_ID = '3853314791062309107';
const FUTURE_MIGRATION = '9999-from-a-newer-taskgate';
const INSTANCES = 3;

let dir: string;
let database: TestDatabase | undefined;
let children: ChildProcess[] = [];
let sessions: pg.Client[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'taskgate-migrate-'));
});

afterEach(async () => {
  for (const child of children) if (alive(child)) child.kill('SIGKILL');
  await Promise.all(children.map(exited));
  children = [];
  for (const session of sessions) await session.end().catch(() => undefined);
  sessions = [];
  await database?.drop();
  database = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function session(schema?: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: postgresUrl() });
  await client.connect();
  sessions.push(client);
  if (schema) await client.query(`set search_path to ${schema}`);
  return client;
}

async function until(probe: () => Promise<boolean>): Promise<void> {
  while (!(await probe())) await new Promise((resolve) => setTimeout(resolve, 25));
}

describe.skipIf(!postgresUrl())('migrations with several instances (PostgreSQL)', () => {
  it('runs each migration once when three instances start at once on a fresh schema, the others waiting on the lock', {
    timeout: 90_000,
  }, async () => {
    database = await createTestDatabase('postgres');
    // A name of our own on every connection of these instances, to find them among other sessions.
    const tag = `migrate_${schemaOf(database.url)}`;
    const url = `${database.url}&application_name=${tag}`;
    const holder = await session();
    const holderPid = (await holder.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
    await holder.query(`select pg_advisory_lock(${KYSELY_MIGRATION_LOCK_ID})`);

    const starting = Array.from({ length: INSTANCES }, () =>
      serveChild({ TASKGATE_DATABASE_URL: url }, dir, (child) => children.push(child)),
    );
    // Every instance queues on the lock; none has migrated anything meanwhile.
    await until(async () => {
      const { rows } = await holder.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity
          where application_name = $1 and $2 = any(pg_blocking_pids(pid))`,
        [tag, holderPid],
      );
      return rows[0]!.n === INSTANCES;
    });
    const before = await holder.query(
      `select count(*)::int as n from ${schemaOf(database.url)}.kysely_migration`,
    );
    expect(before.rows[0]).toEqual({ n: 0 });
    await holder.query(`select pg_advisory_unlock(${KYSELY_MIGRATION_LOCK_ID})`);

    const servers = await Promise.all(starting);
    for (const { url: serverUrl } of servers) {
      expect((await fetch(`${serverUrl}/readyz`)).status).toBe(200);
    }
    const ran = await (await session(schemaOf(database.url))).query<{ name: string }>(
      'select name from kysely_migration order by name',
    );
    expect(ran.rows.map((row) => row.name)).toEqual(Object.keys(MIGRATIONS).sort());
    for (const { child } of servers) child.kill('SIGTERM');
    await Promise.all(servers.map(({ child }) => exited(child)));
    expect(servers.map(({ child }) => child.exitCode)).toEqual([0, 0, 0]);
  });
});

describe.each(storeKinds())('a database schema newer than the code (%s)', (kind: StoreKind) => {
  async function futureDatabase(): Promise<string> {
    database = await createTestDatabase(kind);
    const migrated = await runBinary(['migrate', '--db', database.url], { cwd: dir });
    expect(migrated.code).toBe(0);
    if (kind === 'sqlite') {
      const file = new SQLite(database.url.slice('sqlite:'.length));
      file
        .prepare('insert into kysely_migration (name, timestamp) values (?, ?)')
        .run(FUTURE_MIGRATION, new Date().toISOString());
      file.close();
    } else {
      await (await session(schemaOf(database.url))).query(
        'insert into kysely_migration (name, timestamp) values ($1, $2)',
        [FUTURE_MIGRATION, new Date().toISOString()],
      );
    }
    return database.url;
  }

  it.each([['serve', '--port', '0'], ['migrate']])(
    'refuses to %s, naming the unknown migration and saying to upgrade',
    { timeout: 60_000 },
    async (...command: string[]) => {
      const url = await futureDatabase();
      const run = await runBinary([...command, '--db', url], { cwd: dir });
      expect(run.code).toBe(1);
      const message = run.lines.join('\n');
      expect(message).toContain(FUTURE_MIGRATION);
      expect(message).toMatch(/schema is newer than this version of Taskgate/);
      expect(message).toMatch(/Upgrade Taskgate/);
    },
  );
});
