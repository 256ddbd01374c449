/**
 * Property: a write budget is never exceeded. fast-check draws budgets and a batch of
 * creates, updates, deletes and bulk updates, fired at once over real HTTP (directly, or
 * previewed and then confirmed at once with tokens); whatever the interleaving, the key's
 * ledger stays within both limits, matches exactly what the successful calls wrote, and
 * every other call was a budget refusal with its audit event. Few runs: a real database.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANOMALY_RULES } from '../../src/monitoring/index.js';
import { connectV1, startTestServer, type TestServer } from '../support/mcp-server.js';
import { storeKinds } from '../support/stores.js';

type ToolResult = {
  isError?: boolean;
  content: { type: string; text: string }[];
  structuredContent?: Record<string, unknown>;
};
type Op = 'create' | 'update' | 'delete' | 'bulk';

const textOf = (result: ToolResult) => result.content.map((c) => c.text).join('\n');
/** Objects written and trashed by one successful call of each kind. */
const COST: Record<Op, { writes: number; deletes: number }> = {
  create: { writes: 1, deletes: 0 },
  update: { writes: 1, deletes: 0 },
  delete: { writes: 1, deletes: 1 },
  bulk: { writes: 2, deletes: 0 },
};
const RUNS = { sqlite: 12, postgres: 6 } as const;

const scenario = fc.record({
  writeBudget: fc.integer({ min: 1, max: 8 }),
  deleteBudget: fc.integer({ min: 1, max: 4 }),
  confirmed: fc.boolean(),
  ops: fc.array(fc.constantFrom<Op>('create', 'update', 'delete', 'bulk'), { minLength: 1, maxLength: 16 }),
});

for (const kind of ['sqlite', 'postgres'] as const) {
  describe.skipIf(!storeKinds().includes(kind))(`write budget property [${kind}]`, () => {
    let server: TestServer;
    let wsId: string;
    let owner: Parameters<TestServer['app']['domain']['tasks']['create']>[0];
    let run = 0;

    beforeAll(async () => {
      server = await startTestServer({ kind });
      // The ledger alone: an overrun's suspension (which refuses later calls for another
      // reason) is tested in test/monitoring/anomaly-bursts.test.ts.
      await server.app.monitoring.settings.change(
        'demo',
        ANOMALY_RULES,
        { budgetOverrun: { enabled: false } },
        null,
      );
      wsId = (await server.app.store.workspaces.findBySlug('demo'))!.id;
      const ownerMember = (await server.app.store.members.list(wsId)).find((m) => m.role === 'owner')!;
      owner = { workspaceId: wsId, memberId: ownerMember.id, role: 'owner', via: 'web' };
    });
    afterAll(async () => server?.close());

    /** The arguments of one op, on tasks of its own (so calls never wait on each other's rows). */
    async function argsOf(op: Op, n: number): Promise<[string, Record<string, unknown>]> {
      const fresh = async () =>
        (await server.app.domain.tasks.create(owner, { project: 'WEB', title: `prop ${run}.${n}` })).key;
      if (op === 'create') return ['create_task', { project: 'ONB', title: `prop ${run}.${n}` }];
      if (op === 'update') return ['update_task', { task: await fresh(), priority: 'high' }];
      if (op === 'delete') return ['delete_task', { task: await fresh() }];
      return [
        'bulk_update_tasks',
        { tasks: [{ task: await fresh() }, { task: await fresh() }], set: { priority: 'high' } },
      ];
    }

    it('never lets the ledger go past the budget, whatever runs at once', async () => {
      await fc.assert(
        fc.asyncProperty(scenario, async ({ writeBudget, deleteBudget, confirmed, ops }) => {
          run++;
          const tier = confirmed ? 'token' : 'none';
          await server.app.policy.set(null, 'demo', {
            create: tier,
            update: tier,
            delete: tier,
            bulk: tier,
            writeBudget,
            deleteBudget,
          });
          const name = `prop-${kind}-${run}`;
          const { client } = await connectV1(server, await server.issueKey({ name }));
          const call = async (tool: string, args: Record<string, unknown>) =>
            (await client.callTool({ name: tool, arguments: args })) as ToolResult;
          try {
            const calls = await Promise.all(ops.map((op, n) => argsOf(op, n)));
            let results: ToolResult[];
            let attempted = ops;
            if (confirmed) {
              // Previews change nothing; one may already be refused if it alone is over the budget.
              const previews: ToolResult[] = [];
              for (const [tool, args] of calls) previews.push(await call(tool, args));
              const tokens = previews.map((p) => p.structuredContent?.token as string | undefined);
              attempted = ops.filter((_, i) => tokens[i]);
              results = await Promise.all(
                tokens
                  .filter((t): t is string => Boolean(t))
                  .map((token) => call('confirm_action', { token })),
              );
            } else {
              results = await Promise.all(calls.map(([tool, args]) => call(tool, args)));
            }
            const credentialId = (await server.app.keys.list('demo')).find((k) => k.name === name)!.id;
            const ledger = await server.app.store.writeUsage.sumSince(
              credentialId,
              '1970-01-01T00:00:00.000Z',
            );
            expect(ledger.writes).toBeLessThanOrEqual(writeBudget);
            expect(ledger.deletes).toBeLessThanOrEqual(deleteBudget);

            const done = attempted.filter((_, i) => results[i]?.structuredContent?.status === 'done');
            expect(ledger).toEqual({
              writes: done.reduce((sum, op) => sum + COST[op].writes, 0),
              deletes: done.reduce((sum, op) => sum + COST[op].deletes, 0),
            });
            const refused = results.filter((r) => r.structuredContent?.status !== 'done');
            for (const r of refused) expect(textOf(r)).toMatch(/^rate_limited: write budget exceeded/);
            const audited = (await server.app.store.audit.list(wsId, { limit: 1000 })).filter(
              (e) => e.action === 'budget.exceeded' && e.credentialName === name,
            );
            expect(audited.length).toBeGreaterThanOrEqual(refused.length);
          } finally {
            await client.close();
          }
        }),
        { numRuns: RUNS[kind] },
      );
    }, 240_000);
  });
}
