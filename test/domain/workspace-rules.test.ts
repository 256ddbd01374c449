/** Workspaces, members, projects, comments and time entries: role rules and validation. */
import { expect, it } from 'vitest';
import { createDomainFixture } from '../support/domain-fixture.js';
import { rejection } from '../support/errors.js';
import { describeEachStore } from '../support/stores.js';

describeEachStore('workspace rules', (current) => {
  it('creates a workspace with its owner and refuses a taken or malformed slug', async () => {
    const { domain, workspace, members } = await createDomainFixture(current());
    expect(workspace).toMatchObject({ slug: 'acme', environment: 'development' });
    expect(members.owner.role).toBe('owner');
    expect((await rejection(domain.workspaces.create({ workspace: 'acme', owner: 'x@y.test' }))).code).toBe(
      'conflict',
    );
    const bad = await rejection(domain.workspaces.create({ workspace: 'Bad Slug!', owner: 'not-an-email' }));
    expect(bad.fields.map((f) => f.field).sort()).toEqual(['owner', 'workspace']);
    expect((await domain.workspaces.list()).map((w) => w.slug)).toEqual(['acme']);
  });

  it('lets only owners and admins add members, and only owners make owners', async () => {
    const { domain, members, actor } = await createDomainFixture(current());
    const add = (who: typeof members.owner, role: 'owner' | 'member') =>
      domain.workspaces.addMember(actor(who), { email: `${who.role}-${role}@acme.test`, role });
    expect((await rejection(add(members.member, 'member'))).code).toBe('forbidden');
    expect((await rejection(add(members.viewer, 'member'))).code).toBe('forbidden');
    expect((await rejection(add(members.admin, 'owner'))).code).toBe('forbidden');
    expect((await add(members.admin, 'member')).role).toBe('member');
    expect((await add(members.owner, 'owner')).role).toBe('owner');
    const duplicate = domain.workspaces.addMember(actor(members.owner), {
      email: 'MEMBER@acme.test',
      role: 'viewer',
    });
    expect((await rejection(duplicate)).code).toBe('conflict');
  });

  it('lets only owners and admins create and change projects', async () => {
    const { domain, members, actor } = await createDomainFixture(current());
    const create = (who: typeof members.owner, key: string) =>
      domain.projects.create(actor(who), { key, name: key });
    expect((await rejection(create(members.member, 'MEM'))).code).toBe('forbidden');
    expect((await rejection(domain.projects.update(actor(members.member), 'APO', { name: 'x' }))).code).toBe(
      'forbidden',
    );
    expect((await create(members.admin, 'ADM')).key).toBe('ADM');
    expect((await rejection(create(members.owner, 'ADM'))).fields).toEqual([
      { field: 'key', message: 'already exists' },
    ]);
    const bad = await rejection(create(members.owner, 'apollo-1'));
    expect(bad.fields[0]?.field).toBe('key');
  });

  it('shows members and viewers only the projects they belong to', async () => {
    const { domain, members, actor } = await createDomainFixture(current());
    expect((await domain.projects.list(actor(members.member))).map((p) => p.key)).toEqual(['APO']);
    expect((await domain.projects.list(actor(members.admin))).map((p) => p.key)).toEqual(['APO', 'WEB']);
    expect((await rejection(domain.projects.get(actor(members.viewer), 'WEB'))).code).toBe('not_found');
    await domain.projects.addMember(actor(members.owner), 'WEB', members.viewer.email);
    expect((await domain.projects.get(actor(members.viewer), 'WEB')).key).toBe('WEB');
  });

  it('records the channel and credential name on a comment', async () => {
    const { domain, members, actor } = await createDomainFixture(current());
    const task = await domain.tasks.create(actor(members.owner), { project: 'APO', title: 'x' });
    const comment = await domain.comments.add(actor(members.member, 'mcp', 'cursor-work-laptop'), {
      task: task.key,
      body: 'Updated via MCP',
    });
    expect(comment).toMatchObject({
      via: 'mcp',
      credentialName: 'cursor-work-laptop',
      authorId: members.member.id,
    });
    expect((await domain.comments.list(actor(members.viewer), { task: task.key })).items).toEqual([comment]);
    expect(
      (await rejection(domain.comments.add(actor(members.owner), { task: task.key, body: '   ' }))).fields[0]
        ?.field,
    ).toBe('body');
  });

  it('validates time entries: whole minutes within a day, a real date, not in the future', async () => {
    const { domain, members, actor } = await createDomainFixture(current());
    const owner = actor(members.owner);
    const task = await domain.tasks.create(owner, { project: 'APO', title: 'x' });
    const log = (minutes: number, date = '2026-11-01') =>
      domain.timeEntries.log(owner, { task: task.key, date, minutes });
    expect((await rejection(log(0))).fields[0]?.field).toBe('minutes');
    expect((await rejection(log(1441))).fields[0]?.field).toBe('minutes');
    expect((await rejection(log(1.5))).fields[0]?.field).toBe('minutes');
    expect((await rejection(log(30, '2026-11-31'))).fields[0]?.field).toBe('date');
    expect((await rejection(log(30, '2026-11-03'))).fields).toEqual([
      { field: 'date', message: 'must not be in the future' },
    ]);
    const entry = await log(90);
    expect(entry).toMatchObject({ minutes: 90, billable: false, memberId: members.owner.id });
  });

  it('lists time entries only from projects the reader can see', async () => {
    const { domain, members, actor } = await createDomainFixture(current());
    const owner = actor(members.owner);
    const apo = await domain.tasks.create(owner, { project: 'APO', title: 'a' });
    const web = await domain.tasks.create(owner, { project: 'WEB', title: 'w' });
    await domain.timeEntries.log(owner, { task: apo.key, date: '2026-11-01', minutes: 10 });
    await domain.timeEntries.log(owner, { task: web.key, date: '2026-11-01', minutes: 20 });
    const minutes = async (who: typeof members.owner) =>
      (await domain.timeEntries.list(actor(who))).items.map((e) => e.minutes).sort((x, y) => x - y);
    expect(await minutes(members.owner)).toEqual([10, 20]);
    expect(await minutes(members.viewer)).toEqual([10]);
    expect((await rejection(domain.timeEntries.list(actor(members.viewer), { task: web.key }))).code).toBe(
      'not_found',
    );
  });

  it('confines a credential with a project allow-list to those projects, as if the others did not exist', async () => {
    const { domain, members, actor } = await createDomainFixture(current());
    const owner = actor(members.owner);
    const apo = await domain.tasks.create(owner, { project: 'APO', title: 'visible' });
    const web = await domain.tasks.create(owner, { project: 'WEB', title: 'hidden' });
    await domain.timeEntries.log(owner, { task: web.key, date: '2026-11-01', minutes: 5 });
    const apoProject = await domain.projects.get(owner, 'APO');
    const confined = { ...actor(members.owner, 'mcp', 'cursor-work-laptop'), projectIds: [apoProject.id] };
    expect((await domain.projects.list(confined)).map((p) => p.key)).toEqual(['APO']);
    expect((await domain.tasks.list(confined)).items.map((t) => t.key)).toEqual([apo.key]);
    expect((await domain.tasks.list(confined, { text: 'hidden' })).items).toEqual([]);
    expect((await domain.timeEntries.list(confined)).items).toEqual([]);
    for (const attempt of [
      () => domain.tasks.get(confined, web.key),
      () => domain.tasks.get(confined, web.id),
      () => domain.projects.get(confined, 'WEB'),
      () => domain.tasks.list(confined, { project: 'WEB' }),
      () => domain.tasks.update(confined, web.key, { title: 'pwned' }),
    ]) {
      expect((await rejection(attempt())).code).toBe('not_found');
    }
  });

  it('drops a trashed task’s time from time listings until it is restored', async () => {
    const { domain, members, actor } = await createDomainFixture(current());
    const owner = actor(members.owner);
    const task = await domain.tasks.create(owner, { project: 'APO', title: 'x' });
    await domain.timeEntries.log(owner, { task: task.key, date: '2026-11-01', minutes: 45 });
    await domain.tasks.delete(owner, task.key);
    expect((await domain.timeEntries.list(owner)).items).toEqual([]);
    await domain.tasks.restore(owner, task.key);
    expect((await domain.timeEntries.list(owner)).items.map((e) => e.minutes)).toEqual([45]);
  });
});
