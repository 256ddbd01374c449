/**
 * Migration 0013: one key's usage reads its own events of the window through
 * `(workspace_id, credential_id, occurred_at)` instead of every event of the workspace.
 * No timing here: the numbers are bench/usage-query.mjs's (docs/benchmarks.md).
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase, openStore } from '../../src/storage/index.js';
import { auditIndexNames, sqlitePlan } from '../support/indexes.js';
import { createTestDatabase, storeKinds } from '../support/stores.js';

describe('usage index (migration 0013)', () => {
  for (const kind of storeKinds()) {
    it(`exists on ${kind}, and SQLite reads one key's window through it`, async () => {
      const database = await createTestDatabase(kind);
      await (await openStore(database.url)).close();
      const handle = await openDatabase(database.url);
      try {
        expect(await auditIndexNames(kind, handle.db)).toContain('audit_events_credential_time_idx');
        if (kind === 'sqlite') {
          const detail = await sqlitePlan(
            handle.db,
            sql`select substr(occurred_at, 1, 10), credential_id, tool, outcome, count(*) from audit_events
            where workspace_id = ${'wsp_x'} and occurred_at >= ${'2026-11-06'} and occurred_at < ${'2026-12-06'}
              and action in ('mcp.tool_called', 'mcp.request') and credential_id is not null
              and credential_id in (${'key_a'}, ${'key_b'})
            group by 1, 2, 3, 4`,
          );
          expect(detail).toContain('audit_events_credential_time_idx');
        }
      } finally {
        await handle.close();
        await database.drop();
      }
    });
  }
});
