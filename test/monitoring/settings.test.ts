/**
 * A workspace's monitoring settings on both stores: defaults until changed, a change
 * validated whole (nothing written when any field is wrong), audited with before/after,
 * only by owners and admins, and 50 concurrent changes none of which is lost. Parsed values
 * are kept by their stored text, never in place of reading the row.
 */
import { expect, it } from 'vitest';
import { z } from 'zod';
import { createAuditLog } from '../../src/audit/index.js';
import { AppError, createIdGenerator, createSeededRandom } from '../../src/core/index.js';
import { createMonitoringSettings, type SettingsSection } from '../../src/monitoring/index.js';
import type { Store } from '../../src/storage/index.js';
import { createDomainFixture } from '../support/domain-fixture.js';
import { describeEachStore } from '../support/stores.js';

const SECTION: SettingsSection<{ perMinute: number; enabled: boolean; note: string }> = {
  name: 'example',
  schema: z
    .object({
      perMinute: z
        .number()
        .int('must be a whole number')
        .min(1, 'must be 1-1000')
        .max(1000, 'must be 1-1000')
        .default(60),
      enabled: z.boolean({ message: 'must be true or false' }).default(true),
      note: z.string().max(20, 'must be at most 20 characters').default(''),
    })
    .strict(),
};

async function setup(store: Store) {
  const fixture = await createDomainFixture(store);
  const audit = createAuditLog({
    store,
    clock: fixture.clock,
    ids: createIdGenerator(fixture.clock, createSeededRandom(3)),
  });
  const settings = createMonitoringSettings({ store, audit, clock: fixture.clock });
  const events = async () =>
    (await store.audit.list(fixture.workspace.id, { limit: 500 })).filter(
      (e) => e.action === 'monitoring.settings_changed',
    );
  return { ...fixture, settings, events };
}

describeEachStore('monitoring settings', (current) => {
  it('reads the defaults until a change, then the change, with one audited event naming before and after', async () => {
    const { settings, workspace, members, events } = await setup(current());
    expect(await settings.read(workspace.id, SECTION)).toEqual({ perMinute: 60, enabled: true, note: '' });
    const after = await settings.change(workspace.slug, SECTION, { perMinute: 120 }, members.admin.id);
    expect(after).toEqual({ perMinute: 120, enabled: true, note: '' });
    expect(await settings.read(workspace.id, SECTION)).toEqual(after);
    const [event, ...others] = await events();
    expect(others).toEqual([]);
    expect(event?.memberId).toBe(members.admin.id);
    expect(event?.detail).toEqual({ section: 'example', changes: { perMinute: { before: 60, after: 120 } } });
    // The same value again changes nothing and records nothing.
    await settings.change(workspace.slug, SECTION, { perMinute: 120 }, null);
    expect(await events()).toHaveLength(1);
  });

  it('refuses a bad value and an unknown field, naming each, and writes nothing', async () => {
    const { settings, workspace, events } = await setup(current());
    const error = (await settings
      .change(workspace.slug, SECTION, { perMinute: 0, enabled: 'yes', note: 'x'.repeat(21), limit: 3 }, null)
      .catch((e: unknown) => e)) as AppError;
    expect(error).toBeInstanceOf(AppError);
    expect(error.code).toBe('invalid_input');
    expect(error.fields.map((f) => f.field).sort()).toEqual(['enabled', 'limit', 'note', 'perMinute']);
    expect(error.fields.find((f) => f.field === 'limit')?.message).toBe('is not a setting of this section');
    expect(await settings.read(workspace.id, SECTION)).toEqual({ perMinute: 60, enabled: true, note: '' });
    expect(await events()).toEqual([]);
  });

  it('a member or viewer cannot loosen monitoring (privilege escalation is refused, nothing written)', async () => {
    const { settings, workspace, members, events } = await setup(current());
    for (const who of [members.member, members.viewer]) {
      const error = (await settings
        .change(workspace.slug, SECTION, { enabled: false }, who.id)
        .catch((e: unknown) => e)) as AppError;
      expect(error.code).toBe('forbidden');
    }
    expect((await settings.read(workspace.id, SECTION)).enabled).toBe(true);
    expect(await events()).toEqual([]);
  });

  it('a stored value that no longer parses reads as the defaults instead of failing every call', async () => {
    const store = current();
    const { settings, workspace } = await setup(store);
    await store.monitoringSettings.upsert(workspace.id, {
      section: 'example',
      value: '{"perMinute": "lots"',
      updatedAt: new Date().toISOString(),
      updatedBy: null,
    });
    expect(await settings.read(workspace.id, SECTION)).toEqual({ perMinute: 60, enabled: true, note: '' });
  });

  it('sees a row written by another process at once, though parsed values are kept', async () => {
    const store = current();
    const { settings, workspace } = await setup(store);
    const write = (value: string) =>
      store.monitoringSettings.upsert(workspace.id, {
        section: 'example',
        value,
        updatedAt: new Date().toISOString(),
        updatedBy: null,
      });
    await write('{"perMinute": 5}');
    expect((await settings.read(workspace.id, SECTION)).perMinute).toBe(5);
    // As the command line in another process would: straight to the row, no service involved.
    await write('{"perMinute": 7}');
    expect((await settings.read(workspace.id, SECTION)).perMinute).toBe(7);
    await write('{"perMinute": 5}');
    expect((await settings.read(workspace.id, SECTION)).perMinute).toBe(5);
  });

  it('hands out values no reader can change for the next one (a shared parsed value is frozen)', async () => {
    const { settings, workspace } = await setup(current());
    const first = await settings.read(workspace.id, SECTION);
    expect(() => {
      (first as { perMinute: number }).perMinute = 1000;
    }).toThrow(TypeError);
    expect((await settings.read(workspace.id, SECTION)).perMinute).toBe(60);
  });

  it('loses no change when 50 changes race', async () => {
    const { settings, workspace, events } = await setup(current());
    const values = Array.from({ length: 50 }, (_, i) => i + 1);
    await Promise.all(
      values.map((perMinute, i) =>
        settings.change(workspace.slug, SECTION, i === 0 ? { note: 'first' } : { perMinute }, null),
      ),
    );
    const recorded = await events();
    expect(recorded).toHaveLength(50);
    // Each change's `before` is what the one committed just before it left: none overwritten.
    const ordered = recorded.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
    const state: Record<string, unknown> = { perMinute: 60, enabled: true, note: '' };
    for (const event of ordered) {
      const { changes } = event.detail as { changes: Record<string, { before: unknown; after: unknown }> };
      for (const [field, change] of Object.entries(changes)) {
        expect(change.before).toEqual(state[field]);
        state[field] = change.after;
      }
    }
    expect(await settings.read(workspace.id, SECTION)).toEqual(state);
    expect(state.note).toBe('first');
  });
});
