/**
 * Task services on both stores: validation that changes nothing, role rules, optimistic
 * concurrency that says what changed, the trash, and cursor pagination.
 */
import { expect, it } from 'vitest';
import { createDomainFixture } from '../support/domain-fixture.js';
import { rejection } from '../support/errors.js';
import { describeEachStore } from '../support/stores.js';

describeEachStore('tasks', (current) => {
  it('creates a task with the next human key, version 1 and who/what created it', async () => {
    const { domain, members, actor } = await createDomainFixture(current());
    const a = await domain.tasks.create(actor(members.member, 'mcp', 'cursor-work-laptop'), {
      project: 'APO',
      title: '  Follow up with Acme Corp  ',
      assignee: 'member@acme.test',
      dueDate: '2026-11-30',
      labels: ['customer', 'customer', 'bug'],
    });
    const b = await domain.tasks.create(actor(members.owner), { project: 'apo', title: 'Second' });
    expect(a).toMatchObject({
      key: 'APO-1',
      title: 'Follow up with Acme Corp',
      status: 'todo',
      priority: 'none',
      assigneeId: members.member.id,
      labels: ['bug', 'customer'],
      version: 1,
      createdVia: 'mcp',
      createdBy: members.member.id,
    });
    expect(b.key).toBe('APO-2');
    expect(await domain.tasks.get(actor(members.viewer), 'APO-1')).toEqual(a);
    expect(await domain.tasks.get(actor(members.viewer), a.id)).toEqual(a);
  });

  it('changes nothing when the assignee is unknown', async () => {
    const store = current();
    const { domain, members, actor, workspace } = await createDomainFixture(store);
    const error = await rejection(
      domain.tasks.create(actor(members.owner), { project: 'APO', title: 'x', assignee: 'ghost@acme.test' }),
    );
    expect(error.code).toBe('invalid_input');
    expect(error.fields).toEqual([
      { field: 'assignee', message: 'no member ghost@acme.test in this workspace' },
    ]);
    expect(await store.tasks.list(workspace.id, {}, { limit: 10 })).toEqual([]);
    // The failed create did not even consume a task number.
    expect((await domain.tasks.create(actor(members.owner), { project: 'APO', title: 'y' })).key).toBe(
      'APO-1',
    );
  });

  it('names every invalid field at once', async () => {
    const { domain, members, actor } = await createDomainFixture(current());
    const error = await rejection(
      domain.tasks.create(actor(members.owner), {
        project: 'APO',
        title: '',
        status: 'finished' as 'done',
        dueDate: '2026-02-30',
        labels: ['Not A Label'],
      }),
    );
    expect(error.code).toBe('invalid_input');
    expect(error.fields.map((f) => f.field).sort()).toEqual(['dueDate', 'labels.0', 'status', 'title']);
    expect(error.publicMessage).toContain('title: must be 1-200 characters');
  });

  it('refuses unknown fields instead of ignoring them', async () => {
    const { domain, members, actor } = await createDomainFixture(current());
    const input = { project: 'APO', title: 'x', workspaceId: 'wsp_other' } as unknown as {
      project: string;
      title: string;
    };
    const error = await rejection(domain.tasks.create(actor(members.owner), input));
    expect(error.code).toBe('invalid_input');
  });

  it('lets a viewer read but never write', async () => {
    const { domain, members, actor } = await createDomainFixture(current());
    const task = await domain.tasks.create(actor(members.owner), { project: 'APO', title: 'x' });
    const viewer = actor(members.viewer);
    expect((await domain.tasks.get(viewer, task.key)).id).toBe(task.id);
    const attempts = [
      () => domain.tasks.create(viewer, { project: 'APO', title: 'y' }),
      () => domain.tasks.update(viewer, task.key, { title: 'y' }),
      () => domain.tasks.delete(viewer, task.key),
      () => domain.comments.add(viewer, { task: task.key, body: 'hi' }),
      () => domain.timeEntries.log(viewer, { task: task.key, date: '2026-11-01', minutes: 5 }),
    ];
    for (const attempt of attempts) expect((await rejection(attempt())).code).toBe('forbidden');
    expect((await domain.tasks.get(viewer, task.key)).version).toBe(1);
  });

  it('hides projects a member does not belong to as not_found, never forbidden', async () => {
    const { domain, members, actor } = await createDomainFixture(current());
    const web = await domain.tasks.create(actor(members.owner), { project: 'WEB', title: 'secret' });
    const member = actor(members.member);
    expect((await rejection(domain.tasks.get(member, web.key))).code).toBe('not_found');
    expect((await rejection(domain.tasks.get(member, web.id))).code).toBe('not_found');
    expect((await rejection(domain.tasks.create(member, { project: 'WEB', title: 'x' }))).code).toBe(
      'not_found',
    );
    expect((await domain.tasks.list(member)).items.map((t) => t.key)).toEqual([]);
    expect((await domain.tasks.list(actor(members.admin))).items.map((t) => t.key)).toEqual(['WEB-1']);
  });

  it('never reaches into another workspace', async () => {
    const store = current();
    const acme = await createDomainFixture(store, 'acme');
    const globex = await createDomainFixture(store, 'globex');
    const task = await acme.domain.tasks.create(acme.actor(acme.members.owner), {
      project: 'APO',
      title: 'acme only',
    });
    const intruder = globex.actor(globex.members.owner);
    expect((await rejection(globex.domain.tasks.get(intruder, task.id))).code).toBe('not_found');
    expect((await rejection(globex.domain.tasks.update(intruder, task.id, { title: 'pwned' }))).code).toBe(
      'not_found',
    );
    expect((await acme.domain.tasks.get(acme.actor(acme.members.owner), task.id)).title).toBe('acme only');
  });

  it('refuses a stale version with a conflict that says what changed, by whom, and the current task', async () => {
    const { domain, members, actor, clock } = await createDomainFixture(current());
    const task = await domain.tasks.create(actor(members.owner), { project: 'APO', title: 'Plan' });
    clock.advance(60_000);
    await domain.tasks.update(actor(members.member, 'mcp', 'claude-desktop-macbook-pro'), task.key, {
      version: 1,
      status: 'in_progress',
    });
    await domain.tasks.update(actor(members.owner), task.key, {
      version: 2,
      title: 'Plan v2',
      priority: 'high',
    });
    const error = await rejection(
      domain.tasks.update(actor(members.admin), task.key, { version: 1, title: 'Mine' }),
    );
    expect(error.code).toBe('conflict');
    expect(error.publicMessage).toBe(
      'task APO-1 is at version 3, not 1: status, title, priority changed; read it again and retry',
    );
    expect(error.detail).toMatchObject({
      expectedVersion: 1,
      currentVersion: 3,
      changedFields: ['status', 'title', 'priority'],
      changes: [
        {
          version: 2,
          fields: ['status'],
          by: members.member.id,
          via: 'mcp',
          credential: 'claude-desktop-macbook-pro',
        },
        { version: 3, fields: ['title', 'priority'], by: members.owner.id, via: 'web', credential: null },
      ],
      current: { key: 'APO-1', title: 'Plan v2', version: 3 },
    });
    expect((await domain.tasks.get(actor(members.owner), task.key)).title).toBe('Plan v2');
  });

  it('does not bump the version for an update that changes nothing', async () => {
    const { domain, members, actor } = await createDomainFixture(current());
    const task = await domain.tasks.create(actor(members.owner), {
      project: 'APO',
      title: 'Same',
      labels: ['a', 'b'],
    });
    const same = await domain.tasks.update(actor(members.owner), task.key, {
      title: 'Same',
      labels: ['b', 'a'],
    });
    expect(same.version).toBe(1);
  });

  it('unassigns with null and refuses an assignee outside the project', async () => {
    const { domain, members, actor } = await createDomainFixture(current());
    const owner = actor(members.owner);
    const web = await domain.tasks.create(owner, { project: 'WEB', title: 'x', assignee: members.admin.id });
    expect((await domain.tasks.update(owner, web.key, { assignee: null })).assigneeId).toBeNull();
    const error = await rejection(domain.tasks.update(owner, web.key, { assignee: members.member.email }));
    expect(error.fields).toEqual([
      { field: 'assignee', message: 'member@acme.test is not a member of project WEB' },
    ]);
  });

  it('moves a deleted task to the trash, counts what goes with it, and restores it', async () => {
    const { domain, members, actor } = await createDomainFixture(current());
    const owner = actor(members.owner);
    const task = await domain.tasks.create(owner, { project: 'APO', title: 'Doomed' });
    await domain.comments.add(owner, { task: task.key, body: 'note' });
    await domain.timeEntries.log(owner, { task: task.key, date: '2026-11-01', minutes: 30 });
    const deleted = await domain.tasks.delete(owner, task.key, { version: 1 });
    expect(deleted.dependents).toEqual({ comments: 1, timeEntries: 1 });
    expect(deleted.task.deletedAt).not.toBeNull();
    expect((await rejection(domain.tasks.get(owner, task.key))).publicMessage).toContain('in the trash');
    expect((await domain.tasks.list(owner)).items).toEqual([]);
    expect((await domain.tasks.list(owner, {}, { trash: true })).items.map((t) => t.key)).toEqual(['APO-1']);
    expect((await rejection(domain.tasks.delete(owner, task.key))).code).toBe('conflict');
    const restored = await domain.tasks.restore(owner, task.key);
    expect(restored.task).toMatchObject({ deletedAt: null, version: 3 });
    expect((await domain.tasks.get(owner, task.key)).title).toBe('Doomed');
  });

  it('purges only old trash, and only for owners and admins', async () => {
    const { domain, members, actor, clock } = await createDomainFixture(current());
    const owner = actor(members.owner);
    const task = await domain.tasks.create(owner, { project: 'APO', title: 'Old' });
    await domain.tasks.delete(owner, task.key);
    clock.advance(31 * 86_400_000);
    const cutoff = new Date(clock.now().getTime() - 30 * 86_400_000);
    expect((await rejection(domain.tasks.purgeTrash(actor(members.member), cutoff))).code).toBe('forbidden');
    expect(await domain.tasks.purgeTrash(owner, cutoff)).toBe(1);
    expect((await rejection(domain.tasks.restore(owner, task.key))).code).toBe('not_found');
  });

  it('pages through a filtered list with opaque cursors and rejects a forged one', async () => {
    const { domain, members, actor } = await createDomainFixture(current());
    const owner = actor(members.owner);
    for (let i = 1; i <= 7; i++) {
      await domain.tasks.create(owner, { project: 'APO', title: `T${i}`, status: i % 2 ? 'todo' : 'done' });
    }
    const keys: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await domain.tasks.list(owner, { status: 'todo', limit: 2, ...(cursor && { cursor }) });
      keys.push(...page.items.map((t) => t.key));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(keys).toEqual(['APO-1', 'APO-3', 'APO-5', 'APO-7']);
    const forged = Buffer.from("tsk_' or 1=1 --").toString('base64url');
    const error = await rejection(domain.tasks.list(owner, { cursor: forged }));
    expect(error.fields).toEqual([{ field: 'cursor', message: 'is not a cursor this list returned' }]);
    expect((await rejection(domain.tasks.list(owner, { limit: 500 }))).fields[0]?.field).toBe('limit');
  });

  it('refuses writes to an archived project until it is unarchived', async () => {
    const { domain, members, actor } = await createDomainFixture(current());
    const owner = actor(members.owner);
    await domain.projects.update(owner, 'APO', { archived: true });
    expect((await rejection(domain.tasks.create(owner, { project: 'APO', title: 'x' }))).code).toBe(
      'conflict',
    );
    await domain.projects.update(owner, 'APO', { archived: false });
    expect((await domain.tasks.create(owner, { project: 'APO', title: 'x' })).key).toBe('APO-1');
  });
});
