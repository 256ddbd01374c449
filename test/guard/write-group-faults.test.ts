/**
 * A key's writes on PostgreSQL share one transaction per group (src/storage/kysely/postgres-groups.ts).
 * When that transaction's connection dies, every write in it must still be answered, none of
 * them stored, each one audited — over real HTTP with the official SDK client.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditSigner, verifyAudit } from '../../src/audit/index.js';
import { deriveKey } from '../../src/core/index.js';
import { RATE_LIMITS_SECTION } from '../../src/monitoring/index.js';
import { connectV1, startTestServer, type TestServer } from '../support/mcp-server.js';
import { postgresUrl } from '../support/postgres.js';

type ToolResult = {
  isError?: boolean;
  content: { type: string; text: string }[];
  structuredContent?: Record<string, unknown>;
};

const CALLS = 50;
/** What startTestServer sets as TASKGATE_SECRET_KEY. */
const SECRET = 'k'.repeat(40);

describe.skipIf(!postgresUrl())('a key’s write group losing its connection [postgres]', () => {
  let server: TestServer;
  let client: pg.Client;
  beforeAll(async () => {
    server = await startTestServer({ kind: 'postgres' });
    await server.app.policy.set(null, 'demo', { create: 'none', writeBudget: 10_000 });
    await server.app.monitoring.settings.change(
      'demo',
      RATE_LIMITS_SECTION,
      { memberWritesPerMinute: 10_000, ipWritesPerMinute: 10_000 },
      null,
    );
    client = new pg.Client({ connectionString: postgresUrl() });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await server?.close();
  });

  /**
   * Terminates the backend of the second transaction seen holding `name`'s advisory lock: the
   * first call of a burst runs alone, the ones that queued behind it form the second.
   */
  async function killSecondHolder(name: string, until: Promise<unknown>): Promise<boolean> {
    let done = false;
    void until.finally(() => {
      done = true;
    });
    let first: string | undefined;
    while (!done) {
      const { rows } = await client.query<{ pid: number; vxid: string }>(
        `select pid, virtualtransaction as vxid from pg_locks where locktype = 'advisory' and granted
           and ((classid::bigint << 32) | objid::bigint) = hashtextextended($1, 0)`,
        [name],
      );
      const holder = rows[0];
      if (!holder) continue;
      first ??= holder.vxid;
      if (holder.vxid === first) continue;
      await client.query('select pg_terminate_backend($1)', [holder.pid]);
      return true;
    }
    return false;
  }

  it('answers all of 50 racing create_task calls when their group’s backend is terminated, storing nothing of that group and auditing each', async () => {
    const wsId = (await server.app.store.workspaces.findBySlug('demo'))!.id;
    // A kill can land just after a group committed, or on a write that ran alone: run it again.
    for (let round = 0; round < 5; round++) {
      const name = `group-fault-${round}`;
      const key = await server.issueKey({ name });
      const credentialId = (await server.app.keys.list('demo')).find((k) => k.name === name)!.id;
      const { client: mcp } = await connectV1(server, key);
      try {
        const calls = Promise.all(
          Array.from({ length: CALLS }, async (_, i) => {
            try {
              return (await mcp.callTool({
                name: 'create_task',
                arguments: { project: 'ONB', title: `${name} ${i}` },
              })) as ToolResult;
            } catch (error) {
              return error instanceof Error ? error : new Error(String(error));
            }
          }),
        );
        const killed = await killSecondHolder(`write-budget:${credentialId}`, calls);
        const results = await calls;
        const done = results.filter((r) => !(r instanceof Error) && r.structuredContent?.status === 'done');
        const failed = results.filter((r) => r instanceof Error);
        expect(done.length + failed.length).toBe(CALLS);
        const stored = await server.app.store.tasks.list(wsId, { text: `${name} ` }, { limit: 1000 });
        expect(stored).toHaveLength(done.length);
        const usage = await server.app.store.writeUsage.sumSince(credentialId, '1970-01-01T00:00:00.000Z');
        expect(usage.writes).toBe(done.length);
        const events = (
          await server.app.store.audit.list(wsId, { action: 'mcp.tool_called', limit: 1000 })
        ).filter((e) => e.credentialId === credentialId);
        expect(events.filter((e) => e.outcome === 'ok')).toHaveLength(done.length);
        expect(events.filter((e) => e.outcome !== 'ok')).toHaveLength(failed.length);
        for (const error of failed)
          expect(String(error)).toContain('database unavailable; the request was not processed');
        expect(events.filter((e) => e.outcome !== 'ok').map((e) => e.errorCode)).toEqual(
          failed.map(() => 'unavailable'),
        );
        const signer = createAuditSigner(deriveKey(SECRET, 'audit-signing'));
        expect((await verifyAudit(server.app.store, signer)).problems).toEqual([]);
        // Two or more failed together: the kill landed in a group, not on a write running alone.
        if (killed && failed.length >= 2) return;
      } finally {
        await mcp.close();
      }
    }
    throw new Error('no kill landed inside a group in 5 rounds');
  });
});
