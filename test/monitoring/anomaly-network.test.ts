/**
 * Rules new network, new client and concurrent use, driven by the SDK client from two
 * loopback networks; each action (alert, notify, suspend read-only, contain) and the lift.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.js';
import { type AnomalyHarness, startAnomalyHarness, textOf } from './anomaly-support.js';

const HOME = '127.0.0.1';
const ELSEWHERE = '127.0.1.1';

for (const kind of storeKinds()) {
  describe(`anomaly rules: where a key is used from [${kind}]`, () => {
    let h: AnomalyHarness;
    beforeEach(async () => {
      h = await startAnomalyHarness(kind);
    });
    afterEach(async () => {
      await h.close();
    });

    const settle = async (secret: string, calls = 5) => {
      const home = await h.connect(secret, HOME);
      for (let i = 0; i < calls; i++) await home.call('list_projects');
      return home;
    };

    it('a key used from a new network raises one alert with the call as evidence (alert)', async () => {
      await h.rules({ newNetwork: { action: 'alert' }, concurrentUse: { enabled: false } });
      const { secret, id } = await h.key('cursor-laptop');
      await settle(secret);
      expect(await h.alerts()).toEqual([]);
      const away = await h.connect(secret, ELSEWHERE);
      await away.call('list_projects');
      await away.call('list_projects');
      const alerts = await h.alerts();
      expect(alerts.map((a) => [a.rule, a.credentialId, a.action])).toEqual([['new_network', id, 'alert']]);
      expect(alerts[0]!.summary).toMatch(/127\.0\.1\.0\/24/);
      const [evidence] = await h
        .events('mcp.tool_called')
        .then((e) => e.filter((x) => x.id === alerts[0]!.evidence[0]));
      expect(evidence?.ip).toMatch(/127\.0\.1\.1$/);
      const [raised] = await h.events('alert.raised');
      expect(raised!.detail).toEqual({
        alertId: alerts[0]!.id,
        rule: 'new_network',
        credentialId: id,
        severity: 'warning',
        summary: alerts[0]!.summary,
        notify: false,
        action: 'alert',
      });
      expect((await h.keyRecord(id))?.suspension).toBeNull();
    });

    it('a leaked key used from a new network is suspended before its second write', async () => {
      await h.rules({ newNetwork: { action: 'suspend', suspendMode: 'read_only' } });
      const { secret, id } = await h.key('claude-desktop-mbp');
      await settle(secret);
      const thief = await h.connect(secret, ELSEWHERE);
      const first = await thief.call('create_task', { project: 'ONB', title: 'first' });
      expect(first.isError).toBeFalsy();
      const second = await thief.call('create_task', { project: 'ONB', title: 'second' });
      expect(second.isError).toBe(true);
      expect(textOf(second)).toMatch(/suspended read-only/);
      const key = await h.keyRecord(id);
      expect(key?.suspension?.mode).toBe('read_only');
      expect(key?.readOnly).toBe(false);
      const [suspended] = await h.events('key.suspended');
      const [alert] = (await h.alerts()).filter((a) => a.rule === 'new_network');
      expect(suspended!.detail).toMatchObject({ mode: 'read_only', rule: 'new_network', alertId: alert!.id });
      expect(alert!.action).toBe('suspend:read_only');
      // Reads still work: a suspended key is narrowed, not cut off.
      expect((await thief.call('list_projects')).isError).toBeFalsy();

      await h.server.app.monitoring.suspensions.lift('demo', 'claude-desktop-mbp', null);
      expect((await h.keyRecord(id))?.suspension).toBeNull();
      const home = await h.connect(secret, HOME);
      expect((await home.call('create_task', { project: 'ONB', title: 'after lift' })).isError).toBeFalsy();
      const [lifted] = await h.events('key.unsuspended');
      expect(lifted!.detail).toMatchObject({ mode: 'read_only', rule: 'new_network', alertId: alert!.id });
    });

    it('a key copied into another client is reported (new client, notify)', async () => {
      const { secret } = await h.key('cursor-desktop');
      const home = await h.connect(secret, HOME, 'cursor');
      for (let i = 0; i < 5; i++) await home.call('list_projects');
      const other = await h.connect(secret, HOME, 'evil-agent');
      await other.call('list_projects');
      const alerts = await h.alerts();
      expect(alerts.map((a) => a.rule)).toContain('new_client');
      const raised = (await h.events('alert.raised')).find(
        (e) => (e.detail as { rule: string }).rule === 'new_client',
      );
      expect((raised!.detail as { notify: boolean }).notify).toBe(true);
    });

    it('a key used from two networks within minutes raises concurrent use once, not at every switch', async () => {
      await h.rules({ newNetwork: { enabled: false }, concurrentUse: { windowMinutes: 10 } });
      const { secret } = await h.key('windsurf-pc');
      const home = await h.connect(secret, HOME);
      const away = await h.connect(secret, ELSEWHERE);
      for (let i = 0; i < 4; i++) {
        await home.call('list_projects');
        await away.call('list_projects');
      }
      expect((await h.alerts()).map((a) => a.rule)).toEqual(['concurrent_use']);
      h.server.clock.advance(11 * 60_000);
      await home.call('list_projects');
      expect((await h.alerts()).length).toBe(1);
      await away.call('list_projects');
      expect((await h.alerts()).length).toBe(2);
    });

    it('a rule switched off raises nothing; the same use with it on does', async () => {
      await h.rules({ newNetwork: { enabled: false }, concurrentUse: { enabled: false } });
      const { secret } = await h.key('vscode-box');
      await settle(secret);
      await (await h.connect(secret, ELSEWHERE)).call('list_projects');
      expect(await h.alerts()).toEqual([]);
    });

    it('the contain action contains the key through the incident service', async () => {
      await h.rules({ newNetwork: { action: 'contain' }, concurrentUse: { enabled: false } });
      const { secret, id } = await h.key('continue-box');
      await settle(secret);
      const away = await h.connect(secret, ELSEWHERE);
      await away.call('list_projects');
      expect((await h.alerts())[0]!.action).toBe('contain');
      expect((await h.keyRecord(id))?.revokedAt).not.toBeNull();
      expect((await h.events('incident.contained')).length).toBe(1);
      expect(await away.call('list_projects').catch((e: Error) => ({ error: e.message }))).toMatchObject({
        error: expect.stringMatching(/401|revoked/),
      });
    });
  });
}
