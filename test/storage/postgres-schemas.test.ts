/**
 * Two deployments (or test runs) in different schemas of one PostgreSQL database: each is
 * migrated in its own schema, whatever the other left behind.
 */
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/storage/index.js';
import { createTestDatabase, storeKinds } from '../support/stores.js';

describe.skipIf(!storeKinds().includes('postgres'))('PostgreSQL schemas', () => {
  it('migrates a new schema although another schema of the database holds migrated tables', async () => {
    const first = await createTestDatabase('postgres');
    const second = await createTestDatabase('postgres');
    try {
      await (await openStore(first.url)).close();
      const store = await openStore(second.url);
      try {
        expect(await store.workspaces.list()).toEqual([]);
        expect(await store.audit.heads()).toEqual([]);
      } finally {
        await store.close();
      }
    } finally {
      await first.drop();
      await second.drop();
    }
  });
});
