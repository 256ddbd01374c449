/**
 * The storage contract: the same behaviour on SQLite and PostgreSQL. Anything the domain
 * relies on (tenant scoping, atomic counters, versioned updates, rollback) is pinned here.
 */
import { expect, it } from 'vitest';
import type { Member, Project, Task, Workspace } from '../../src/model/index.js';
import type { Store } from '../../src/storage/index.js';
import { describeEachStore } from '../support/stores.js';

const T0 = '2026-11-02T09:00:00.000Z';
let counter = 0;
const id = (prefix: string) => `${prefix}_01J${String(++counter).padStart(23, '0')}`;

async function seed(store: Store, slug = 'acme') {
  const workspace: Workspace = {
    id: id('wsp'),
    slug,
    name: slug,
    environment: 'development',
    keyRotationDays: 90,
    createdAt: T0,
  };
  await store.workspaces.insert(workspace);
  const member: Member = {
    id: id('mbr'),
    workspaceId: workspace.id,
    email: `a@${slug}.test`,
    name: 'A',
    role: 'owner',
    createdAt: T0,
  };
  await store.members.insert(member);
  const project: Project = {
    id: id('prj'),
    workspaceId: workspace.id,
    key: 'APO',
    name: 'Apollo',
    description: '',
    archived: false,
    createdAt: T0,
    updatedAt: T0,
  };
  await store.projects.insert(project);
  return { workspace, member, project };
}

function newTask(
  ws: Workspace,
  project: Project,
  member: Member,
  number: number,
  extra: Partial<Task> = {},
): Task {
  return {
    id: id('tsk'),
    workspaceId: ws.id,
    projectId: project.id,
    number,
    title: `Task ${number}`,
    description: '',
    status: 'todo',
    priority: 'none',
    assigneeId: null,
    dueDate: null,
    labels: [],
    version: 1,
    createdAt: T0,
    createdBy: member.id,
    createdVia: 'cli',
    updatedAt: T0,
    updatedBy: member.id,
    updatedVia: 'cli',
    deletedAt: null,
    deletedBy: null,
    ...extra,
  };
}

