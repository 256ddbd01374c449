/**
 * The Activity service (the audit viewer the console and the CLI share) on SQLite and
 * PostgreSQL: role scoping, every filter (an address block too), keyset paging with MAC'd
 * cursors, and an event's detail. Security tests are named after the attack they stop.
 */
import { expect, it } from 'vitest';
import { OPERATOR } from '../../src/audit/index.js';
import type { AuditEvent } from '../../src/model/index.js';
import { allPages, createActivityFixture } from '../support/activity-fixture.js';
import { glued, UNSAFE_CLASSES } from '../support/control-characters.js';
import { rejection } from '../support/errors.js';
import { describeEachStore } from '../support/stores.js';

const ids = (events: readonly AuditEvent[]) => events.map((e) => e.id);
const newestFirst = (events: readonly AuditEvent[]) => [...events].reverse();

describeEachStore('activity: scope and filters', (current) => {
  it('shows owners, admins and the operator the whole workspace, and members and viewers only their own events', async () => {
    const f = await createActivityFixture(current());
    const everything = ids(newestFirst(f.events));
    for (const viewer of [f.as(f.members.owner), f.as(f.members.admin), OPERATOR]) {
      expect(ids(await allPages(f.activity, viewer, { limit: 7, workspace: 'acme' }))).toEqual(everything);
    }
    for (const m of [f.members.member, f.members.viewer]) {
      const own = newestFirst(f.events.filter((e) => e.memberId === m.id));
      expect(own.length).toBeGreaterThan(0);
      expect(ids(await allPages(f.activity, f.as(m), { limit: 4 }))).toEqual(ids(own));
      const page = await f.activity.page(f.as(m), {});
      expect([...page.members.keys()]).toEqual([m.id]);
    }
  });

  it("refuses to show a member another member's events through the member filter, without saying they exist", async () => {
    const f = await createActivityFixture(current());
    const asMember = f.as(f.members.member);
    for (const member of [f.members.owner.email, f.members.owner.id, 'nobody@acme.test']) {
      expect((await f.activity.page(asMember, { member })).events).toEqual([]);
    }
    const own = await f.activity.page(asMember, { member: f.members.member.email });
    expect(own.events.length).toBeGreaterThan(0);
  });

  it('filters by tool, action, outcome, exact address, address block, member and time range', async () => {
    const f = await createActivityFixture(current());
    const at = (i: number) => f.events[i]!.occurredAt;
    const inV4Block = (ip: string | null) =>
      ip === '203.0.113.7' || ip === '203.0.113.200' || ip === '::ffff:203.0.113.9';
    const cases: [Record<string, string>, (e: AuditEvent) => boolean][] = [
      [{ tool: 'update_task' }, (e) => e.tool === 'update_task'],
      [{ outcome: 'denied' }, (e) => e.outcome === 'denied'],
      [{ ip: '198.51.100.2' }, (e) => e.ip === '198.51.100.2'],
      [{ ip: '203.0.113.0/24' }, (e) => inV4Block(e.ip)],
      [{ ip: '2001:db8::/32' }, (e) => e.ip === '2001:db8::1'],
      [{ member: f.members.viewer.email }, (e) => e.memberId === f.members.viewer.id],
      [{ since: at(10), until: at(20) }, (e) => e.occurredAt >= at(10) && e.occurredAt < at(20)],
      [
        { since: '12m' },
        (e) => e.occurredAt >= new Date(f.clock.now().getTime() - 12 * 60_000).toISOString(),
      ],
      [
        { tool: 'get_task', ip: '203.0.113.0/25', outcome: 'ok' },
        (e) =>
          e.tool === 'get_task' &&
          e.outcome === 'ok' &&
          (e.ip === '203.0.113.7' || e.ip === '::ffff:203.0.113.9'),
      ],
    ];
    for (const [input, matches] of cases) {
      const expected = newestFirst(f.events.filter(matches));
      expect(expected.length, JSON.stringify(input)).toBeGreaterThan(0);
      expect(expected.length, JSON.stringify(input)).toBeLessThan(f.events.length);
      const seen = await allPages(f.activity, OPERATOR, { ...input, workspace: 'acme', limit: 3 });
      expect(ids(seen), JSON.stringify(input)).toEqual(ids(expected));
    }
    expect((await f.activity.page(OPERATOR, { workspace: 'acme', action: 'key.revoked' })).events).toEqual(
      [],
    );
  });

  it('refuses a filter glued to other characters or holding a control character, naming the field, and writes nothing', async () => {
    const f = await createActivityFixture(current());
    const before = await allPages(f.activity, OPERATOR, { workspace: 'acme', limit: 1000 });
    const refusals: [Record<string, string>, string][] = [
      [{ tool: 'update_task;delete_task' }, 'tool'],
      [{ tool: 'update_task x' }, 'tool'],
      [{ action: "mcp.tool_called' or 1=1" }, 'action'],
      [{ outcome: 'ok,denied' }, 'outcome'],
      [{ ip: '203.0.113.7,198.51.100.2' }, 'ip'],
      [{ ip: '203.0.113.0/24x' }, 'ip'],
      [{ ip: '203.0.113.0/33' }, 'ip'],
      [{ member: 'member@acme.test owner@acme.test' }, 'member'],
      [{ key: 'cursor-laptop%' }, 'key'],
      [{ since: '24hours' }, 'since'],
      [{ until: '2026-02-30T00:00:00Z' }, 'until'],
    ];
    for (const [name, c] of Object.entries(UNSAFE_CLASSES)) {
      const variants = glued(c);
      refusals.push([{ tool: `update_task${c}` }, 'tool'], [{ member: `member@acme.test${c}` }, 'member']);
      refusals.push([{ ip: `${c}203.0.113.7` }, 'ip'], [{ since: `24h${c}` }, 'since']);
      refusals.push([{ key: variants.middle }, 'key']);
      expect(name).toBeTruthy();
    }
    for (const [input, field] of refusals) {
      const error = await rejection(f.activity.page(OPERATOR, { workspace: 'acme', ...input }));
      expect([JSON.stringify(input), error.code]).toEqual([JSON.stringify(input), 'invalid_input']);
      expect(
        error.fields.map((i) => i.field),
        JSON.stringify(input),
      ).toEqual([field]);
      const exported = await rejection(f.activity.export(OPERATOR, { workspace: 'acme', ...input }, 'csv'));
      expect(exported.code).toBe('invalid_input');
    }
    expect(ids(await allPages(f.activity, OPERATOR, { workspace: 'acme', limit: 1000 }))).toEqual(
      ids(before),
    );
  });
});

