/**
 * Real databases for tests: a fresh SQLite file, or a fresh PostgreSQL schema, per test
 * (migrated ones copied from a template: store-templates.ts).
 * `describeEachStore` runs the same suite on both; never a mock.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe } from 'vitest';
import { openStore, type Store } from '../../src/storage/index.js';
import { postgresUrl } from './postgres.js';
import { copyPostgresTemplate, copySqliteTemplate, schemaUrl, withClient } from './store-templates.js';

export type StoreKind = 'sqlite' | 'postgres';

export interface TestDatabase {
  readonly kind: StoreKind;
  readonly url: string;
  drop(): Promise<void>;
}

/** An empty database: a fresh SQLite file, or a fresh PostgreSQL schema, each its own. */
export async function createTestDatabase(kind: StoreKind): Promise<TestDatabase> {
  return newDatabase(kind, false);
}

/**
 * A database as the migrations leave it, copied from the run's template (store-templates.ts)
 * rather than migrated again; opening it applies nothing. Without a template, an empty one.
 */
export async function createMigratedTestDatabase(kind: StoreKind): Promise<TestDatabase> {
  return newDatabase(kind, true);
}

async function newDatabase(kind: StoreKind, migrated: boolean): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'taskgate-test-'));
    const file = join(dir, 'taskgate.db');
    if (migrated) copySqliteTemplate(file);
    return {
      kind,
      url: `sqlite:${file}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const base = postgresUrl();
  if (!base) throw new Error('no PostgreSQL URL');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  if (migrated) await copyPostgresTemplate(base, schema);
  return {
    kind,
    url: schemaUrl(base, schema),
    drop: () =>
      withClient(
        base,
        async (client) => void (await client.query(`drop schema if exists ${schema} cascade`)),
      ),
  };
}

export function storeKinds(): StoreKind[] {
  return postgresUrl() ? ['sqlite', 'postgres'] : ['sqlite'];
}

/**
 * Declares `suite` once per available store; `current()` returns a freshly migrated store
 * for the running test. Without PostgreSQL the postgres copy is declared as skipped.
 */
export function describeEachStore(
  title: string,
  suite: (current: () => Store, kind: StoreKind) => void,
): void {
  for (const kind of ['sqlite', 'postgres'] as const) {
    const available = storeKinds().includes(kind);
    describe.skipIf(!available)(`${title} [${kind}]`, () => {
      let database: TestDatabase | undefined;
      let store: Store | undefined;
      beforeEach(async () => {
        database = await createMigratedTestDatabase(kind);
        store = await openStore(database.url);
      });
      afterEach(async () => {
        await store?.close();
        await database?.drop();
      });
      suite(() => {
        if (!store) throw new Error('store not open');
        return store;
      }, kind);
    });
  }
}
