/**
 * What a write puts in beside its change, on both stores: a new task's first history row goes
 * in with the task (one statement on PostgreSQL), and a write's audit comments with its ledger
 * row (likewise). Together or not at all: a statement that fails part-way, or a transaction
 * that rolls back — a refused budget — leaves neither half behind.
 */
import { expect, it } from 'vitest';
import type { Comment, Task, TaskChange } from '../../src/model/index.js';
import type { Store } from '../../src/storage/index.js';
import { createDomainFixture, type DomainFixture } from '../support/domain-fixture.js';
import { describeEachStore } from '../support/stores.js';

type Fixture = DomainFixture & { readonly store: Store };

const SINCE = '2000-01-01T00:00:00.000Z';
let counter = 0;
const id = (prefix: string) => `${prefix}_01K${String(++counter).padStart(23, '0')}`;

/** Comment bodies glued to what SQL, JSON and the shell treat specially. */
const AWKWARD = [
  `'); delete from comments; --`,
  '"quoted" \\ back\\slash \\u0041 $1 $$ ?',
  'line\nbreak\ttab',
  '{"json":[1,2]} [] null',
  'ünïcødé 🚀 — 日本語',
  '',
];

async function taskOf(f: Fixture): Promise<Task> {
  const view = await f.domain.tasks.create(f.actor(f.members.owner), { project: 'APO', title: 'T' });
  return (await f.store.tasks.findById(f.workspace.id, view.id))!;
}

const comment = (f: Fixture, taskId: string, body: string): Comment => ({
  id: id('cmt'),
  workspaceId: f.workspace.id,
  taskId,
  authorId: f.members.owner.id,
  body,
  via: 'mcp',
  credentialName: 'cursor-laptop',
  createdAt: '2026-11-02T09:00:00.000Z',
});

const usage = (f: Fixture, credentialId: string) => ({
  id: id('wus'),
  workspaceId: f.workspace.id,
  credentialId,
  writes: 1,
  deletes: 0,
  at: '2026-11-02T09:00:00.000Z',
});

describeEachStore('write tail', (current) => {
  const fixture = async (store: Store): Promise<Fixture> => ({
    ...(await createDomainFixture(store)),
    store,
  });

  it('gives each of 50 concurrent creates its own number and exactly one first history row', async () => {
    const f = await fixture(current());
    const owner = f.actor(f.members.owner, 'mcp', 'cursor-laptop');
    const made = await Promise.all(
      Array.from({ length: 50 }, (_, i) => f.domain.tasks.create(owner, { project: 'APO', title: `T${i}` })),
    );
    expect(new Set(made.map((t) => t.key)).size).toBe(50);
    for (const task of made) {
      const history = await f.store.tasks.listChanges(f.workspace.id, task.id, 0);
      expect(history).toHaveLength(1);
      expect(history[0]).toMatchObject({
        taskId: task.id,
        version: 1,
        changedVia: 'mcp',
        credentialName: 'cursor-laptop',
        changes: { title: { before: null, after: task.title } },
      });
    }
  });

  it('writes neither the task nor its history row when the project is gone', async () => {
    const f = await fixture(current());
    const { number: _, ...template } = await taskOf(f);
    const unnumbered = { ...template, id: id('tsk'), projectId: id('prj') };
    const created: TaskChange = {
      id: id('chg'),
      workspaceId: f.workspace.id,
      taskId: unnumbered.id,
      version: 1,
      changes: {},
      changedBy: f.members.owner.id,
      changedVia: 'mcp',
      credentialName: null,
      changedAt: unnumbered.updatedAt,
    };
    await expect(
      f.store.transaction((repos) => repos.tasks.insertNumbered(unnumbered, created)),
    ).rejects.toThrow();
    expect(await f.store.tasks.findById(f.workspace.id, unnumbered.id)).toBeUndefined();
    expect(await f.store.tasks.listChanges(f.workspace.id, unnumbered.id, 0)).toEqual([]);
  });

  it('stores a ledger row and its comments together, every body exactly as given', async () => {
    const f = await fixture(current());
    const task = await taskOf(f);
    const comments = AWKWARD.map((body) => comment(f, task.id, body));
    const used = await f.store.transaction(async (repos) => {
      await repos.writeUsage.lockForWrite(f.workspace.id, 'key_tail');
      return repos.writeUsage.insert(usage(f, 'key_tail'), SINCE, comments);
    });
    expect(used).toEqual({ writes: 1, deletes: 0 });
    const stored = await f.store.comments.listByTask(f.workspace.id, task.id, { limit: 50 });
    expect(stored.filter((c) => c.credentialName === 'cursor-laptop')).toEqual(
      [...comments].sort((a, b) => a.id.localeCompare(b.id)),
    );
  });

  it('keeps no comment of a write whose budget refused it after the ledger row went in', async () => {
    const f = await fixture(current());
    const task = await taskOf(f);
    await expect(
      f.store.transaction(async (repos) => {
        await repos.writeUsage.lockForWrite(f.workspace.id, 'key_refused');
        await repos.writeUsage.insert(usage(f, 'key_refused'), SINCE, [comment(f, task.id, 'refused')]);
        throw new Error('over the write budget');
      }),
    ).rejects.toThrow('over the write budget');
    expect(await f.store.writeUsage.sumSince('key_refused', SINCE)).toEqual({ writes: 0, deletes: 0 });
    const stored = await f.store.comments.listByTask(f.workspace.id, task.id, { limit: 50 });
    expect(stored.map((c) => c.body)).not.toContain('refused');
  });

  it('keeps no ledger row when one of its comments cannot go in (a task that does not exist)', async () => {
    const f = await fixture(current());
    const task = await taskOf(f);
    const good = comment(f, task.id, 'fine');
    await expect(
      f.store.transaction(async (repos) => {
        await repos.writeUsage.lockForWrite(f.workspace.id, 'key_orphan');
        await repos.writeUsage.insert(usage(f, 'key_orphan'), SINCE, [good, comment(f, id('tsk'), 'orphan')]);
      }),
    ).rejects.toThrow();
    expect(await f.store.writeUsage.sumSince('key_orphan', SINCE)).toEqual({ writes: 0, deletes: 0 });
    const stored = await f.store.comments.listByTask(f.workspace.id, task.id, { limit: 50 });
    expect(stored.map((c) => c.id)).not.toContain(good.id);
  });

  it('counts 50 racing writes of one key exactly once each, with each write’s comments once', async () => {
    const f = await fixture(current());
    const task = await taskOf(f);
    const written = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        f.store.transaction(async (repos) => {
          await repos.writeUsage.lockForWrite(f.workspace.id, 'key_race');
          const mine = [comment(f, task.id, `race ${i} a`), comment(f, task.id, `race ${i} b`)];
          await repos.writeUsage.insert(usage(f, 'key_race'), SINCE, mine);
          return mine;
        }),
      ),
    );
    expect(await f.store.writeUsage.sumSince('key_race', SINCE)).toEqual({ writes: 50, deletes: 0 });
    const stored = await f.store.comments.listByTask(f.workspace.id, task.id, { limit: 200 });
    const raced = stored.filter((c) => c.body.startsWith('race ')).map((c) => c.id);
    expect(raced.sort()).toEqual(
      written
        .flat()
        .map((c) => c.id)
        .sort(),
    );
  });
});