describeEachStore('activity: cursors', (current) => {
  it('refuses a forged, altered or truncated cursor as invalid_input, never a 500', async () => {
    const f = await createActivityFixture(current());
    const owner = f.as(f.members.owner);
    const { nextCursor } = await f.activity.page(owner, { limit: 5 });
    expect(nextCursor).toMatch(/^evt_[0-9A-Z]{26}\.[A-Za-z0-9_-]{22}$/);
    const cursor = nextCursor!;
    const [id, mac] = cursor.split('.') as [string, string];
    const flip = (text: string, at: number) =>
      text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
    const forged = [
      f.events[3]!.id, // a bare event id: the old cursor format, and the easiest forgery
      `${f.events[3]!.id}.${mac}`, // another event under the same MAC
      `${id}.${flip(mac, 0)}`,
      `${flip(id, id.length - 1)}.${mac}`,
      cursor.slice(0, -1),
      `${cursor}A`,
      `${cursor}\u0000`,
      `${cursor}' or 1=1 --`,
      '',
      'x'.repeat(5000),
    ];
    for (const bad of forged) {
      const error = await rejection(f.activity.page(owner, { limit: 5, cursor: bad }));
      expect([bad.slice(0, 60), error.code]).toEqual([bad.slice(0, 60), 'invalid_input']);
      expect(error.fields.map((i) => i.field)).toEqual(['cursor']);
    }
    expect((await f.activity.page(owner, { limit: 5, cursor })).events).toHaveLength(5);
  });

  it("refuses another workspace's, another viewer's or another filter's cursor instead of paging into its view", async () => {
    const f = await createActivityFixture(current());
    const owner = f.as(f.members.owner);
    const ownerCursor = (await f.activity.page(owner, { limit: 2 })).nextCursor!;
    const otherCursor = (await f.activity.page(f.as(f.otherOwner), { limit: 1 })).nextCursor!;
    const toolCursor = (await f.activity.page(owner, { limit: 2, tool: 'get_task' })).nextCursor!;
    const attempts: [typeof owner, Record<string, string>][] = [
      [owner, { cursor: otherCursor }],
      [f.as(f.otherOwner), { cursor: ownerCursor }],
      [f.as(f.members.member), { cursor: ownerCursor }],
      [f.as(f.members.admin), { cursor: ownerCursor }],
      [owner, { cursor: toolCursor }],
      [owner, { cursor: ownerCursor, tool: 'get_task' }],
    ];
    for (const [viewer, input] of attempts) {
      const error = await rejection(f.activity.page(viewer, { limit: 2, ...input }));
      expect(error.code).toBe('invalid_input');
      expect(error.fields.map((i) => i.field)).toEqual(['cursor']);
    }
  });
});

