/**
 * Migration 0011 on a database written before it: history older than the checkpoint chain —
 * here a command-line-only log of thousands of events that no version ever signed — raises
 * no missing_checkpoint, because the cadence is checked from where each chain stood at the
 * migration (`linked_from`). On SQLite and PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import { Migrator } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuditSigner, verifyAudit } from '../../src/audit/index.js';
import {
  createKyselyStore,
  MIGRATIONS,
  migrateToLatest,
  openDatabase,
  openStore,
} from '../../src/storage/index.js';
import { auditEvent } from '../support/audit-events.js';
import { createTestDatabase, storeKinds, type TestDatabase } from '../support/stores.js';

const EVENTS = 4500;
const WS = 'wsp_01KBV5Z7Q0000000000000000W';

for (const kind of ['sqlite', 'postgres'] as const) {
  describe.skipIf(!storeKinds().includes(kind))(`migration 0011: the checkpoint chain [${kind}]`, () => {
    let database: TestDatabase;

    beforeEach(async () => {
      database = await createTestDatabase(kind);
      const before = await openDatabase(database.url);
      try {
        const migrator = new Migrator({
          db: before.db,
          provider: { getMigrations: async () => ({ ...MIGRATIONS }) },
        });
        expect((await migrator.migrateTo('0010-audit-body')).error).toBeUndefined();
        const store = createKyselyStore(before);
        const start = Date.parse('2026-01-01T00:00:00.000Z');
        const events = Array.from({ length: EVENTS }, (_, i) =>
          auditEvent({
            id: `evt_${String(i).padStart(26, '0')}`,
            workspaceId: WS,
            occurredAt: new Date(start + i * 3_600_000).toISOString(),
          }),
        );
        for (let i = 0; i < EVENTS; i += 500) await store.appendAudit(events.slice(i, i + 500));
        await migrateToLatest(before.db);
      } finally {
        await before.close();
      }
    });
    afterEach(async () => {
      await database.drop();
    });

    it('records where each chain stood, and raises no alarm on the unsigned history before it', async () => {
      const store = await openStore(database.url);
      try {
        expect(await store.audit.heads(WS)).toEqual([
          expect.objectContaining({ seq: EVENTS, linkedFrom: EVENTS }),
        ]);
        const report = await verifyAudit(store, createAuditSigner(randomBytes(32)));
        expect(report).toMatchObject({ ok: true, events: EVENTS, problems: [] });
      } finally {
        await store.close();
      }
    });
  });
}
