/**
 * The anomaly baseline commits without a disk sync of its own (src/monitoring/anomaly-watch.ts):
 * a call with nothing to find updates it in an unsynced transaction; the call that trips a
 * rule has its alert, audit event and baseline committed in a synced one, exactly once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readBaseline } from '../../src/monitoring/anomaly-evaluate.js';
import { storeKinds } from '../support/stores.js';
import { type AnomalyHarness, startAnomalyHarness, unsyncedTransactions } from './anomaly-support.js';

const HOUR = 3_600_000;

for (const kind of storeKinds()) {
  describe(`anomaly baselines without a disk sync [${kind}]`, () => {
    let h: AnomalyHarness;
    /** Every unsynced transaction of the server, in order: did it commit? */
    let unsynced: boolean[];
    beforeEach(async () => {
      h = await startAnomalyHarness(kind);
      unsynced = unsyncedTransactions(h.server);
    });
    afterEach(async () => {
      await h.close();
    });

    it('a burst that trips a rule is raised once, synced, after its quiet calls went unsynced', async () => {
      await h.rules({ callBurst: { minCalls: 5, factor: 2 } });
      const { secret, id } = await h.key('cursor-burst');
      const c = await h.connect(secret);
      await c.call('list_projects');
      await c.call('list_projects');
      h.server.clock.advance(HOUR);
      for (let i = 0; i < 4; i++) await c.call('list_projects');
      // Each call, one after the other, its own group: six unsynced commits, nothing raised. On
      // PostgreSQL only the first: the key's later calls go by swap (anomaly-swap.ts), no transaction.
      expect(unsynced).toEqual(Array.from({ length: kind === 'sqlite' ? 6 : 1 }, () => true));
      for (let i = 0; i < 4; i++) await c.call('list_projects');
      const alerts = await h.alerts();
      expect(alerts.map((a) => a.rule)).toEqual(['call_burst']);
      expect((await h.events('alert.raised')).map((e) => e.detail)).toHaveLength(1);
      // The tripping call's unsynced attempt stopped before writing; its synced run raised it.
      expect(unsynced.filter((ok) => !ok)).toHaveLength(1);
      const baseline = readBaseline((await h.server.app.store.keyBaselines.find(id))?.state);
      expect(baseline.calls).toBe(10);
    });
  });
}
