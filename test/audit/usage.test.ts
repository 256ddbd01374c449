/**
 * The usage service on SQLite and PostgreSQL against a known set of audit events: UTC day
 * buckets at midnight, the window's edges, quiet days as zeros, other workspaces and
 * non-call events left out, who may see which key, and bad input refused naming the field.
 */
import { expect, it } from 'vitest';
import {
  createAuditLog,
  createUsageService,
  type UsageReport,
  type UsageViewer,
} from '../../src/audit/index.js';
import { createIdGenerator, createManualClock, createSeededRandom } from '../../src/core/index.js';
import type { ApiKeyRecord, AuditOutcome, Member, ObjectChange, Workspace } from '../../src/model/index.js';
import type { Store } from '../../src/storage/index.js';
import { createDomainFixture } from '../support/domain-fixture.js';
import { rejection } from '../support/errors.js';
import { keyRecord } from '../support/key-records.js';
import { describeEachStore } from '../support/stores.js';

const NOW = new Date('2026-12-05T15:00:00.000Z');
const FIRST_DAY = '2026-11-06';
const TODAY = '2026-12-05';
const CHANGE: ObjectChange = {
  kind: 'task',
  op: 'update',
  id: 'tsk_01JAAAAAAAAAAAAAAAAAAAAAAA',
  ref: 'APO-1',
  before: { title: 'a' },
  after: { title: 'b' },
  beforeVersion: 1,
  afterVersion: 2,
};

interface Fixture {
  readonly workspace: Workspace;
  readonly members: { owner: Member; admin: Member; member: Member; viewer: Member };
  readonly keys: Record<'owner' | 'member' | 'memberOld' | 'viewer' | 'beta', ApiKeyRecord>;
}

function usageKey(workspace: Workspace, member: Member, name: string, n: number): ApiKeyRecord {
  return keyRecord({
    id: `key_01JKEY${String(n).padStart(20, '0')}`,
    workspaceId: workspace.id,
    memberId: member.id,
    name,
    hash: `hash-${n}`,
    last4: '0000',
    createdAt: '2026-11-01T00:00:00.000Z',
    expiresAt: '2027-11-01T00:00:00.000Z',
  });
}

/**
 * acme: an owner's key, a member's key and its rotated-out predecessor (same name), a viewer's
 * key; beta: one key of its own. Events at and around UTC midnights and the window's edges.
 */
async function seed(store: Store): Promise<Fixture> {
  const acme = await createDomainFixture(store, 'acme');
  const beta = await createDomainFixture(store, 'beta');
  const { workspace, members } = acme;
  const keys = {
    owner: usageKey(workspace, members.owner, 'cursor-owner-laptop', 1),
    member: usageKey(workspace, members.member, 'claude-member-mac', 2),
    memberOld: {
      ...usageKey(workspace, members.member, 'claude-member-mac', 3),
      revokedAt: '2026-11-20T00:00:00.000Z',
    },
    viewer: usageKey(workspace, members.viewer, 'vscode-viewer', 4),
    beta: usageKey(beta.workspace, beta.members.owner, 'cursor-owner-laptop', 5),
  };
  for (const key of Object.values(keys)) await store.apiKeys.insert(key);

  const clock = createManualClock(NOW);
  const audit = createAuditLog({ store, clock, ids: createIdGenerator(clock, createSeededRandom(9)) });
  const call = async (
    at: string,
    key: ApiKeyRecord,
    tool: string,
    outcome: AuditOutcome = 'ok',
    extra: { action?: string; changes?: ObjectChange[] } = {},
  ) => {
    clock.set(new Date(at));
    await audit.record(store, {
      workspaceId: key.workspaceId,
      action: extra.action ?? 'mcp.tool_called',
      tool,
      outcome,
      memberId: key.memberId,
      credentialId: key.id,
      credentialName: key.name,
      ...(extra.changes && { changes: extra.changes }),
    });
  };
  await call('2026-12-05T00:00:00.000Z', keys.owner, 'get_task'); // today, at midnight exactly
  await call('2026-12-04T23:59:59.999Z', keys.owner, 'get_task'); // yesterday's last millisecond
  await call('2026-12-04T10:00:00.000Z', keys.member, 'delete_task', 'denied');
  await call('2026-12-04T11:00:00.000Z', keys.member, 'update_task', 'error');
  await call('2026-11-06T00:00:00.000Z', keys.member, 'update_task', 'ok', { changes: [CHANGE] });
  await call('2026-11-19T08:00:00.000Z', keys.memberOld, 'update_task', 'ok', { changes: [CHANGE] });
  await call('2026-11-19T09:00:00.000Z', keys.memberOld, 'update_task', 'dry_run', { changes: [CHANGE] });
  for (let i = 0; i < 3; i++) await call(`2026-12-03T0${i}:30:00.000Z`, keys.viewer, 'list_tasks');
  await call('2026-12-02T12:00:00.000Z', keys.owner, '<img src=x onerror=alert(1)>', 'denied', {
    action: 'mcp.request',
  });
  // Not counted: before the window, after it, not a call, another workspace.
  await call('2026-11-05T23:59:59.999Z', keys.member, 'update_task');
  await call('2026-12-06T00:00:00.000Z', keys.owner, 'get_task');
  await call('2026-12-01T12:00:00.000Z', keys.owner, 'none', 'ok', { action: 'key.rotated' });
  for (let i = 0; i < 4; i++) await call('2026-12-05T01:00:00.000Z', keys.beta, 'get_task');
  return { workspace, members, keys };
}

