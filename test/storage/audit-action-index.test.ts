/**
 * Migration 0014: the last event of one action (the Overview's "last verified", the checklist,
 * the Activity filter `--action`) is read through `(workspace_id, action, id)`, newest first,
 * instead of the whole log of a workspace that was never verified.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase, openStore } from '../../src/storage/index.js';
import { auditIndexNames, sqlitePlan } from '../support/indexes.js';
import { createTestDatabase, storeKinds } from '../support/stores.js';

describe('audit action index (migration 0014)', () => {
  for (const kind of storeKinds()) {
    it(`exists on ${kind}, and SQLite finds a workspace's last audit.verified through it, unsorted`, async () => {
      const database = await createTestDatabase(kind);
      await (await openStore(database.url)).close();
      const handle = await openDatabase(database.url);
      try {
        expect(await auditIndexNames(kind, handle.db)).toContain('audit_events_action_idx');
        if (kind === 'sqlite') {
          // The query store.audit.list(workspace, { action, limit: 1 }) runs.
          const detail = await sqlitePlan(
            handle.db,
            sql`select * from audit_events where workspace_id = ${'wsp_x'} and action = ${'audit.verified'}
            order by id desc limit 1`,
          );
          expect(detail).toContain('audit_events_action_idx');
          expect(detail).not.toContain('TEMP B-TREE');
        }
      } finally {
        await handle.close();
        await database.drop();
      }
    });
  }
});
