/**
 * `taskgate policy show|set`, `freeze`, `unfreeze` and `trash purge` through the real CLI:
 * defaults per environment, a round trip, bad values that exit 2 and change nothing, and a
 * purge that takes only what is old enough.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIdGenerator, createManualClock, createSeededRandom } from '../../src/core/index.js';
import { createDomain } from '../../src/domain/index.js';
import type { EffectivePolicy } from '../../src/guard/index.js';
import { openStore } from '../../src/storage/index.js';
import { type CliSandbox, createCliSandbox } from '../support/cli.js';

const DAY_MS = 86_400_000;

let sandbox: CliSandbox;
beforeEach(() => {
  sandbox = createCliSandbox();
});
afterEach(() => sandbox.remove());

async function init(env: string, slug = 'acme') {
  const result = await sandbox.run('init', '--workspace', slug, '--owner', `ada@${slug}.test`, '--env', env);
  expect(result.code).toBe(0);
}

async function show(slug = 'acme'): Promise<EffectivePolicy> {
  const result = await sandbox.run('policy', 'show', '--workspace', slug, '--json');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as EffectivePolicy;
}

const set = (...flags: string[]) => sandbox.run('policy', 'set', '--workspace', 'acme', ...flags);

describe('policy show', () => {
  it.each([
    ['production', { create: 'elicit', update: 'elicit', delete: 'approve', bulk: 'approve' }],
    ['staging', { create: 'none', update: 'none', delete: 'token', bulk: 'token' }],
    ['development', { create: 'none', update: 'none', delete: 'none', bulk: 'none' }],
  ])('shows the %s defaults for a new workspace', async (env, tiers) => {
    await init(env);
    const policy = await show();
    expect(policy.tiers).toEqual(tiers);
    expect(policy.tierSource).toEqual({
      create: 'default',
      update: 'default',
      delete: 'default',
      bulk: 'default',
    });
    expect(policy.budget).toEqual({ writes: 60, deletes: 10, windowMinutes: 10 });
    expect(policy.freeze.frozen).toBe(false);
    const human = await sandbox.run('policy', 'show', '--workspace', 'acme');
    expect(human.stdout).toContain(`delete   ${tiers.delete.padEnd(8)} (${env} default)`);
    expect(human.stdout).toContain('freeze:              not frozen');
  });

  it('exits 1 naming a workspace that does not exist', async () => {
    // On a database that exists: a missing database is a different error (exit 2).
    await init('development', 'elsewhere');
    const result = await sandbox.run('policy', 'show', '--workspace', 'nowhere');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('workspace nowhere not found');
  });
});

describe('policy set', () => {
  it('round-trips every setting through show, and resets a tier to the default', async () => {
    await init('production');
    const result = await set(
      ...['--create', 'none', '--update', 'token', '--delete', 'elicit', '--bulk', 'approve'],
      ...['--require-reason', '--require-read-first', '--approver', 'member-or-admin'],
      ...['--write-budget', '30', '--delete-budget', '3', '--budget-window', '1h'],
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('create   none     (set for this workspace)');
    const policy = await show();
    expect(policy).toMatchObject({
      tiers: { create: 'none', update: 'token', delete: 'elicit', bulk: 'approve' },
      tierSource: { create: 'workspace', update: 'workspace', delete: 'workspace', bulk: 'workspace' },
      requireReason: true,
      requireReadFirst: true,
      approver: 'member_or_admin',
      budget: { writes: 30, deletes: 3, windowMinutes: 60 },
    });

    expect((await set('--create', 'default', '--no-require-reason')).code).toBe(0);
    const reset = await show();
    expect(reset.tiers.create).toBe('elicit');
    expect(reset.tierSource.create).toBe('default');
    expect(reset.requireReason).toBe(false);
    expect(reset.requireReadFirst).toBe(true);
  });

  it('exits 2 naming each bad flag and changes nothing', async () => {
    await init('production');
    const before = await show();
    const bad = [
      [['--delete', 'maybe'], 'delete: must be one of none, token, elicit, approve, default'],
      [['--create', 'none', '--write-budget', 'lots'], 'write-budget: must be a whole number'],
      [['--delete-budget', '0'], 'delete-budget: must be 1-10000'],
      [['--budget-window', '2d'], 'budget-window: must be a duration like 24h or 30m'],
      [['--budget-window', '25h'], 'budget-window: must be 1-1440'],
      [['--approver', 'anyone'], 'approver: must be member or member-or-admin'],
      [[], 'policy: name at least one setting to change'],
    ] as const;
    for (const [flags, message] of bad) {
      const result = await set(...flags);
      expect(result.code, flags.join(' ')).toBe(2);
      expect(result.stderr).toContain(message);
    }
    expect(await show()).toEqual(before);
  });
});

describe('freeze and unfreeze', () => {
  it('freezes until a time given as a duration, shows it, and unfreezes', async () => {
    await init('staging');
    const started = Date.now();
    const frozen = await sandbox.run(
      'freeze',
      '--workspace',
      'acme',
      '--until',
      '2h',
      '--reason',
      'incident 42',
    );
    expect(frozen.code).toBe(0);
    expect(frozen.stdout).toMatch(
      /^Froze acme until \S+: every write by every credential is refused; reads go on/,
    );
    const policy = await show();
    expect(policy.freeze).toMatchObject({ frozen: true, reason: 'incident 42', by: null });
    const until = Date.parse(policy.freeze.until ?? '');
    expect(until - started).toBeGreaterThanOrEqual(2 * 3_600_000 - 1000);
    expect(until - started).toBeLessThan(2 * 3_600_000 + 60_000);
    expect((await sandbox.run('policy', 'show', '--workspace', 'acme')).stdout).toContain('FROZEN since');

    expect((await sandbox.run('unfreeze', '--workspace', 'acme')).code).toBe(0);
    expect((await show()).freeze.frozen).toBe(false);
    const again = await sandbox.run('unfreeze', '--workspace', 'acme');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('acme is not frozen');
  });

  it('takes an ISO time for --until and refuses one in the past or a malformed one', async () => {
    await init('production');
    const at = new Date(Date.now() + 3 * DAY_MS).toISOString();
    expect((await sandbox.run('freeze', '--workspace', 'acme', '--until', at)).code).toBe(0);
    expect((await show()).freeze.until).toBe(at);
    expect((await sandbox.run('unfreeze', '--workspace', 'acme')).code).toBe(0);

    const past = await sandbox.run('freeze', '--workspace', 'acme', '--until', '2020-01-01T00:00:00Z');
    expect(past.code).toBe(2);
    expect(past.stderr).toContain('until: must be in the future');
    const malformed = await sandbox.run('freeze', '--workspace', 'acme', '--until', 'soon');
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('until: must be a duration like 2h or 3d');
    expect((await show()).freeze.frozen).toBe(false);
  });
});

describe('trash purge', () => {
  /** Three tasks: one trashed 40 days ago, one trashed 10 days ago, one never trashed. */
  async function seedTrash() {
    await init('production');
    const store = await openStore(sandbox.databaseUrl);
    try {
      const clock = createManualClock(new Date(Date.now() - 40 * DAY_MS));
      const domain = createDomain({ store, clock, ids: createIdGenerator(clock, createSeededRandom(7)) });
      const workspace = (await store.workspaces.findBySlug('acme'))!;
      const owner = (await store.members.list(workspace.id))[0]!;
      const actor = { workspaceId: workspace.id, memberId: owner.id, role: owner.role, via: 'cli' as const };
      await domain.projects.create(actor, { key: 'APO', name: 'Apollo' });
      const old = await domain.tasks.create(actor, { project: 'APO', title: 'Old' });
      const recent = await domain.tasks.create(actor, { project: 'APO', title: 'Recent' });
      await domain.tasks.create(actor, { project: 'APO', title: 'Kept' });
      await domain.tasks.delete(actor, old.id);
      clock.advance(30 * DAY_MS);
      await domain.tasks.delete(actor, recent.id);
      return {
        async remaining() {
          const again = await openStore(sandbox.databaseUrl);
          try {
            const live = await again.tasks.list(workspace.id, {}, { limit: 10 });
            const trashed = await again.tasks.list(workspace.id, { deleted: 'only' }, { limit: 10 });
            return [...live, ...trashed].map((t) => t.title).sort();
          } finally {
            await again.close();
          }
        },
      };
    } finally {
      await store.close();
    }
  }

  it('removes only tasks trashed longer ago than --older-than, and --dry-run removes none', async () => {
    const seeded = await seedTrash();
    const purge = (...extra: string[]) =>
      sandbox.run('trash', 'purge', '--workspace', 'acme', '--older-than', '30d', ...extra);

    const dry = await purge('--dry-run', '--json');
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ workspace: 'acme', count: 1, dryRun: true });
    expect(await seeded.remaining()).toEqual(['Kept', 'Old', 'Recent']);

    const done = await purge();
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/^Purged 1 task trashed before \S+ from acme\./);
    expect(await seeded.remaining()).toEqual(['Kept', 'Recent']);
    expect(JSON.parse((await purge('--json')).stdout)).toMatchObject({ count: 0, dryRun: false });
  });

  it('exits 2 on a malformed --older-than and purges nothing', async () => {
    const seeded = await seedTrash();
    const result = await sandbox.run('trash', 'purge', '--workspace', 'acme', '--older-than', 'a month');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('older-than: must be a duration');
    expect(await seeded.remaining()).toEqual(['Kept', 'Old', 'Recent']);
  });
});