const service = (store: Store) => createUsageService({ store, clock: createManualClock(NOW) });
const viewerOf = (workspace: Workspace, m: Member): UsageViewer => ({
  workspaceId: workspace.id,
  memberId: m.id,
  role: m.role,
});
const on = (report: UsageReport, day: string, series: { perDay: readonly number[] }) =>
  series.perDay[report.days.indexOf(day)];
const labels = (series: readonly { label: string; total: number }[]) =>
  Object.fromEntries(series.map((s) => [s.label, s.total]));

describeEachStore('usage', (current) => {
  it('buckets calls by UTC day, at midnight exactly, with every quiet day as zero', async () => {
    await seed(current());
    const report = await service(current()).report({ workspace: 'acme' });
    expect(report.days).toHaveLength(30);
    expect([report.days[0], report.days.at(-1)]).toEqual([FIRST_DAY, TODAY]);
    expect([report.since, report.until]).toEqual(['2026-11-06T00:00:00.000Z', '2026-12-06T00:00:00.000Z']);
    expect(on(report, TODAY, report.calls)).toBe(1);
    expect(on(report, '2026-12-04', report.calls)).toBe(3);
    expect(on(report, '2026-12-03', report.calls)).toBe(3);
    expect(on(report, FIRST_DAY, report.calls)).toBe(1);
    expect(on(report, '2026-11-25', report.calls)).toBe(0);
    expect(report.calls.perDay.filter((n) => n === 0)).toHaveLength(30 - 6);
    expect(report.calls.total).toBe(11);
  });

  it('leaves out other workspaces, events outside the window and events that are no call', async () => {
    await seed(current());
    const report = await service(current()).report({ workspace: 'acme' });
    expect(report.calls.total).toBe(11);
    const beta = await service(current()).report({ workspace: 'beta' });
    expect(beta.calls.total).toBe(4);
    expect(labels(beta.byKey)).toEqual({ 'cursor-owner-laptop': 4 });
  });

  it('counts errors, denials and executed writes apart, by key and by tool', async () => {
    await seed(current());
    const report = await service(current()).report({ workspace: 'acme' });
    expect(report.errors.total).toBe(1);
    expect(report.denials.total).toBe(2);
    expect(on(report, '2026-12-02', report.denials)).toBe(1);
    // An executed write counts; its dry run does not.
    expect(report.writes.total).toBe(2);
    expect(labels(report.writesByTool)).toEqual({ update_task: 2 });
    expect(labels(report.byKey)).toEqual({
      'claude-member-mac': 5,
      'vscode-viewer': 3,
      'cursor-owner-laptop': 3,
    });
    expect(report.byKey[0]?.label).toBe('claude-member-mac');
    expect(labels(report.byTool)).toEqual({
      update_task: 4,
      list_tasks: 3,
      get_task: 2,
      delete_task: 1,
      '<img src=x onerror=alert(1)>': 1,
    });
  });

  it('reports one key by name, its rotated-out predecessor included, or by id', async () => {
    const { keys } = await seed(current());
    const byName = await service(current()).forKey({ workspace: 'acme', key: 'claude-member-mac' });
    expect(byName.key).toBe('claude-member-mac');
    expect(byName.calls.total).toBe(5);
    const byId = await service(current()).forKey({ workspace: 'acme', key: keys.memberOld.id });
    expect(byId.calls.total).toBe(2);
    expect(on(byId, '2026-11-19', byId.calls)).toBe(2);
  });

  it('shows owners and admins every key, a member and a viewer only their own', async () => {
    const { workspace, members } = await seed(current());
    const as = (m: Member) =>
      service(current()).report({ workspace: 'acme', viewer: viewerOf(workspace, m) });
    expect((await as(members.owner)).calls.total).toBe(11);
    expect((await as(members.admin)).calls.total).toBe(11);
    const member = await as(members.member);
    expect(labels(member.byKey)).toEqual({ 'claude-member-mac': 5 });
    expect(member.calls.total).toBe(5);
    const viewer = await as(members.viewer);
    expect(labels(viewer.byKey)).toEqual({ 'vscode-viewer': 3 });
    expect(viewer.writes.total).toBe(0);
  });

  it("refuses a member's look at another member's key exactly as a key that does not exist", async () => {
    const { workspace, members, keys } = await seed(current());
    const viewer = viewerOf(workspace, members.member);
    // One at a time, each awaited as it is made: a refusal is never left without a handler.
    const lookAt = (key: string) => rejection(service(current()).forKey({ workspace: 'acme', key, viewer }));
    const other = await lookAt('cursor-owner-laptop');
    const byId = await lookAt(keys.owner.id);
    const missing = await lookAt('no-such-key');
    for (const error of [other, byId, missing]) expect(error.code).toBe('not_found');
    const message = (error: Error) => error.message.replace(/"[^"]*"/, 'KEY');
    expect(message(other)).toBe(message(missing));
  });

  it("refuses a member of another workspace reading this one's usage as not found", async () => {
    const { members } = await seed(current());
    const beta = (await current().workspaces.findBySlug('beta'))!;
    const outsider = { workspaceId: beta.id, memberId: members.owner.id, role: 'owner' as const };
    await expect(service(current()).report({ workspace: 'acme', viewer: outsider })).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('refuses a window of 0, 91, 2.5 or NaN days naming the field', async () => {
    await seed(current());
    for (const days of [0, 91, 2.5, Number.NaN, -3]) {
      await expect(service(current()).report({ workspace: 'acme', days })).rejects.toMatchObject({
        code: 'invalid_input',
        detail: { fields: [{ field: 'days' }] },
      });
    }
    const one = await service(current()).report({ workspace: 'acme', days: 1 });
    expect([one.days, one.calls.total]).toEqual([[TODAY], 1]);
    const most = await service(current()).report({ workspace: 'acme', days: 90 });
    expect(most.days).toHaveLength(90);
    expect(most.calls.total).toBe(12);
  });

  it('answers 50 concurrent reports with the same numbers', async () => {
    await seed(current());
    const usage = service(current());
    const reports = await Promise.all(Array.from({ length: 50 }, () => usage.report({ workspace: 'acme' })));
    const first = JSON.stringify(reports[0]);
    expect(reports.every((r) => JSON.stringify(r) === first)).toBe(true);
  });
});
