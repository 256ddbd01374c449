/**
 * Each item of the security checklist on both stores, passing on a tidy workspace and failing
 * (or warning) on one built to break it: keys made through the key service, their use and
 * the audit verifications written through the audit log.
 */
import { expect, it } from 'vitest';
import { createChecklistService } from '../../src/admin/index.js';
import { createChecklistFixture, DAY_MS } from '../support/checklist-fixture.js';
import { describeEachStore } from '../support/stores.js';

describeEachStore('security checklist items', (current) => {
  it('passes separate-keys when each key serves one client, and fails naming a key two clients share', async () => {
    const f = await createChecklistFixture(current());
    const cursor = await f.key('cursor-work-laptop');
    const claude = await f.key('claude-desktop-home');
    await f.used(cursor, { ip: '203.0.113.5', client: 'Cursor' });
    await f.used(claude, { ip: '203.0.113.5', client: 'Claude Desktop' });
    expect(await f.item('separate-keys')).toMatchObject({ status: 'pass', keys: [] });

    await f.used(cursor, { ip: '203.0.113.5', client: 'Claude Desktop' });
    const shared = await f.item('separate-keys');
    expect(shared).toMatchObject({ status: 'fail', keys: [{ id: cursor.id, name: 'cursor-work-laptop' }] });
    expect(shared.finding).toBe(
      '1 key used by several clients: "cursor-work-laptop" ("Claude Desktop", "Cursor"); give each client its own key',
    );
    expect(shared.fix).toBe(`/admin/keys/${cursor.id}`);
  });

  it('passes one-machine-per-key for one address, and warns naming a key seen from two', async () => {
    const f = await createChecklistFixture(current());
    const k = await f.key('cursor-work-laptop');
    await f.used(k, { ip: '203.0.113.5', client: 'Cursor' });
    await f.used(k, { ip: '203.0.113.5', client: 'Cursor' });
    expect((await f.item('one-machine-per-key')).status).toBe('pass');

    await f.used(k, { ip: '198.51.100.7', client: 'Cursor' });
    const roaming = await f.item('one-machine-per-key');
    expect(roaming.status).toBe('warn');
    expect(roaming.finding).toContain('"cursor-work-laptop" (2 addresses)');
  });

  it('ignores uses older than the usage window', async () => {
    const f = await createChecklistFixture(current());
    const k = await f.key('cursor-work-laptop');
    await f.used(k, { ip: '198.51.100.7', client: 'Claude Desktop' });
    f.clock.advance(31 * DAY_MS);
    await f.used(k, { ip: '203.0.113.5', client: 'Cursor' });
    expect((await f.item('separate-keys')).status).toBe('pass');
    expect((await f.item('one-machine-per-key')).status).toBe('pass');
  });

  it('reads the usage window page by page, and says so when it holds more than it reads', async () => {
    const store = current();
    const f = await createChecklistFixture(store);
    const k = await f.key('cursor-work-laptop');
    for (const ip of ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4', '203.0.113.5']) {
      await f.used(k, { ip, client: 'Cursor' });
    }
    const reading = (maxEvents: number) =>
      createChecklistService({
        store,
        clock: f.clock,
        policyFor: (w) => f.policy.forWorkspace(w),
        usageReads: { pageSize: 2, maxEvents },
      }).evaluate('acme', null);
    const all = await reading(100);
    expect(all.usageCapped).toBe(false);
    expect(all.items.find((i) => i.id === 'one-machine-per-key')?.finding).toContain('(5 addresses)');
    const newest = await reading(4);
    expect(newest.usageCapped).toBe(true);
    expect(newest.items.find((i) => i.id === 'one-machine-per-key')?.finding).toContain('(4 addresses)');
  });

  it('passes descriptive-names for <client>-<machine> names, warns on a generic one, fails on a broken one', async () => {
    const f = await createChecklistFixture(current());
    const good = await f.key('cursor-work-laptop');
    expect((await f.item('descriptive-names')).status).toBe('pass');

    const generic = await f.key('api-key-2');
    const vague = await f.item('descriptive-names');
    expect(vague).toMatchObject({ status: 'warn', keys: [{ id: generic.id }] });
    expect(vague.finding).toBe('1 key name no client or machine: "api-key-2"');

    const broken = await f.legacyKey(good, { name: 'My Laptop Key' });
    const bad = await f.item('descriptive-names');
    expect(bad.status).toBe('fail');
    expect(bad.keys.map((k) => k.id)).toEqual([broken.id, generic.id]);
    expect(bad.finding).toContain('"My Laptop Key" (try "my-laptop-key")');
  });

  it('passes rotation for fresh keys, warns a week before the policy, fails once overdue', async () => {
    const f = await createChecklistFixture(current());
    const k = await f.key('cursor-work-laptop');
    expect(await f.item('rotation')).toMatchObject({ status: 'pass', title: 'Keys rotated within 90 days' });
    f.clock.advance(85 * DAY_MS);
    expect(await f.item('rotation')).toMatchObject({ status: 'warn', keys: [{ id: k.id }] });
    // A key outlives the policy only if it predates it (the key service caps expiry at it).
    const old = await f.legacyKey(k, {
      name: 'claude-desktop-home',
      createdAt: new Date(f.clock.now().getTime() - 100 * DAY_MS).toISOString(),
      expiresAt: new Date(f.clock.now().getTime() + 100 * DAY_MS).toISOString(),
    });
    const overdue = await f.item('rotation');
    expect(overdue.status).toBe('fail');
    expect(overdue.keys.map((r) => r.id)).toEqual([old.id, k.id]);
    expect(overdue.finding).toBe(
      '1 key overdue for rotation (policy: 90 days): "claude-desktop-home"; 1 key due within a week: "cursor-work-laptop"',
    );
    // Rotated: the successor is fresh and the replaced key, in its grace, is not judged.
    await f.keys.rotate('acme', k.id, { graceHours: 1 });
    await f.keys.revoke('acme', old.id);
    expect((await f.item('rotation')).status).toBe('pass');
  });

  it("judges a key rotated out, in its grace, only by its use: its name is its successor's", async () => {
    const f = await createChecklistFixture(current());
    const old = await f.key('api-key-1');
    const next = await f.keys.rotate('acme', old.id, { graceHours: 24 });
    await f.used(old, { ip: '203.0.113.5', client: 'Cursor' });
    await f.used(old, { ip: '198.51.100.7', client: 'Cursor' });
    expect((await f.item('descriptive-names')).keys).toEqual([{ id: next.key.id, name: 'api-key-1' }]);
    expect((await f.item('one-machine-per-key')).keys).toEqual([{ id: old.id, name: 'api-key-1' }]);
  });

  it('passes confirm-writes under the production defaults, fails when every tier is none, passes for read-only keys', async () => {
    const f = await createChecklistFixture(current());
    const writer = await f.key('cursor-work-laptop', { preset: 'standard' });
    expect(await f.item('confirm-writes')).toMatchObject({ status: 'pass', fix: '/admin/policy' });

    await f.policy.set(f.owner.id, 'acme', { create: 'none' });
    expect(await f.item('confirm-writes')).toMatchObject({ status: 'warn', keys: [{ id: writer.id }] });

    await f.policy.set(f.owner.id, 'acme', { update: 'none', delete: 'none', bulk: 'none' });
    const open = await f.item('confirm-writes');
    expect(open.status).toBe('fail');
    expect(open.finding).toBe(
      'create, update, delete, bulk run without confirmation for 1 write-capable key: "cursor-work-laptop"',
    );

    await f.keys.revoke('acme', writer.id);
    await f.key('claude-desktop-home', { preset: 'standard', readOnly: true });
    await f.key('cursor-ci-runner', { preset: 'standard', dryRunOnly: true });
    expect((await f.item('confirm-writes')).status).toBe('pass');
  });

  it('passes confirm-writes in a development workspace, where the production rule does not apply', async () => {
    const f = await createChecklistFixture(current(), 'development');
    await f.key('cursor-work-laptop', { preset: 'standard' });
    const item = await f.item('confirm-writes');
    expect(item.status).toBe('pass');
    expect(item.finding).toContain('a development workspace');
  });

  it('fails audit-verified before any verification, passes after one, warns after a week, fails on damage', async () => {
    const f = await createChecklistFixture(current());
    expect(await f.item('audit-verified')).toMatchObject({
      status: 'fail',
      finding: 'the audit chain has never been verified',
      fix: '/admin/activity',
    });
    await f.verified(true);
    const fresh = await f.item('audit-verified');
    expect(fresh.status).toBe('pass');
    expect(fresh.finding).toContain(`by "${f.admin.id}"`);
    f.clock.advance(8 * DAY_MS);
    expect((await f.item('audit-verified')).finding).toMatch(/^last verified 8 days ago/);
    await f.verified(false, null);
    expect((await f.item('audit-verified')).finding).toMatch(/by the command line, found damage$/);
  });

  it('takes the verification from a port when one is given', async () => {
    const store = current();
    const f = await createChecklistFixture(store);
    const checklist = createChecklistService({
      store,
      clock: f.clock,
      policyFor: (w) => f.policy.forWorkspace(w),
      lastVerification: async () => ({ at: f.clock.now().toISOString(), by: f.owner.id, ok: true }),
    });
    const item = (await checklist.evaluate('acme', null)).items.find((i) => i.id === 'audit-verified');
    expect(item?.status).toBe('pass');
  });

  it('passes environments-separated for production names, warns on a dev-named key, fails on a development key', async () => {
    const f = await createChecklistFixture(current());
    const k = await f.key('cursor-work-laptop');
    await f.used(k, { ip: '203.0.113.5', client: 'Cursor' });
    expect((await f.item('environments-separated')).status).toBe('pass');

    const dev = await f.key('cursor-dev-box');
    const warned = await f.item('environments-separated');
    expect(warned).toMatchObject({ status: 'warn', keys: [{ id: dev.id }] });
    expect(warned.finding).toContain('named or used as non-production: "cursor-dev-box"');

    const stray = await f.legacyKey(k, { name: 'claude-desktop-home', environment: 'development' });
    const failed = await f.item('environments-separated');
    expect(failed.status).toBe('fail');
    expect(failed.finding).toMatch(
      /^1 key made for another environment than production: "claude-desktop-home" \(development\)/,
    );
    expect(failed.keys[0]?.id).toBe(stray.id);
  });

  it('fails idle-full-scope for a full production key unused for 30 days, and passes once it is used', async () => {
    const f = await createChecklistFixture(current());
    const full = await f.key('cursor-work-laptop', { preset: 'full' });
    await f.key('claude-desktop-home', { preset: 'standard' });
    expect((await f.item('idle-full-scope')).status).toBe('pass');
    f.clock.advance(30 * DAY_MS);
    const idle = await f.item('idle-full-scope');
    expect(idle).toMatchObject({ status: 'fail', keys: [{ id: full.id, name: 'cursor-work-laptop' }] });
    await current().apiKeys.recordUse(full.id, {
      at: f.clock.now().toISOString(),
      ip: '203.0.113.5',
      client: 'Cursor',
    });
    expect((await f.item('idle-full-scope')).status).toBe('pass');
  });

  it('shows what no server can check as advice linking the guide, never as a pass', async () => {
    const f = await createChecklistFixture(current());
    const result = await f.checklist.evaluate('acme', null);
    const advice = result.items.filter((i) => i.status === 'advice');
    expect(advice.map((i) => i.id)).toEqual([
      'revoke-when-compromised',
      'never-commit-keys',
      'store-keys-securely',
      'monitor-usage',
    ]);
    for (const item of advice) expect(item.fix).toBe(`docs/checklist.md#${item.id}`);
    expect(result.summary).toEqual({ pass: 7, warn: 0, fail: 1, advice: 4 });
  });
});
