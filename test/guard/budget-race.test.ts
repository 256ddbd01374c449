/**
 * The per-key write budget under concurrency, on both stores, over real HTTP with the
 * official SDK client: 50 calls fired at once never get past the budget, whether they
 * write at once, are confirmed later with tokens, or change several tasks per call. Every
 * refused call changes nothing, leaves its budget.exceeded event and flags the key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyPatch } from '../../src/admin/index.js';
import { connectV1, onlyTheTestRefuses, startTestServer, type TestServer } from '../support/mcp-server.js';
import { storeKinds } from '../support/stores.js';

type ToolResult = {
  isError?: boolean;
  content: { type: string; text: string }[];
  structuredContent?: Record<string, unknown>;
};

const textOf = (result: ToolResult) => result.content.map((c) => c.text).join('\n');
const CALLS = 50;

for (const kind of ['sqlite', 'postgres'] as const) {
  describe.skipIf(!storeKinds().includes(kind))(`write budget under concurrency [${kind}]`, () => {
    let server: TestServer;
    let wsId: string;
    let owner: Parameters<TestServer['app']['domain']['tasks']['create']>[0];

    beforeAll(async () => {
      server = await startTestServer({ kind });
      // The budget alone: its overrun's suspension and the burst of bulk changes (either of
      // which would refuse the racing calls for another reason) are tested in
      // test/monitoring/anomaly-bursts.test.ts; the suites together send more than a member's
      // default 240 writes a minute.
      await onlyTheTestRefuses(server);
      wsId = (await server.app.store.workspaces.findBySlug('demo'))!.id;
      const ownerMember = (await server.app.store.members.list(wsId)).find((m) => m.role === 'owner')!;
      owner = { workspaceId: wsId, memberId: ownerMember.id, role: 'owner', via: 'web' };
    });
    afterAll(async () => server?.close());

    /** A fresh key (its own budget) and client, and `count` fresh tasks it may change. */
    async function fixture(name: string, policy: PolicyPatch, count: number) {
      await server.app.policy.set(null, 'demo', {
        create: 'none',
        update: 'none',
        delete: 'none',
        bulk: 'none',
        writeBudget: 60,
        deleteBudget: 10,
        ...policy,
      });
      const tasks: string[] = [];
      for (let i = 0; i < count; i++) {
        tasks.push(
          (await server.app.domain.tasks.create(owner, { project: 'WEB', title: `${name} ${i}` })).key,
        );
      }
      const key = await server.issueKey({ name });
      const { client } = await connectV1(server, key);
      const call = async (tool: string, args: Record<string, unknown>) =>
        (await client.callTool({ name: tool, arguments: args })) as ToolResult;
      const credentialId = (await server.app.keys.list('demo')).find((k) => k.name === name)!.id;
      const ledger = () => server.app.store.writeUsage.sumSince(credentialId, '1970-01-01T00:00:00.000Z');
      const refusals = async () =>
        (await server.app.store.audit.list(wsId, { limit: 1000 })).filter(
          (e) => e.action === 'budget.exceeded' && e.credentialName === name,
        );
      const flagged = async () => (await server.app.keys.list('demo')).find((k) => k.name === name)?.flagged;
      const trashed = async () => {
        const all = await Promise.all(
          tasks.map((ref) => server.app.domain.tasks.get(owner, ref, { includeTrashed: true })),
        );
        return all.filter((t) => t.deletedAt !== null).length;
      };
      return { client, call, tasks, ledger, refusals, flagged, trashed };
    }

    const split = (results: ToolResult[]) => ({
      done: results.filter((r) => r.structuredContent?.status === 'done'),
      refused: results.filter((r) => /^rate_limited: write budget exceeded/.test(textOf(r))),
    });

    it('refuses every delete past a budget of 3 when 50 delete_task calls race', async () => {
      const f = await fixture('race-deletes', { deleteBudget: 3 }, CALLS);
      try {
        const results = await Promise.all(f.tasks.map((task) => f.call('delete_task', { task })));
        const { done, refused } = split(results);
        expect(done).toHaveLength(3);
        expect(refused).toHaveLength(CALLS - 3);
        expect(await f.trashed()).toBe(3);
        expect((await f.ledger()).deletes).toBe(3);
        expect(await f.refusals()).toHaveLength(CALLS - 3);
        expect((await f.flagged())?.reason).toBe('write budget exceeded');
      } finally {
        await f.client.close();
      }
    });

    it('refuses every write past a budget of 5 when 50 create_task calls race', async () => {
      const f = await fixture('race-creates', { writeBudget: 5 }, 0);
      try {
        const results = await Promise.all(
          Array.from({ length: CALLS }, (_, i) =>
            f.call('create_task', { project: 'ONB', title: `race-create ${i}` }),
          ),
        );
        const { done, refused } = split(results);
        expect(done).toHaveLength(5);
        expect(refused).toHaveLength(CALLS - 5);
        const created = await server.app.domain.tasks.list(owner, { project: 'ONB', limit: 100 });
        expect(created.items.filter((t) => t.title.startsWith('race-create '))).toHaveLength(5);
        expect((await f.ledger()).writes).toBe(5);
        expect(await f.refusals()).toHaveLength(CALLS - 5);
      } finally {
        await f.client.close();
      }
    });

    it('refuses every confirmation past the budget when 50 confirm_action calls race', async () => {
      const f = await fixture('race-confirms', { delete: 'token', deleteBudget: 3 }, CALLS);
      try {
        // Each preview fits the budget on its own (nothing is used yet); the confirmations race.
        const tokens: string[] = [];
        for (const task of f.tasks) {
          const preview = await f.call('delete_task', { task });
          tokens.push(preview.structuredContent?.token as string);
        }
        expect(tokens.every((t) => t?.startsWith('tgc_'))).toBe(true);
        const results = await Promise.all(tokens.map((token) => f.call('confirm_action', { token })));
        const { done, refused } = split(results);
        expect(done).toHaveLength(3);
        expect(refused).toHaveLength(CALLS - 3);
        expect(await f.trashed()).toBe(3);
        expect((await f.ledger()).deletes).toBe(3);
        expect(await f.refusals()).toHaveLength(CALLS - 3);
      } finally {
        await f.client.close();
      }
    });

    it('finishes 50 racing writes by two keys, bulk updates naming the same tasks in opposite orders, without a deadlock', async () => {
      // A bulk update locks its tasks by id, whatever order the call names them in: every call
      // gets through or is told of a conflict, and each write is once in its key's ledger.
      const a = await fixture('race-mixed-a', { writeBudget: 1000 }, 4);
      const b = await fixture('race-mixed-b', { writeBudget: 1000 }, 0);
      try {
        const shared = a.tasks;
        const results = await Promise.all(
          Array.from({ length: CALLS }, (_, i) => {
            const f = i % 2 === 0 ? a : b;
            if (i % 5 >= 3)
              return f.call('bulk_update_tasks', {
                tasks: (i % 2 === 0 ? shared : [...shared].reverse()).map((task) => ({ task })),
                set: { priority: i % 3 === 0 ? 'high' : 'low' },
              });
            if (i % 5 === 2) return f.call('update_task', { task: shared[i % 4], title: `race-mixed ${i}` });
            return f.call('create_task', { project: i % 3 === 0 ? 'ONB' : 'WEB', title: `race-mixed ${i}` });
          }),
        );
        // Two updates of one task at once: the later finds it changed and says so (a conflict
        // to retry, nothing written). Anything else — a deadlock's victim — is a failure.
        const done = (r: ToolResult) => r.structuredContent?.status === 'done';
        const others = results.filter(
          (r) => !done(r) && !/^conflict: task \S+ is at version/.test(textOf(r)),
        );
        expect(others.map(textOf)).toEqual([]);
        // A bulk update that finds a task already as asked changes (and counts) less.
        const writesOf = (parity: number) =>
          results
            .filter((r, i) => i % 2 === parity && done(r))
            .reduce((sum, r) => sum + (r.structuredContent?.changes as unknown[] | undefined)!.length, 0);
        expect(writesOf(0) + writesOf(1)).toBeGreaterThanOrEqual(20); // the creates never conflict
        expect((await a.ledger()).writes).toBe(writesOf(0));
        expect((await b.ledger()).writes).toBe(writesOf(1));
      } finally {
        await a.client.close();
        await b.client.close();
      }
    });

    it('refuses every bulk update past the budget when 50 bulk_update_tasks calls race', async () => {
      const f = await fixture('race-bulk', { writeBudget: 7 }, 2 * CALLS);
      try {
        // Two tasks per call, no task in two calls: 3 calls (6 writes) fit in 7, a 4th does not.
        const results = await Promise.all(
          Array.from({ length: CALLS }, (_, i) =>
            f.call('bulk_update_tasks', {
              tasks: [{ task: f.tasks[2 * i] }, { task: f.tasks[2 * i + 1] }],
              set: { priority: 'high' },
            }),
          ),
        );
        const { done, refused } = split(results);
        expect(done).toHaveLength(3);
        expect(refused).toHaveLength(CALLS - 3);
        expect((await f.ledger()).writes).toBe(6);
      } finally {
        await f.client.close();
      }
    });
  });
}
