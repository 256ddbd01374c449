/**
 * A confirmation executes at most once, as a property on real SQLite and PostgreSQL: for a
 * pending action of each tier (token, form elicitation, browser approval), any number of
 * concurrent decisions — confirm_action / cancel_action, elicitation accept / decline,
 * browser approve / decline, in random order and interleaving — leave exactly one decision
 * standing, and at most one execution: one comment or task change, one `ok` event.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/core/index.js';
import { startTestServer, type TestServer } from '../support/mcp-server.js';
import { storeKinds } from '../support/stores.js';
import { type InProcess, inProcess, specOf } from './in-process.js';

type Tier = 'token' | 'elicit' | 'approve';
const attempt = fc.record({ accept: fc.boolean(), ticks: fc.nat({ max: 4 }) });
const yieldTicks = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

describe.each(storeKinds())('a confirmation executes at most once [%s]', (kind) => {
  let server: TestServer;
  let env: InProcess;
  beforeAll(async () => {
    server = await startTestServer({ kind });
    env = await inProcess(server);
  });
  afterAll(async () => server.close());

  let run = 0;

  it('leaves one decision and at most one execution, whatever concurrent decisions race', async () => {
    const { app } = server;
    const owner = env.members.owner;
    const reader = env.human(owner);
    const seen = { done: 0, declined: 0 };

    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Tier>('token', 'elicit', 'approve'),
        fc.constantFrom('add_comment', 'update_task'),
        fc.array(attempt, { minLength: 1, maxLength: 30 }),
        async (tier, tool, attempts) => {
          const keyName = `confirm-${kind}-${++run}`;
          const call = await env.keyCalls(keyName);
          await app.policy.set(null, 'demo', { create: tier, update: tier });
          const ref = `APO-${(run % 8) + 1}`;
          const body = `Once only, run ${run}`;
          const current = await app.domain.tasks.get(reader, ref);
          const args =
            tool === 'add_comment'
              ? { task: ref, body }
              : { task: ref, priority: current.priority === 'urgent' ? 'low' : 'urgent' };
          const pending = await env.pipeline.run(call(), specOf(env, tool), args, {
            formElicitation: true,
            urlElicitation: false,
          });
          if (pending.kind !== 'pending') throw new Error(`expected a pending action, got ${pending.kind}`);
          const { action, token } = pending;

          const decide = async ({ accept, ticks }: { accept: boolean; ticks: number }) => {
            await yieldTicks(ticks);
            if (tier === 'token')
              return accept ? env.actions.confirm(call(), token!) : env.actions.cancel(call(), token!);
            if (tier === 'elicit') return env.actions.answerElicitation(call(), action.id, accept, tool);
            // Each approver's page was loaded while the action was pending.
            return accept
              ? env.actions.approve(owner, env.workspace, action, action.digest)
              : env.actions.decline(owner, action);
          };
          const outcomes = await Promise.allSettled(attempts.map(decide));

          const done = outcomes.filter(
            (o) => o.status === 'fulfilled' && (o.value as { kind?: string } | undefined)?.kind === 'done',
          ).length;
          const fulfilled = outcomes.filter((o) => o.status === 'fulfilled').length;
          for (const o of outcomes)
            if (o.status === 'rejected')
              expect(isAppError(o.reason) && o.reason.code, String(o.reason)).toBe('conflict');
          expect(done).toBeLessThanOrEqual(1);
          expect(fulfilled).toBe(1);

          const final = (await app.store.pendingActions.findById(env.workspace.id, action.id))!;
          expect(final.status).toBe(done ? 'executed' : tier === 'token' ? 'cancelled' : 'declined');
          const events = await app.store.audit.list(env.workspace.id, {
            credentialName: keyName,
            limit: 500,
          });
          const mine = events.filter((e) => e.confirmation === action.id);
          expect(mine.filter((e) => e.outcome === 'ok' && e.changes !== null)).toHaveLength(done);
          expect(mine.filter((e) => /^confirmation\.(cancelled|declined)$/.test(e.action))).toHaveLength(
            1 - done,
          );
          if (tool === 'add_comment') {
            const comments = await app.domain.comments.list(reader, { task: ref, limit: 100 });
            expect(comments.items.filter((c) => c.body === body)).toHaveLength(done);
          } else {
            const after = await app.domain.tasks.get(reader, ref);
            expect(after.version).toBe(current.version + done);
          }
          seen.done += done;
          seen.declined += 1 - done;
        },
      ),
      {
        numRuns: kind === 'sqlite' ? 20 : 12,
        // A lone accept and a lone decline always run: random races may let declines win every
        // time on a loaded machine, and the check below must not hang on who is faster.
        examples: [
          ['token', 'add_comment', [{ accept: true, ticks: 0 }]],
          ['approve', 'update_task', [{ accept: false, ticks: 1 }]],
        ],
      },
    );
    // Not vacuous: some actions ran and some were turned down.
    expect(seen.done).toBeGreaterThan(0);
    expect(seen.declined).toBeGreaterThan(0);
  });
});