describeEachStore('store contract', (current, kind) => {
  it('reports which database it is', () => {
    expect(current().kind).toBe(kind);
  });

  it('round-trips every field of a task, including labels and nulls', async () => {
    const store = current();
    const { workspace, member, project } = await seed(store);
    const task = newTask(workspace, project, member, 1, {
      labels: ['bug', 'docs'],
      dueDate: '2026-12-01',
      assigneeId: member.id,
    });
    await store.tasks.insert(task);
    expect(await store.tasks.findById(workspace.id, task.id)).toEqual(task);
    expect(await store.tasks.findByProjectKey(workspace.id, project.key, 1)).toEqual({ project, task });
  });

  it('finds a task by its key in one read: the project with or without the task, or nothing', async () => {
    const store = current();
    const { workspace, member, project } = await seed(store);
    await store.tasks.insert(newTask(workspace, project, member, 1));
    expect(await store.tasks.findByProjectKey(workspace.id, project.key, 2)).toEqual({
      project,
      task: undefined,
    });
    expect(await store.tasks.findByProjectKey(workspace.id, 'NOPE', 1)).toBeUndefined();
    // Another workspace's project of the same key is not this one's.
    const other = await seed(store, 'other-keys');
    expect(await store.tasks.findByProjectKey(other.workspace.id, project.key, 1)).toEqual({
      project: other.project,
      task: undefined,
    });
  });

  it('never returns another workspace’s objects when asked with the wrong workspace id', async () => {
    const store = current();
    const a = await seed(store, 'alpha');
    const b = await seed(store, 'bravo');
    const task = newTask(a.workspace, a.project, a.member, 1);
    await store.tasks.insert(task);
    expect(await store.tasks.findById(b.workspace.id, task.id)).toBeUndefined();
    expect(await store.projects.findById(b.workspace.id, a.project.id)).toBeUndefined();
    expect(await store.members.findById(b.workspace.id, a.member.id)).toBeUndefined();
    expect(await store.tasks.list(b.workspace.id, {}, { limit: 10 })).toEqual([]);
    expect(
      await store.tasks.updateIfVersion(b.workspace.id, task.id, 1, {
        fields: { title: 'hijacked' },
        updatedAt: T0,
        updatedBy: b.member.id,
        updatedVia: 'mcp',
      }),
    ).toBeUndefined();
    expect((await store.tasks.findById(a.workspace.id, task.id))?.title).toBe('Task 1');
  });

  it('enforces unique workspace slugs, member emails and project keys', async () => {
    const store = current();
    const { workspace, project } = await seed(store);
    await expect(store.workspaces.insert({ ...workspace, id: id('wsp') })).rejects.toThrow();
    await expect(store.projects.insert({ ...project, id: id('prj') })).rejects.toThrow();
  });

  it('hands out distinct task numbers to 50 concurrent inserts, each task stored under its own', async () => {
    const store = current();
    const { workspace, member, project } = await seed(store);
    const { number: _, ...unnumbered } = newTask(workspace, project, member, 0);
    const made = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        store.transaction((tx) => tx.tasks.insertNumbered({ ...unnumbered, id: id('tsk'), title: `T${i}` })),
      ),
    );
    expect(made.map((t) => t.number).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    for (const task of made) expect(await store.tasks.findById(workspace.id, task.id)).toEqual(task);
  });

  it('updates only when the expected version matches, and bumps the version', async () => {
    const store = current();
    const { workspace, member, project } = await seed(store);
    const task = newTask(workspace, project, member, 1);
    await store.tasks.insert(task);
    const update = {
      fields: { status: 'done' as const, labels: ['x'] },
      updatedAt: T0,
      updatedBy: member.id,
      updatedVia: 'mcp' as const,
    };
    const updated = await store.tasks.updateIfVersion(workspace.id, task.id, 1, update);
    expect(updated).toMatchObject({
      status: 'done',
      labels: ['x'],
      version: 2,
      updatedVia: 'mcp',
      title: 'Task 1',
    });
    expect(await store.tasks.updateIfVersion(workspace.id, task.id, 1, update)).toBeUndefined();
    expect((await store.tasks.findById(workspace.id, task.id))?.version).toBe(2);
  });

  it('lets exactly one of two concurrent writers with the same version win', async () => {
    const store = current();
    const { workspace, member, project } = await seed(store);
    const task = newTask(workspace, project, member, 1);
    await store.tasks.insert(task);
    const write = (title: string) =>
      store.transaction((tx) =>
        tx.tasks.updateIfVersion(workspace.id, task.id, 1, {
          fields: { title },
          updatedAt: T0,
          updatedBy: member.id,
          updatedVia: 'web',
        }),
      );
    const results = await Promise.all([write('first'), write('second')]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await store.tasks.findById(workspace.id, task.id))?.version).toBe(2);
  });

  it('rolls back every write of a transaction that throws', async () => {
    const store = current();
    const { workspace, member, project } = await seed(store);
    await expect(
      store.transaction(async (tx) => {
        const { number: _, ...unnumbered } = newTask(workspace, project, member, 0);
        await tx.tasks.insertNumbered(unnumbered);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.tasks.list(workspace.id, {}, { limit: 10 })).toEqual([]);
    // The number it took was rolled back with it.
    const { number: _, ...next } = newTask(workspace, project, member, 0);
    expect((await store.tasks.insertNumbered(next)).number).toBe(1);
  });

  it('filters tasks by project, status, assignee, due date, label and text, and pages by id', async () => {
    const store = current();
    const { workspace, member, project } = await seed(store);
    const other: Project = { ...project, id: id('prj'), key: 'WEB' };
    await store.projects.insert(other);
    const tasks = [
      newTask(workspace, project, member, 1, {
        status: 'done',
        labels: ['bug'],
        dueDate: '2026-11-10',
        title: 'Fix 100% CPU',
      }),
      newTask(workspace, project, member, 2, {
        assigneeId: member.id,
        labels: ['bug-hunt'],
        dueDate: '2026-12-10',
      }),
      newTask(workspace, other, member, 1, { description: 'Call ACME corp', labels: ['customer'] }),
      newTask(workspace, project, member, 3, { deletedAt: T0, deletedBy: member.id }),
    ];
    for (const t of tasks) await store.tasks.insert(t);
    const ids = async (filter: Parameters<Store['tasks']['list']>[1]) =>
      (await store.tasks.list(workspace.id, filter, { limit: 50 })).map((t) => t.id);
    expect(await ids({})).toEqual([tasks[0]!.id, tasks[1]!.id, tasks[2]!.id]);
    expect(await ids({ projectIds: [other.id] })).toEqual([tasks[2]!.id]);
    expect(await ids({ projectIds: [] })).toEqual([]);
    expect(await ids({ statuses: ['done'] })).toEqual([tasks[0]!.id]);
    expect(await ids({ assigneeId: member.id })).toEqual([tasks[1]!.id]);
    expect(await ids({ dueBefore: '2026-12-01' })).toEqual([tasks[0]!.id]);
    expect(await ids({ dueAfter: '2026-12-01' })).toEqual([tasks[1]!.id]);
    expect(await ids({ label: 'bug' })).toEqual([tasks[0]!.id]);
    expect(await ids({ text: 'acme' })).toEqual([tasks[2]!.id]);
    expect(await ids({ text: '100%' })).toEqual([tasks[0]!.id]);
    expect(await ids({ text: '%' })).toEqual([tasks[0]!.id]);
    expect(await ids({ text: '_' })).toEqual([]);
    expect(await ids({ deleted: 'only' })).toEqual([tasks[3]!.id]);
    const first = await store.tasks.list(workspace.id, {}, { limit: 2 });
    const rest = await store.tasks.list(workspace.id, {}, { limit: 2, afterId: first.at(-1)!.id });
    expect([...first, ...rest].map((t) => t.id)).toEqual([tasks[0]!.id, tasks[1]!.id, tasks[2]!.id]);
  });

  it('keeps a task history ordered by version', async () => {
    const store = current();
    const { workspace, member, project } = await seed(store);
    const task = newTask(workspace, project, member, 1);
    await store.tasks.insert(task);
    for (const version of [1, 2, 3]) {
      await store.tasks.insertChange({
        id: id('chg'),
        workspaceId: workspace.id,
        taskId: task.id,
        version,
        changes: { title: { before: `v${version - 1}`, after: `v${version}` } },
        changedBy: member.id,
        changedVia: 'mcp',
        credentialName: 'cursor-work-laptop',
        changedAt: T0,
      });
    }
    const since = await store.tasks.listChanges(workspace.id, task.id, 1);
    expect(since.map((c) => c.version)).toEqual([2, 3]);
    expect(since[0]).toMatchObject({
      credentialName: 'cursor-work-laptop',
      changes: { title: { before: 'v1', after: 'v2' } },
    });
  });

  it('purges only trashed tasks older than the cutoff, with their comments, time and history', async () => {
    const store = current();
    const { workspace, member, project } = await seed(store);
    const old = newTask(workspace, project, member, 1, {
      deletedAt: '2026-01-01T00:00:00.000Z',
      deletedBy: member.id,
    });
    const recent = newTask(workspace, project, member, 2, {
      deletedAt: '2026-11-01T00:00:00.000Z',
      deletedBy: member.id,
    });
    const live = newTask(workspace, project, member, 3);
    for (const t of [old, recent, live]) await store.tasks.insert(t);
    await store.comments.insert({
      id: id('cmt'),
      workspaceId: workspace.id,
      taskId: old.id,
      authorId: member.id,
      body: 'x',
      via: 'web',
      credentialName: null,
      createdAt: T0,
    });
    await store.timeEntries.insert({
      id: id('tme'),
      workspaceId: workspace.id,
      taskId: old.id,
      memberId: member.id,
      date: '2026-01-01',
      minutes: 5,
      billable: true,
      note: null,
      via: 'web',
      createdAt: T0,
    });
    expect(await store.tasks.countDependents(workspace.id, old.id)).toEqual({ comments: 1, timeEntries: 1 });
    expect(
      await store.transaction((tx) => tx.tasks.purgeDeletedBefore(workspace.id, '2026-06-01T00:00:00.000Z')),
    ).toBe(1);
    expect(await store.tasks.findById(workspace.id, old.id)).toBeUndefined();
    expect(await store.tasks.findById(workspace.id, recent.id)).toBeDefined();
    expect(await store.tasks.findById(workspace.id, live.id)).toBeDefined();
  });

  it('lists projects a member belongs to, and archived ones only when asked', async () => {
    const store = current();
    const { workspace, member, project } = await seed(store);
    const archived: Project = { ...project, id: id('prj'), key: 'OLD', archived: true };
    await store.projects.insert(archived);
    await store.projects.addMember(archived.id, member.id);
    await store.projects.addMember(archived.id, member.id);
    expect((await store.projects.list(workspace.id, { includeArchived: false })).map((p) => p.key)).toEqual([
      'APO',
    ]);
    expect(
      (await store.projects.list(workspace.id, { includeArchived: true, memberId: member.id })).map(
        (p) => p.key,
      ),
    ).toEqual(['OLD']);
    expect(await store.projects.listMemberIds(archived.id)).toEqual([member.id]);
    await store.projects.update(workspace.id, archived.id, {
      archived: false,
      name: 'Reborn',
      updatedAt: T0,
    });
    expect(await store.projects.findByKey(workspace.id, 'OLD')).toMatchObject({
      archived: false,
      name: 'Reborn',
    });
  });

  it('answers a ping', async () => {
    await expect(current().ping()).resolves.toBeUndefined();
  });
});
