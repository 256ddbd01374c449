/**
 * The policy repository and the trash count on SQLite and PostgreSQL: a workspace without
 * a row has no policy, upsert inserts then replaces every field, nothing crosses tenants,
 * and the purge count matches what a purge removes.
 */
import { expect, it } from 'vitest';
import type { Task, Workspace, WorkspacePolicyRecord } from '../../src/model/index.js';
import type { Store } from '../../src/storage/index.js';
import { describeEachStore } from '../support/stores.js';

const T0 = '2026-11-02T09:00:00.000Z';
let counter = 0;
const id = (prefix: string) => `${prefix}_01K${String(++counter).padStart(23, '0')}`;

async function seedWorkspace(store: Store, slug: string): Promise<Workspace> {
  const workspace: Workspace = {
    id: id('wsp'),
    slug,
    name: slug,
    environment: 'production',
    keyRotationDays: 90,
    createdAt: T0,
  };
  await store.workspaces.insert(workspace);
  return workspace;
}

const policyOf = (
  workspaceId: string,
  extra: Partial<WorkspacePolicyRecord> = {},
): WorkspacePolicyRecord => ({
  workspaceId,
  tiers: { create: 'none', update: null, delete: 'approve', bulk: null },
  requireReason: true,
  requireReadFirst: false,
  requireOauth: false,
  approver: 'member_or_admin',
  writeBudget: 60,
  deleteBudget: 10,
  budgetWindowMinutes: 10,
  frozenAt: null,
  frozenUntil: null,
  frozenBy: null,
  frozenReason: null,
  updatedAt: T0,
  updatedBy: null,
  ...extra,
});

describeEachStore('policy storage', (current) => {
  it('finds no policy for a workspace that never set one', async () => {
    const store = current();
    const workspace = await seedWorkspace(store, 'acme');
    expect(await store.policies.find(workspace.id)).toBeUndefined();
  });

  it('inserts a policy and reads back every field', async () => {
    const store = current();
    const workspace = await seedWorkspace(store, 'acme');
    const policy = policyOf(workspace.id, {
      frozenAt: T0,
      frozenUntil: '2026-11-02T18:00:00.000Z',
      frozenBy: 'mbr_01K00000000000000000000099',
      frozenReason: 'incident 42',
      updatedBy: 'mbr_01K00000000000000000000099',
    });
    await store.policies.upsert(policy);
    expect(await store.policies.find(workspace.id)).toEqual(policy);
  });

  it('replaces every field on a second upsert, nulls included', async () => {
    const store = current();
    const workspace = await seedWorkspace(store, 'acme');
    await store.policies.upsert(policyOf(workspace.id, { frozenAt: T0, frozenReason: 'incident' }));
    const next = policyOf(workspace.id, {
      tiers: { create: null, update: 'token', delete: null, bulk: 'elicit' },
      requireReason: false,
      requireReadFirst: true,
      approver: 'member',
      writeBudget: 5,
      deleteBudget: 1,
      budgetWindowMinutes: 1440,
      updatedAt: '2026-11-02T10:00:00.000Z',
    });
    await store.policies.upsert(next);
    expect(await store.policies.find(workspace.id)).toEqual(next);
  });

  it("never returns or changes another workspace's policy", async () => {
    const store = current();
    const acme = await seedWorkspace(store, 'acme');
    const globex = await seedWorkspace(store, 'globex');
    await store.policies.upsert(policyOf(acme.id));
    await store.policies.upsert(policyOf(globex.id, { writeBudget: 7 }));
    expect((await store.policies.find(acme.id))?.writeBudget).toBe(60);
    expect((await store.policies.find(globex.id))?.writeBudget).toBe(7);
  });

  it('refuses a policy for a workspace that does not exist', async () => {
    const store = current();
    await expect(store.policies.upsert(policyOf('wsp_01K99999999999999999999999'))).rejects.toThrow();
  });

  it('rolls a policy change back with its transaction', async () => {
    const store = current();
    const workspace = await seedWorkspace(store, 'acme');
    await expect(
      store.transaction(async (repos) => {
        await repos.policies.upsert(policyOf(workspace.id));
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await store.policies.find(workspace.id)).toBeUndefined();
  });

  it('counts exactly the trashed tasks a purge with the same cut-off removes, in one workspace', async () => {
    const store = current();
    const acme = await seedWorkspace(store, 'acme');
    const globex = await seedWorkspace(store, 'globex');
    const task = async (ws: Workspace, number: number, deletedAt: string | null) => {
      const memberId = id('mbr');
      await store.members.insert({
        id: memberId,
        workspaceId: ws.id,
        email: `m${number}@${ws.slug}.test`,
        name: 'M',
        role: 'owner',
        createdAt: T0,
      });
      const projectId = id('prj');
      await store.projects.insert({
        id: projectId,
        workspaceId: ws.id,
        key: `P${number}`,
        name: 'P',
        description: '',
        archived: false,
        createdAt: T0,
        updatedAt: T0,
      });
      const row: Task = {
        id: id('tsk'),
        workspaceId: ws.id,
        projectId,
        number: 1,
        title: 't',
        description: '',
        status: 'todo',
        priority: 'none',
        assigneeId: null,
        dueDate: null,
        labels: [],
        version: 1,
        createdAt: T0,
        createdBy: memberId,
        createdVia: 'cli',
        updatedAt: T0,
        updatedBy: memberId,
        updatedVia: 'cli',
        deletedAt,
        deletedBy: deletedAt && memberId,
      };
      await store.tasks.insert(row);
    };
    await task(acme, 1, '2026-09-01T00:00:00.000Z');
    await task(acme, 2, '2026-10-01T00:00:00.000Z');
    await task(acme, 3, '2026-10-30T00:00:00.000Z');
    await task(acme, 4, null);
    await task(globex, 5, '2026-09-01T00:00:00.000Z');
    const cutOff = '2026-10-03T00:00:00.000Z';
    expect(await store.tasks.countDeletedBefore(acme.id, cutOff)).toBe(2);
    expect(await store.tasks.purgeDeletedBefore(acme.id, cutOff)).toBe(2);
    expect(await store.tasks.countDeletedBefore(acme.id, cutOff)).toBe(0);
    expect(await store.tasks.countDeletedBefore(acme.id, '2026-11-01T00:00:00.000Z')).toBe(1);
    expect(await store.tasks.countDeletedBefore(globex.id, cutOff)).toBe(1);
  });
});
