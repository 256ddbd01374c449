/**
 * PostgreSQL: a key whose baseline this instance committed last has its calls folded in and
 * written by one compare-and-set statement, no transaction (src/monitoring/anomaly-swap.ts).
 * Another instance's write or a rules change made elsewhere makes the swap miss, and those
 * calls take the locked path: no call is lost or judged by stale rules.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readBaseline } from '../../src/monitoring/anomaly-evaluate.js';
import { ANOMALY_RULES } from '../../src/monitoring/index.js';
import { callToolOverHttp, startTestServer, type TestServer } from '../support/mcp-server.js';
import { postgresUrl } from '../support/postgres.js';
import { type AnomalyHarness, startAnomalyHarness, unsyncedTransactions } from './anomaly-support.js';

const HOUR = 3_600_000;

describe.skipIf(!postgresUrl())('anomaly baselines by compare-and-set [postgres]', () => {
  let h: AnomalyHarness | undefined;
  let second: TestServer | undefined;
  afterEach(async () => {
    await second?.close();
    second = undefined;
    await h?.close();
    h = undefined;
  });
  const baselineOf = async (id: string) =>
    readBaseline((await h!.server.app.store.keyBaselines.find(id))?.state);

  it("a key's calls after its first take no transaction, and each is counted", async () => {
    h = await startAnomalyHarness('postgres');
    // The groups that took the locked path: its transactions are the unsynced ones.
    const locked = unsyncedTransactions(h.server);
    // The stored state (JSON: quotes, brackets, the client's name) must come back exactly through
    // the swap's JSON parameter: were it altered, every swap would miss and lock. The name is
    // glued text, which the server cleans before the rules see it.
    const { secret, id } = await h.key('swap-bot');
    const c = await h.connect(secret, '127.0.0.1', `cl"i'e\\nt'); drop table x;-- 🙂\u202e`);
    for (let i = 0; i < 20; i++) await c.call('list_projects');
    expect(locked.length).toBe(1);
    const baseline = await baselineOf(id);
    expect([baseline.calls, baseline.hourCount]).toEqual([20, 20]);
    expect(baseline.clients).toHaveLength(1);
  });

  it("another instance's write makes the swap miss: calls alternating over two instances all count", async () => {
    h = await startAnomalyHarness('postgres');
    second = await startTestServer({
      database: h.server.database,
      env: { TASKGATE_PUBLIC_URL: h.server.app.config.publicUrl },
    });
    const lockedFirst = unsyncedTransactions(h.server);
    const lockedSecond = unsyncedTransactions(second);
    const { secret, id } = await h.key('two-instance-swap');
    for (let i = 0; i < 20; i++)
      expect((await callToolOverHttp(i % 2 ? second! : h!.server, secret, 'whoami')).status).toBe(200);
    // Each instance's knowledge is stale by the other's write every time: every group locked.
    expect([lockedFirst.length, lockedSecond.length]).toEqual([10, 10]);
    const statuses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        callToolOverHttp(i % 2 ? second! : h!.server, secret, 'whoami').then((r) => r.status),
      ),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect((await baselineOf(id)).calls).toBe(70);
  });

  it('rules changed by another instance judge the next call, not the rules the swap last read', async () => {
    h = await startAnomalyHarness('postgres');
    const locked = unsyncedTransactions(h.server);
    const { secret } = await h.key('burst-after-change');
    const c = await h.connect(secret);
    await c.call('list_projects');
    await c.call('list_projects');
    h.server.clock.advance(HOUR);
    for (let i = 0; i < 8; i++) await c.call('list_projects');
    // The defaults call eight calls after two no burst; and all but the first went by swap.
    expect(await h.alerts()).toEqual([]);
    expect(locked.length).toBe(1);
    second = await startTestServer({
      database: h.server.database,
      env: { TASKGATE_PUBLIC_URL: h.server.app.config.publicUrl },
    });
    const current = await second.app.monitoring.settings.read(h.workspaceId, ANOMALY_RULES);
    await second.app.monitoring.settings.change(
      'demo',
      ANOMALY_RULES,
      { ...current, callBurst: { ...current.callBurst, minCalls: 5, factor: 2 } },
      null,
    );
    await c.call('list_projects');
    expect((await h.alerts()).map((a) => a.rule)).toEqual(['call_burst']);
  });
});
