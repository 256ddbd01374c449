import { describe, expect, it } from 'vitest';
import type { KeyChange } from './events.js';
import {
  type ChainLink,
  chainIntact,
  checkRevert,
  fieldsToRestore,
  revertActionOf,
  simulate,
} from './revert-chain.js';

const link = (eventId: string, before: number | null, after: number): ChainLink => ({
  eventId,
  before,
  after,
});

function update(
  eventId: string,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  versions: [number, number],
): KeyChange {
  return {
    kind: 'task',
    op: 'update',
    id: 'tsk_1',
    ref: 'APO-1',
    before: { ...before, version: versions[0] },
    after: { ...after, version: versions[1] },
    beforeVersion: versions[0],
    afterVersion: versions[1],
    eventId,
    at: '2026-11-27T10:00:00.000Z',
    action: 'mcp.tool_called',
    tool: 'update_task',
    confirmation: null,
    approvedBy: null,
  };
}

describe('chainIntact', () => {
  it('holds when only the key changed the object after the change', () => {
    const links = [link('e1', 1, 2), link('e2', 2, 3)];
    expect(chainIntact(links, 'e1', 3)).toBe(true);
    expect(chainIntact(links, 'e2', 3)).toBe(true);
  });

  it('breaks when somebody else changed the object after the change, even between two of the key’s', () => {
    // e1 left version 2; someone made 3; the key's e2 went 3 -> 4.
    const links = [link('e1', 1, 2), link('e2', 3, 4)];
    expect(chainIntact(links, 'e2', 4)).toBe(true);
    expect(chainIntact(links, 'e1', 4)).toBe(false);
    expect(chainIntact(links, 'e2', 5)).toBe(false);
  });

  it('counts revert steps as expected links', () => {
    const links = [link('e1', 1, 2), link('e2', 2, 3), link('r2', 3, 4)];
    expect(chainIntact(links, 'e1', 4)).toBe(true);
  });

  it('breaks for a change that is not in the chain at all', () => {
    expect(chainIntact([link('e1', 1, 2)], 'e9', 2)).toBe(false);
  });
});

describe('revertActionOf', () => {
  it.each([
    ['task', 'create', 'trash'],
    ['project', 'create', 'archive'],
    ['task', 'update', 'restore_fields'],
    ['project', 'update', 'restore_fields'],
    ['task', 'delete', 'restore_from_trash'],
    ['task', 'restore', 'trash_again'],
    ['comment', 'create', 'manual'],
    ['time_entry', 'create', 'manual'],
  ] as const)('undoes a %s %s with %s', (kind, op, action) => {
    expect(revertActionOf({ kind, op, id: 'x' })).toBe(action);
  });
});

describe('checkRevert', () => {
  const change = update(
    'e1',
    { title: 'Old', status: 'todo', labels: [] },
    { title: 'New', status: 'todo', labels: ['x'] },
    [1, 2],
  );
  const links = [link('e1', 1, 2)];
  const state = (values: Record<string, unknown>, version = 2) => ({ version, deletedAt: null, values });

  it('restores only the fields the change changed', () => {
    expect(fieldsToRestore(change)).toEqual({
      title: { now: 'New', restore: 'Old' },
      labels: { now: ['x'], restore: [] },
    });
    expect(
      checkRevert(change, 'restore_fields', state({ title: 'New', status: 'done', labels: ['x'] }), links),
    ).toEqual({ ok: true });
  });

  it('refuses when a field no longer holds what the key left, though the version matches', () => {
    const verdict = checkRevert(change, 'restore_fields', state({ title: 'Other', labels: ['x'] }), links);
    expect(verdict).toMatchObject({
      ok: false,
      changedAfterwards: true,
      reason: expect.stringContaining('title'),
    });
  });

  it('refuses an object changed afterwards, one that is gone, and one in the trash', () => {
    expect(
      checkRevert(change, 'restore_fields', state({ title: 'New', labels: ['x'] }, 3), links),
    ).toMatchObject({
      ok: false,
      changedAfterwards: true,
    });
    expect(checkRevert(change, 'restore_fields', undefined, links)).toMatchObject({
      ok: false,
      changedAfterwards: false,
    });
    const trashed = {
      version: 2,
      deletedAt: '2026-11-27T10:00:00.000Z',
      values: { title: 'New', labels: ['x'] },
    };
    expect(checkRevert(change, 'restore_fields', trashed, links)).toMatchObject({
      ok: false,
      reason: 'APO-1 is in the trash',
    });
  });

  it('plans an older step on top of the simulated state of a newer one', () => {
    const older = update('e1', { title: 'A' }, { title: 'B' }, [1, 2]);
    const newer = update('e2', { title: 'B' }, { title: 'C' }, [2, 3]);
    const chain = [link('e1', 1, 2), link('e2', 2, 3)];
    const now = state({ title: 'C' }, 3);
    expect(checkRevert(newer, 'restore_fields', now, chain)).toEqual({ ok: true });
    const next = simulate(now, newer, 'restore_fields', 'planned');
    expect(next.values.title).toBe('B');
    expect(
      checkRevert(older, 'restore_fields', next, [...chain, { eventId: 'p', before: 3, after: 'planned' }]),
    ).toEqual({ ok: true });
  });
});
