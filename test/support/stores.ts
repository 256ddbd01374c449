/**
 * Real databases for tests: a fresh SQLite file, or a fresh PostgreSQL schema, per test.
 * `describeEachStore` runs the same suite on both; never a mock.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe } from 'vitest';
import { openStore, type Store } from '../../src/storage/index.js';
import { postgresUrl } from './postgres.js';

export type StoreKind = 'sqlite' | 'postgres';

export interface TestDatabase {
  readonly kind: StoreKind;
  readonly url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(kind: StoreKind): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'taskgate-test-'));
    return {
      kind,
      url: `sqlite:${join(dir, 'taskgate.db')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const base = postgresUrl();
  if (!base) throw new Error('no PostgreSQL URL');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const url = `${base}${base.includes('?') ? '&' : '?'}schema=${schema}`;
  return {
    kind,
    url,
    drop: async () => {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      try {
        await client.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await client.end();
      }
    },
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
        database = await createTestDatabase(kind);
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
