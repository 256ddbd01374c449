/**
 * A write nobody confirms (tier `none`) runs once, planned in the transaction that commits it
 * (src/guard/steps/unconfirmed.ts). What that must not cost, on both stores, over real HTTP
 * with the official SDK client: the write budget holds when 50 such writes race through two
 * instances on one database, and a write whose audit event cannot be written leaves nothing
 * behind — no task, history row, comment or ledger entry — while the audit log still verifies.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src/audit/index.js';
import { ANOMALY_RULES } from '../../src/monitoring/index.js';
import { openDatabase } from '../../src/storage/index.js';
import { connectV1, startTestServer, type TestServer } from '../support/mcp-server.js';
import { AUDIT_TABLES, fingerprintTables } from '../support/snapshot.js';
import { storeKinds } from '../support/stores.js';

type ToolResult = {
  isError?: boolean;
  content: { type: string; text: string }[];
  structuredContent?: Record<string, unknown>;
};

const textOf = (result: ToolResult) => result.content.map((c) => c.text).join('\n');
const CALLS = 50;
const BUDGET = 10;

/** A database-level fault: the database itself refuses a successful create_task's event. */
const REFUSE_CREATE_EVENT = {
  sqlite: [
    `create trigger refuse_create_event before insert on audit_events
       when new.action = 'mcp.tool_called' and new.tool = 'create_task' and new.outcome = 'ok'
       begin select raise(abort, 'injected: audit event refused'); end`,
  ],
  postgres: [
    `create function refuse_create_event() returns trigger language plpgsql as $$
       begin raise exception 'injected: audit event refused'; end $$`,
    `create trigger refuse_create_event before insert on audit_events for each row
       when (new.action = 'mcp.tool_called' and new.tool = 'create_task' and new.outcome = 'ok')
       execute function refuse_create_event()`,
  ],
};
const ALLOW_CREATE_EVENT = {
  sqlite: ['drop trigger refuse_create_event'],
  postgres: ['drop trigger refuse_create_event on audit_events', 'drop function refuse_create_event()'],
};

async function runSql(url: string, statements: readonly string[]) {
  const handle = await openDatabase(url);
  try {
    for (const statement of statements) await sql.raw(statement).execute(handle.db);
  } finally {
    await handle.close();
  }
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe.skipIf(!storeKinds().includes(kind))(`a tier-none write, executed once [${kind}]`, () => {
    let first: TestServer;
    let second: TestServer;
    let wsId: string;

    beforeAll(async () => {
      first = await startTestServer({ kind });
      // A second instance on the same database: the budget is the database's, not a process's.
      second = await startTestServer({ database: first.database });
      // The budget alone: its overrun's suspension would refuse the racing calls for another reason.
      await first.app.monitoring.settings.change(
        'demo',
        ANOMALY_RULES,
        { budgetOverrun: { enabled: false } },
        null,
      );
      wsId = (await first.app.store.workspaces.findBySlug('demo'))!.id;
      await first.app.policy.set(null, 'demo', { create: 'none', writeBudget: BUDGET });
    });
    afterAll(async () => {
      await second?.close();
      await first?.close();
    });

    const createdTitled = async (prefix: string) => {
      const tasks = await first.app.store.tasks.list(wsId, {}, { limit: 1000 });
      return tasks.filter((t) => t.title.startsWith(prefix));
    };

    it(`executes exactly ${BUDGET} of ${CALLS} creates racing through two instances against a budget of ${BUDGET}`, async () => {
      const key = await first.issueKey({ name: 'race-two-instances' });
      const a = await connectV1(first, key);
      const b = await connectV1(second, key);
      try {
        const results = await Promise.all(
          Array.from({ length: CALLS }, (_, i) =>
            (i % 2 ? b : a).client.callTool({
              name: 'create_task',
              arguments: { project: 'ONB', title: `two-instances ${i}` },
            }),
          ),
        );
        const done = results.filter((r) => (r as ToolResult).structuredContent?.status === 'done');
        const refused = results.filter((r) =>
          /^rate_limited: write budget exceeded/.test(textOf(r as ToolResult)),
        );
        expect(done).toHaveLength(BUDGET);
        expect(refused).toHaveLength(CALLS - BUDGET);
        expect(await createdTitled('two-instances ')).toHaveLength(BUDGET);
        const credentialId = (await first.app.keys.list('demo')).find(
          (k) => k.name === 'race-two-instances',
        )!.id;
        const ledger = await first.app.store.writeUsage.sumSince(credentialId, '1970-01-01T00:00:00.000Z');
        expect(ledger.writes).toBe(BUDGET);
        const events = await first.app.store.audit.list(wsId, { action: 'mcp.tool_called', limit: 1000 });
        const mine = events.filter((e) => e.credentialName === 'race-two-instances');
        expect(mine.filter((e) => e.outcome === 'ok')).toHaveLength(BUDGET);
        expect(mine).toHaveLength(CALLS);
      } finally {
        await a.client.close();
        await b.client.close();
      }
    });

    it('leaves no task, history row, comment or ledger entry when the write’s audit event cannot be written', async () => {
      const key = await first.issueKey({ name: 'event-refused' });
      const { client } = await connectV1(first, key);
      const url = first.app.config.databaseUrl;
      // What records the call rather than the write: the audit log's tables and the key's request counts.
      const except = [...AUDIT_TABLES, 'rate_limits'];
      await runSql(url, REFUSE_CREATE_EVENT[kind]);
      try {
        const before = await fingerprintTables(url, { except });
        const result = (await client.callTool({
          name: 'create_task',
          arguments: { project: 'ONB', title: 'doomed by its event' },
        })) as ToolResult;
        expect(result.isError).toBe(true);
        expect(result.structuredContent?.status).toBeUndefined();
        expect(await fingerprintTables(url, { except })).toEqual(before);
        expect(await createdTitled('doomed by its event')).toHaveLength(0);
      } finally {
        await runSql(url, ALLOW_CREATE_EVENT[kind]);
        await client.close();
      }
      // The call is still recorded once, as failed, and the chain has no gap where the event was.
      const events = await first.app.store.audit.list(wsId, { action: 'mcp.tool_called', limit: 1000 });
      const mine = events.filter((e) => e.credentialName === 'event-refused');
      expect(mine.map((e) => e.outcome)).toEqual(['error']);
      expect((await verifyAudit(first.app.store, first.app.auditSigner)).ok).toBe(true);
    });
  });
}
