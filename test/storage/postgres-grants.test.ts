/**
 * The PostgreSQL grants of docs/audit-format.md: a server running as a role that may only
 * add to the audit log can do its work (migrations already applied by the owner), but a
 * compromised server process cannot rewrite or delete history.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/storage/index.js';
import { auditEvent } from '../support/audit-events.js';
import { postgresUrl } from '../support/postgres.js';
import { createTestDatabase, storeKinds } from '../support/stores.js';

describe.skipIf(!storeKinds().includes('postgres'))('the runtime role of docs/audit-format.md', () => {
  it('appends to the audit log but cannot update, delete or truncate it', async () => {
    const database = await createTestDatabase('postgres');
    const schema = new URL(database.url).searchParams.get('schema')!;
    const role = `tg_app_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: postgresUrl() });
    await admin.connect();
    try {
      await (await openStore(database.url)).close();
      for (const statement of [
        `create role ${role} login`,
        `grant usage on schema ${schema} to ${role}`,
        `grant select, insert, update, delete on all tables in schema ${schema} to ${role}`,
        `revoke update, delete, truncate on ${schema}.audit_events, ${schema}.audit_checkpoints, ${schema}.signing_keys from ${role}`,
        `grant select, insert, update on ${schema}.audit_heads to ${role}`,
      ]) {
        await admin.query(statement);
      }
      const url = new URL(database.url);
      url.username = role;
      const store = await openStore(url.toString());
      try {
        await store.transaction((repos) =>
          repos.audit.insert(auditEvent({ id: 'evt_01KBV5Z7Q0000000000000000A' })),
        );
        await store.transaction((repos) =>
          repos.audit.insert(auditEvent({ id: 'evt_01KBV5Z7Q0000000000000000B' })),
        );
        expect((await store.audit.heads()).map((h) => h.seq)).toEqual([2]);
        // Signing keys are only ever added (once each), so insert is all the role needs.
        const key = { keyId: '0123456789abcdef', publicKey: 'x', firstUsedAt: '2026-11-27T10:00:00.000Z' };
        await store.audit.addSigningKey(key);
        await store.audit.addSigningKey(key);
        await expect(store.transaction((repos) => repos.audit.prune('*', 2))).rejects.toThrow(
          /permission denied/,
        );
        const asRole = new pg.Client({
          connectionString: url.toString().replace(/\?.*$/, ''),
          options: `-c search_path=${schema}`,
        });
        await asRole.connect();
        try {
          for (const statement of [
            "update audit_events set action = 'rewritten'",
            'delete from audit_events',
            'truncate audit_events',
            "update audit_checkpoints set hash = 'x'",
            'delete from signing_keys',
          ]) {
            await expect(asRole.query(statement), statement).rejects.toThrow(/permission denied/);
          }
        } finally {
          await asRole.end();
        }
        expect((await store.audit.list(null, { limit: 10 })).map((e) => e.action)).toEqual([
          'test.event',
          'test.event',
        ]);
      } finally {
        await store.close();
      }
    } finally {
      await admin.query(`drop owned by ${role}`).catch(() => undefined);
      await database.drop();
      await admin.query(`drop role if exists ${role}`);
      await admin.end();
    }
  });
});
