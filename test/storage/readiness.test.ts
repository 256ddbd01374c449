/**
 * Liveness and readiness, and the shape of a fail-closed MCP answer: `/healthz` says the
 * process is alive whatever the database does; `/readyz` (for load balancers) answers 503
 * while the database is unreachable or a migration is pending; a request refused because the
 * database or its audit log is out gets 503, `Retry-After` and a JSON-RPC error. The outage
 * itself is in postgres-faults.test.ts, on a private cluster.
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/storage/index.js';
import { post, startTestServer, type TestServer } from '../support/mcp-server.js';
import { storeKinds } from '../support/stores.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

for (const kind of ['sqlite', 'postgres'] as const) {
  describe.skipIf(!storeKinds().includes(kind))(`health and readiness [${kind}]`, () => {
    it('answers /healthz and /readyz with 200 when the database answers and is migrated', async () => {
      server = await startTestServer({ kind });
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', database: kind });
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', database: kind });
    });

    it('answers /readyz with 503 naming the pending migration when the database lacks one', async () => {
      server = await startTestServer({ kind });
      const handle = await openDatabase(server.app.config.databaseUrl);
      try {
        await sql`delete from kysely_migration where name = '0010-audit-body'`.execute(handle.db);
      } finally {
        await handle.close();
      }
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(ready.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await ready.json()).toMatchObject({
        status: 'unavailable',
        reason: 'migrations_pending',
        pending: ['0010-audit-body'],
      });
      // Liveness is not readiness: the process is fine, nothing should restart it.
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    });

    it('answers a request it cannot record with 503, Retry-After and a JSON-RPC error', async () => {
      server = await startTestServer({ kind });
      const key = await server.issueKey();
      const handle = await openDatabase(server.app.config.databaseUrl);
      try {
        await sql`drop table audit_events`.execute(handle.db);
      } finally {
        await handle.close();
      }
      const response = await post(
        server,
        JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'get_task', arguments: { task: 'APO-1' } },
        }),
        { authorization: `Bearer ${key}` },
      );
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await response.json()).toMatchObject({
        jsonrpc: '2.0',
        id: null,
        error: { code: -32000, data: { code: 'unavailable' } },
      });
    });
  });
}
