/**
 * `key.expired` over real HTTP: an expired key presented at /mcp leaves one `key.expired`
 * event (the first time only, even when several requests race to be first) besides the
 * `mcp.auth_failed` of each refusal, and a server that cannot write that event answers 503.
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { KEY_EXPIRED } from '../../src/credentials/index.js';
import { openDatabase } from '../../src/storage/index.js';
import { initializeBody, post, startTestServer, type TestServer } from '../support/mcp-server.js';
import { storeKinds } from '../support/stores.js';

const DAY_MS = 86_400_000;
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(kind: 'sqlite' | 'postgres' = 'sqlite'): Promise<TestServer> {
  server = await startTestServer({ kind });
  return server;
}

async function events(s: TestServer, action: string) {
  const workspace = await s.app.store.workspaces.findBySlug('demo');
  return s.app.store.audit.list(workspace!.id, { action, limit: 100 });
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe.skipIf(!storeKinds().includes(kind))(`an expired key presented at /mcp [${kind}]`, () => {
    it('is recorded as key.expired once, the first time, and refused every time', async () => {
      const s = await start(kind);
      const key = await s.issueKey({ name: 'cursor-old-laptop', expiresIn: '30d' });
      s.clock.advance(30 * DAY_MS - 1);
      expect((await post(s, initializeBody, bearer(key))).status).toBe(200);
      expect(await events(s, KEY_EXPIRED)).toEqual([]);
      s.clock.advance(1);
      for (let i = 0; i < 3; i++) expect((await post(s, initializeBody, bearer(key))).status).toBe(401);
      const [expired, ...more] = await events(s, KEY_EXPIRED);
      expect(more).toEqual([]);
      const [stored] = (await s.app.keys.list('demo')).filter((k) => k.name === 'cursor-old-laptop');
      expect(expired).toMatchObject({
        outcome: 'ok',
        credentialName: 'cursor-old-laptop',
        environment: 'development',
        ip: '127.0.0.1',
        detail: { expiresAt: stored!.expiresAt },
      });
      expect(expired!.credentialId).toBe(stored!.id);
      expect(expired!.memberId).not.toBeNull();
      const refusals = (await events(s, 'mcp.auth_failed')).filter((e) => e.credentialId === stored!.id);
      expect(refusals.map((e) => (e.detail as { reason: string }).reason)).toEqual([
        'expired',
        'expired',
        'expired',
      ]);
    });

    it('is recorded once when many requests race to be the first use after expiry', async () => {
      const s = await start(kind);
      const key = await s.issueKey({ expiresIn: '30d' });
      const other = await s.issueKey({ expiresIn: '30d' });
      s.clock.advance(31 * DAY_MS);
      const statuses = await Promise.all(
        Array.from({ length: 8 }, (_, i) => post(s, initializeBody, bearer(i % 2 ? other : key))),
      ).then((responses) => responses.map((r) => r.status));
      expect(statuses).toEqual(Array(8).fill(401));
      const expired = await events(s, KEY_EXPIRED);
      expect(expired).toHaveLength(2);
      expect(new Set(expired.map((e) => e.credentialId)).size).toBe(2);
    });
  });
}

describe('a key.expired record that cannot be written', () => {
  it('answers 503 instead of a refusal, and records it on the next use', async () => {
    const s = await start();
    const key = await s.issueKey({ expiresIn: '30d' });
    s.clock.advance(30 * DAY_MS);
    // A real failure, not a mock: a trigger refuses audit rows, then goes away.
    const handle = await openDatabase(s.app.config.databaseUrl);
    try {
      await sql`create trigger expired_audit_down before insert on audit_events
        begin select raise(abort, 'audit log down (test)'); end`.execute(handle.db);
      expect((await post(s, initializeBody, bearer(key))).status).toBe(503);
    } finally {
      await sql`drop trigger if exists expired_audit_down`.execute(handle.db);
      await handle.close();
    }
    expect(await events(s, KEY_EXPIRED)).toEqual([]);
    expect((await post(s, initializeBody, bearer(key))).status).toBe(401);
    expect(await events(s, KEY_EXPIRED)).toHaveLength(1);
  });

  it('is not written for a key revoked before it expired (revocation is what it died of)', async () => {
    const s = await start();
    const key = await s.issueKey({ name: 'cursor-revoked', expiresIn: '30d' });
    await s.app.keys.revoke('demo', 'cursor-revoked');
    s.clock.advance(31 * DAY_MS);
    expect((await post(s, initializeBody, bearer(key))).status).toBe(401);
    expect(await events(s, KEY_EXPIRED)).toEqual([]);
  });
});
