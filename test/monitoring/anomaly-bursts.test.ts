/**
 * Rules call burst, destructive burst, probing, idle reuse, rotated key in grace and the
 * budget overrun, with the manual clock for their windows; 50 concurrent calls; a
 * suspension that lands while a confirmation waits.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readBaseline } from '../../src/monitoring/anomaly-evaluate.js';
import { storeKinds } from '../support/stores.js';
import { type AnomalyHarness, startAnomalyHarness, textOf } from './anomaly-support.js';

const HOUR = 3_600_000;

for (const kind of storeKinds()) {
  describe(`anomaly rules: how much and when [${kind}]`, () => {
    let h: AnomalyHarness;
    beforeEach(async () => {
      h = await startAnomalyHarness(kind);
    });
    afterEach(async () => {
      await h.close();
    });
    const rules = async () => (await h.alerts()).map((a) => a.rule);

    it("a burst of calls against the key's own hourly baseline raises one alert per hour", async () => {
      await h.rules({ callBurst: { minCalls: 5, factor: 2 } });
      const { secret } = await h.key('cursor-burst');
      const c = await h.connect(secret);
      await c.call('list_projects');
      await c.call('list_projects');
      h.server.clock.advance(HOUR);
      for (let i = 0; i < 4; i++) await c.call('list_projects');
      expect(await rules()).toEqual([]);
      for (let i = 0; i < 4; i++) await c.call('list_projects');
      expect(await rules()).toEqual(['call_burst']);
    });

    it('a leaked key deleting in bulk is suspended read-only at the threshold, before the next delete', async () => {
      await h.rules({ destructiveBurst: { threshold: 3 } });
      const { secret, id } = await h.key('claude-cleaner');
      const c = await h.connect(secret);
      for (const ref of ['APO-1', 'APO-2', 'APO-3'])
        expect((await c.call('delete_task', { task: ref })).isError).toBeFalsy();
      const refused = await c.call('delete_task', { task: 'APO-4' });
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toMatch(/suspended read-only/);
      const [alert] = await h.alerts();
      expect([alert!.rule, alert!.action, alert!.evidence.length]).toEqual([
        'destructive_burst',
        'suspend:read_only',
        3,
      ]);
      expect((await h.keyRecord(id))?.suspension?.mode).toBe('read_only');
    });

    it('probing with 50 concurrent not_found calls leaves a consistent baseline and one alert, not 50', async () => {
      await h.rules({ probing: { threshold: 10 } });
      const { secret, id } = await h.key('probe-bot');
      const c = await h.connect(secret);
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) => c.call('get_task', { task: `APO-${900 + i}` })),
      );
      expect(answers.every((a) => a.isError)).toBe(true);
      expect(await rules()).toEqual(['probing']);
      const row = await h.server.app.store.keyBaselines.find(id);
      const baseline = readBaseline(row?.state);
      expect([baseline.calls, baseline.probing.count, baseline.hourCount]).toEqual([50, 50, 50]);
      const raised = (await h.events('alert.raised')).map(
        (e) => e.detail as { notify: boolean; action: string },
      );
      expect(raised).toEqual([expect.objectContaining({ notify: true, action: 'notify' })]);
    });

    it('a key used again after a long idle period raises idle reuse', async () => {
      const { secret } = await h.key('old-laptop');
      const c = await h.connect(secret);
      await c.call('list_projects');
      h.server.clock.advance(29 * 24 * HOUR);
      await c.call('list_projects');
      expect(await rules()).toEqual([]);
      h.server.clock.advance(31 * 24 * HOUR);
      await c.call('list_projects');
      expect(await rules()).toEqual(['idle_reuse']);
    });

    it('a rotated-out key still used during its grace raises one alert', async () => {
      const { secret } = await h.key('rotating-box');
      const c = await h.connect(secret);
      await c.call('list_projects');
      await h.server.app.keys.rotate('demo', 'rotating-box', {});
      await c.call('list_projects');
      await c.call('list_projects');
      expect(await rules()).toEqual(['rotated_in_grace']);
    });

    it('a key over its write budget is suspended dry-run only: its next write only previews', async () => {
      await h.server.app.policy.set(null, 'demo', { writeBudget: 2 });
      const { secret, id } = await h.key('budget-box');
      const c = await h.connect(secret);
      for (const title of ['one', 'two']) await c.call('create_task', { project: 'ONB', title });
      const over = await c.call('create_task', { project: 'ONB', title: 'three' });
      expect(textOf(over)).toMatch(/write budget exceeded/);
      expect((await h.keyRecord(id))?.suspension?.mode).toBe('dry_run');
      const [alert] = await h.alerts();
      expect([alert!.rule, alert!.action]).toEqual(['budget_overrun', 'suspend:dry_run']);
      const [exceeded] = await h.events('budget.exceeded');
      expect(alert!.evidence).toEqual([exceeded!.id]);
      const next = await c.call('create_task', { project: 'ONB', title: 'four' });
      // Dry-run only (and still over budget): nothing is written, and it is not suspended twice.
      expect(next.structuredContent?.status).not.toBe('done');
      expect(next.isError || next.structuredContent?.status === 'dry_run').toBe(true);
      expect((await h.events('key.suspended')).length).toBe(1);
    });

    it('a key suspended while its confirmation waits cannot confirm it', async () => {
      await h.server.app.policy.set(null, 'demo', { delete: 'token' });
      const { secret, id } = await h.key('waiting-box');
      const c = await h.connect(secret);
      const preview = await c.call('delete_task', { task: 'APO-5' });
      const token = preview.structuredContent?.token as string;
      expect(token).toBeTruthy();
      await h.server.app.store.keySuspensions.suspend(h.workspaceId, id, {
        at: h.server.clock.now().toISOString(),
        mode: 'dry_run',
        reason: 'test',
        by: 'rule:probing:alr_x',
      });
      const confirmed = await c.call('confirm_action', { token });
      expect(confirmed.isError).toBe(true);
      expect(textOf(confirmed)).toMatch(/suspended \(dry-run only\)/);
    });

    it('bad rule settings are refused with the field named, nothing changed', async () => {
      await expect(h.rules({ probing: { threshold: 0 } })).rejects.toMatchObject({ code: 'invalid_input' });
      await expect(
        h.server.app.monitoring.settings.change(
          'demo',
          (await import('../../src/monitoring/index.js')).ANOMALY_RULES,
          { nope: 1 },
          null,
        ),
      ).rejects.toMatchObject({ code: 'invalid_input' });
      await expect(h.rules({ newNetwork: { action: 'explode' as never } })).rejects.toMatchObject({
        code: 'invalid_input',
      });
    });

    it('only owners and admins lift a suspension; lifting twice is refused', async () => {
      const { id } = await h.key('lift-box');
      await h.server.app.store.keySuspensions.suspend(h.workspaceId, id, {
        at: h.server.clock.now().toISOString(),
        mode: 'read_only',
        reason: 'test',
        by: 'rule:probing:alr_x',
      });
      const members = await h.server.app.store.members.list(h.workspaceId);
      const viewer = members.find((m) => m.role === 'viewer' || m.role === 'member');
      if (viewer)
        await expect(
          h.server.app.monitoring.suspensions.lift('demo', 'lift-box', viewer.id),
        ).rejects.toMatchObject({ code: 'forbidden' });
      await h.server.app.monitoring.suspensions.lift('demo', 'lift-box', null);
      await expect(h.server.app.monitoring.suspensions.lift('demo', 'lift-box', null)).rejects.toMatchObject({
        code: 'conflict',
      });
    });
  });
}