describeEachStore('activity: one event', (current) => {
  it("answers not_found when a member or viewer asks for another member's event, as for one that does not exist", async () => {
    const f = await createActivityFixture(current());
    const ownersEvent = f.events.find((e) => e.memberId === f.members.owner.id)!;
    const membersEvent = f.events.find((e) => e.memberId === f.members.member.id)!;
    for (const m of [f.members.member, f.members.viewer]) {
      const error = await rejection(f.activity.event(f.as(m), ownersEvent.id));
      expect([error.code, error.publicMessage]).toEqual(['not_found', `no event ${ownersEvent.id}`]);
    }
    const missing = 'evt_01ZZZZZZZZZZZZZZZZZZZZZZZZ';
    expect((await rejection(f.activity.event(f.as(f.members.member), missing))).publicMessage).toBe(
      `no event ${missing}`,
    );
    expect((await f.activity.event(f.as(f.members.member), membersEvent.id)).event.id).toBe(membersEvent.id);
    expect((await f.activity.event(f.as(f.members.admin), ownersEvent.id)).event.id).toBe(ownersEvent.id);
  });

  it("answers not_found for another workspace's event, even to its owner", async () => {
    const f = await createActivityFixture(current());
    const error = await rejection(f.activity.event(f.as(f.members.owner), f.otherEvents[0]!.id));
    expect(error.code).toBe('not_found');
  });

  it('refuses an event id glued to other characters or holding a control character', async () => {
    const f = await createActivityFixture(current());
    const id = f.events[0]!.id;
    for (const bad of [`${id}x`, `${id}\u202e`, `${id};`, `../${id}`, 'evt_nope', '']) {
      const error = await rejection(f.activity.event(f.as(f.members.owner), bad));
      expect([bad, error.code]).toEqual([bad, 'invalid_input']);
      expect(error.fields.map((i) => i.field)).toEqual(['id']);
    }
  });

  it("shows an event's arguments, result, field diff, client, links and its verifying place in the chain", async () => {
    const f = await createActivityFixture(current());
    const task = 'tsk_01JAAAAAAAAAAAAAAAAAAAAAAA';
    const written = await f.audit.record(current(), {
      workspaceId: f.workspace.id,
      action: 'mcp.tool_called',
      tool: 'update_task',
      outcome: 'ok',
      memberId: f.members.member.id,
      credentialId: 'key_01JAAAAAAAAAAAAAAAAAAAAAAA',
      credentialName: 'cursor-work-laptop',
      ip: '203.0.113.7',
      clientName: 'cursor',
      clientVersion: '1.2.0',
      confirmation: 'act_01JAAAAAAAAAAAAAAAAAAAAAAA',
      params: { task: 'APO-1', title: 'New title' },
      result: { id: task, version: 3 },
      changes: [
        {
          kind: 'task',
          op: 'update',
          id: task,
          ref: 'APO-1',
          before: { title: 'Old title', status: 'todo', version: 2 },
          after: { title: 'New title', status: 'todo', version: 3 },
          beforeVersion: 2,
          afterVersion: 3,
        },
      ],
    });
    const detail = await f.activity.event(f.as(f.members.member), written.id);
    expect(detail.arguments).toEqual({ task: 'APO-1', title: 'New title' });
    expect(detail.result).toEqual({ id: task, version: 3 });
    expect(detail.changes[0]!.fields).toEqual([{ field: 'title', before: 'Old title', after: 'New title' }]);
    expect(detail.client).toMatchObject({ description: 'client "cursor 1.2.0"', ip: '203.0.113.7' });
    expect(detail.member?.email).toBe('member@acme.test');
    expect(detail.links).toMatchObject({
      key: 'key_01JAAAAAAAAAAAAAAAAAAAAAAA',
      tasks: [task],
      action: 'act_01JAAAAAAAAAAAAAAAAAAAAAAA',
    });
    expect(detail.chain).toEqual({
      chain: f.workspace.id,
      seq: f.events.length + 1,
      hash: written.hash,
      prevHash: f.events.at(-1)!.hash,
      linkVerifies: true,
      problem: null,
      // Written after the last checkpoint: not signed yet.
      checkpoint: expect.objectContaining({ seq: f.events.length, covers: false }),
    });
    const first = await f.activity.event(OPERATOR, f.events[0]!.id, 'acme');
    expect(first.chain).toMatchObject({
      seq: 1,
      prevHash: '0'.repeat(64),
      linkVerifies: true,
      checkpoint: { covers: true },
    });
  });
});
