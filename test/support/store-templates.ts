/**
 * Migrated databases for tests without running every migration for each one. Migrating a
 * fresh PostgreSQL schema took 0.6 s and dropping it 0.1 s under the suite's load (0.1 s for
 * a SQLite file): 42 % of the shared suites' worker time in CI went on it (issue 17, session
 * 22). The global setup migrates one template per store with the real migrations (openStore),
 * then each test's database is a copy: the SQLite file as it is, the PostgreSQL schema as
 * pg_dump wrote it, replayed under the new schema's name in one statement. The migrations
 * themselves still run from an empty database wherever a suite asks for one
 * (createTestDatabase), as the migration suites in test/storage and test/cli do.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { openStore } from '../../src/storage/index.js';
import { postgresUrl } from './postgres.js';

/** The folder the global setup left the templates in (inherited by every worker). */
const TEMPLATES_ENV = 'TASKGATE_TEST_TEMPLATES';
const SQLITE_TEMPLATE = 'sqlite.db';
const POSTGRES_TEMPLATE = 'postgres.sql';
/** Stands for the schema's name in the stored dump. */
const SCHEMA_MARK = 'tg_template_schema';

/** A PostgreSQL URL's `?schema=` (Taskgate's own parameter), and back. */
export const schemaUrl = (base: string, schema: string) =>
  `${base}${base.includes('?') ? '&' : '?'}schema=${schema}`;
export const schemaOf = (url: string) => new URL(url).searchParams.get('schema') ?? '';

/** Global setup: migrates the templates once per run; the returned function removes them. */
export async function prepareStoreTemplates(): Promise<() => void> {
  if (process.env[TEMPLATES_ENV]) return () => {};
  const dir = mkdtempSync(join(tmpdir(), 'taskgate-templates-'));
  const sqlite = await openStore(`sqlite:${join(dir, SQLITE_TEMPLATE)}`);
  await sqlite.close();
  const base = postgresUrl();
  if (base) {
    const dump = await dumpMigratedSchema(base);
    // Without pg_dump each PostgreSQL test migrates its own schema, as before: slower, not wrong.
    if (dump === undefined)
      process.stderr.write('store templates: pg_dump failed, PostgreSQL schemas are migrated per test\n');
    else writeFileSync(join(dir, POSTGRES_TEMPLATE), dump);
  }
  process.env[TEMPLATES_ENV] = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}

async function dumpMigratedSchema(base: string): Promise<string | undefined> {
  const schema = `tg_template_${randomBytes(6).toString('hex')}`;
  const store = await openStore(schemaUrl(base, schema));
  await store.close();
  try {
    const { stdout } = await promisify(execFile)(
      'pg_dump',
      ['--dbname', base, '--schema', schema, '--inserts', '--quote-all-identifiers'],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const dump = stdout
      .split('\n')
      // psql's own commands (\restrict in newer pg_dump), which the server would refuse, and
      // comments, which name the schema unquoted.
      .filter((line) => !line.startsWith('\\') && !line.startsWith('--'))
      .join('\n')
      // As an identifier, and as the literal a trigger function pins its search_path to.
      .replaceAll(`"${schema}"`, `"${SCHEMA_MARK}"`)
      .replaceAll(`'${schema}'`, `'${SCHEMA_MARK}'`);
    // Every mention renamed, or none of it is used: a copy must not point into another schema.
    if (!dump.includes(SCHEMA_MARK) || dump.includes(schema)) return undefined;
    // Statistics, as migrating leaves them (migrations/index.ts runs ANALYZE); no dump has them.
    const { rows } = await withClient(base, (client) =>
      client.query<{ name: string }>('select tablename as name from pg_tables where schemaname = $1', [
        schema,
      ]),
    );
    const tables = rows.map(({ name }) => `"${SCHEMA_MARK}"."${name}"`).join(', ');
    return `${dump}\nANALYZE ${tables};\n`;
  } catch {
    return undefined;
  } finally {
    await withClient(base, (client) => client.query(`drop schema if exists "${schema}" cascade`));
  }
}

/** A copy of the migrated SQLite template at `file`, when there is one (else nothing). */
export function copySqliteTemplate(file: string): void {
  const dir = process.env[TEMPLATES_ENV];
  const template = dir && join(dir, SQLITE_TEMPLATE);
  if (template && existsSync(template)) copyFileSync(template, file);
}

let postgresDump: string | null | undefined;

/** Creates `schema` as the migrated template, when there is one (else nothing). */
export async function copyPostgresTemplate(base: string, schema: string): Promise<void> {
  if (postgresDump === undefined) {
    const dir = process.env[TEMPLATES_ENV];
    const file = dir && join(dir, POSTGRES_TEMPLATE);
    postgresDump = file && existsSync(file) ? readFileSync(file, 'utf8') : null;
  }
  if (postgresDump === null) return;
  const script = postgresDump.replaceAll(SCHEMA_MARK, schema);
  // One simple query: PostgreSQL runs its statements as one transaction, all or nothing.
  await withClient(base, (client) => client.query(script));
}

const pools = new Map<string, pg.Pool>();

/** One small pool per URL for the copies and drops: a connection each cost 30–80 ms. */
export async function withClient<T>(base: string, run: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  let pool = pools.get(base);
  if (!pool) {
    // Idle connections close soon and do not keep a worker alive.
    pool = new pg.Pool({ connectionString: base, max: 2, idleTimeoutMillis: 2000, allowExitOnIdle: true });
    pools.set(base, pool);
  }
  const client = await pool.connect();
  try {
    return await run(client);
  } finally {
    // pg_dump's script sets the session's search_path: nothing of it may reach the next user.
    await client.query('reset all').catch(() => {});
    client.release();
  }
}
