/**
 * Paging the Activity view both ways (the console's "Older events" and "Newer events"), on
 * SQLite and PostgreSQL: a previous-page cursor walks back over exactly the pages a
 * next-page cursor walked, with an address block too, and neither kind of cursor can be
 * replayed as the other or outside its view.
 */
import { expect, it } from 'vitest';
import type { ActivityService, ActivityViewer } from '../../src/audit/index.js';
import type { AuditEvent } from '../../src/model/index.js';
import { createActivityFixture } from '../support/activity-fixture.js';
import { rejection } from '../support/errors.js';
import { describeEachStore } from '../support/stores.js';

const ids = (events: readonly AuditEvent[]) => events.map((e) => e.id);

/** Every page, older and older, then back, newer and newer: the pages' ids each way. */
async function walk(
  activity: ActivityService,
  viewer: ActivityViewer,
  input: Parameters<ActivityService['page']>[1],
) {
  const forward: string[][] = [];
  const cursors: (string | null)[] = [];
  let page = await activity.page(viewer, input);
  expect(page.prevCursor).toBeNull();
  forward.push(ids(page.events));
  while (page.nextCursor !== null) {
    page = await activity.page(viewer, { ...input, cursor: page.nextCursor });
    forward.push(ids(page.events));
    cursors.push(page.prevCursor);
  }
  const backward: string[][] = [ids(page.events)];
  while (page.prevCursor !== null) {
    page = await activity.page(viewer, { ...input, cursor: page.prevCursor });
    backward.push(ids(page.events));
  }
  return { forward, backward: backward.reverse(), cursors };
}

describeEachStore('activity: paging both ways', (current) => {
  it('walks back over exactly the pages it walked forward, newest first on each', async () => {
    const f = await createActivityFixture(current());
    const owner = f.as(f.members.owner);
    const { forward, backward, cursors } = await walk(f.activity, owner, { limit: 7 });
    expect(forward.flat()).toEqual(ids(f.events).reverse());
    expect(backward).toEqual(forward);
    expect(cursors.every((c) => c !== null)).toBe(true);
  });

  it('walks back within a member scope and an address block', async () => {
    const f = await createActivityFixture(current());
    for (const [viewer, input] of [
      [f.as(f.members.member), { limit: 3 }],
      [f.as(f.members.owner), { limit: 4, ip: '203.0.113.0/24' }],
    ] as const) {
      const { forward, backward } = await walk(f.activity, viewer, input);
      expect(backward).toEqual(forward);
      expect(forward.flat().length).toBeGreaterThan(0);
    }
  });

  it("refuses a previous-page cursor from another view or another member's session", async () => {
    const f = await createActivityFixture(current());
    const owner = f.as(f.members.owner);
    const second = await f.activity.page(owner, {
      limit: 5,
      cursor: (await f.activity.page(owner, { limit: 5 })).nextCursor!,
    });
    const prev = second.prevCursor!;
    const attempts: [ActivityViewer, Record<string, string>][] = [
      [f.as(f.members.member), { cursor: prev }],
      [f.as(f.members.admin), { cursor: prev }],
      [f.as(f.otherOwner), { cursor: prev }],
      [owner, { cursor: prev, tool: 'get_task' }],
      [owner, { cursor: `${prev}\n` }],
      [owner, { cursor: ` ${prev}` }],
    ];
    for (const [viewer, input] of attempts) {
      const error = await rejection(f.activity.page(viewer, { limit: 5, ...input }));
      expect(error.code).toBe('invalid_input');
      expect(error.fields.map((i) => i.field)).toEqual(['cursor']);
    }
    // The same event id as a next-page cursor would go the other way: the MACs differ.
    expect(prev.split('.')[0]).toBe(second.events[0]!.id);
    const next = (await f.activity.page(owner, { limit: 1 })).nextCursor!;
    expect(next.split('.')[1]).not.toBe(prev.split('.')[1]);
  });
});
