/**
 * Scheduled notices on an injected clock: rotation reminders 7 days and 1 day before and
 * at expiry, the weekly digest's figures, and the schedule's lease: two instances on one
 * PostgreSQL racing for the same due jobs run each once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NOTIFY_JOBS } from '../../src/monitoring/index.js';
import { openStore, type Store } from '../../src/storage/index.js';
import { postgresUrl } from '../support/postgres.js';
import { createTestDatabase, describeEachStore, type TestDatabase } from '../support/stores.js';
import {
  createNotifyFixture,
  DAY_MS,
  type HookReceiver,
  type SmtpSink,
  START,
  startHookReceiver,
  startSmtpSink,
} from './notify-support.js';

let smtp: SmtpSink | undefined;
let receiver: HookReceiver | undefined;
afterEach(async () => {
  await smtp?.close();
  await receiver?.close();
  smtp = undefined;
  receiver = undefined;
});

describeEachStore('scheduled notices', (store) => {
  it('reminds the key owner and the admins 7 days and 1 day before rotation is due, then at expiry, once each', async () => {
    smtp = await startSmtpSink();
    const f = await createNotifyFixture(store(), { smtpUrl: smtp.url });
    const key = await f.memberKey();
    const dueAt = Date.parse(START.toISOString()) + f.workspace.keyRotationDays * DAY_MS;
    // The weekly digest also goes out as the clock crosses Mondays: only the reminders count here.
    const reminders = () => smtp!.mails.filter((m) => !m.text.includes('Weekly digest'));
    const subjects = () => [...new Set(reminders().map((m) => /Subject: (.*)/.exec(m.text)?.[1]))];
    f.clock.set(new Date(dueAt - 8 * DAY_MS));
    await f.notifications.runDueJobs();
    expect(reminders()).toHaveLength(0);
    f.clock.set(new Date(dueAt - 7 * DAY_MS + 3_600_000));
    await f.notifications.runDueJobs();
    f.clock.advance(3_600_000);
    await f.notifications.runDueJobs();
    expect(subjects()).toEqual(['[Taskgate acme] Key rotation due within 7 days: cursor-work-laptop']);
    expect(smtp.mails.flatMap((m) => m.to).sort()).toEqual([
      'admin@acme.test',
      'dev@acme.test',
      'owner@acme.test',
    ]);
    expect(smtp.mails[0]!.text).toContain(`https://taskgate.example.test/admin/keys/${key.id}`);
    f.clock.set(new Date(dueAt - DAY_MS + 3_600_000));
    await f.notifications.runDueJobs();
    f.clock.set(new Date(dueAt + 3_600_000));
    await f.notifications.runDueJobs();
    f.clock.advance(3_600_000);
    await f.notifications.runDueJobs();
    expect(subjects()).toEqual([
      '[Taskgate acme] Key rotation due within 7 days: cursor-work-laptop',
      '[Taskgate acme] Key rotation due within a day: cursor-work-laptop',
      '[Taskgate acme] Key expired: cursor-work-laptop',
    ]);
    expect(reminders()).toHaveLength(9);
  });

  it('sends a weekly digest on Monday with calls, writes, denials, new clients and addresses, keys due and alerts', async () => {
    receiver = await startHookReceiver();
    const f = await createNotifyFixture(store(), { testHosts: [receiver.hostPort] });
    receiver.secret = (await f.notifications.webhooks.add('acme', receiver.url, null)).secret;
    const key = await f.memberKey();
    const call = (ip: string, client: string, outcome: 'ok' | 'denied', wrote = false) =>
      f.audit.append({
        workspaceId: f.workspace.id,
        action: 'mcp.tool_called',
        tool: wrote ? 'update_task' : 'list_tasks',
        outcome,
        credentialId: key.id,
        credentialName: key.name,
        ip,
        clientName: client,
        ...(wrote && {
          changes: [
            {
              kind: 'task',
              op: 'update',
              id: 'tsk_1',
              before: null,
              after: null,
              versionBefore: 1,
              versionAfter: 2,
            },
          ] as never,
        }),
      });
    // Before the digest week: the address and client it saw are not new.
    f.clock.set(new Date('2026-11-01T10:00:00.000Z'));
    await call('198.51.100.1', 'cursor', 'ok');
    // The digest week: Monday 2026-11-02 09:00 to Monday 2026-11-09 08:00.
    f.clock.set(new Date('2026-11-04T10:00:00.000Z'));
    await call('198.51.100.1', 'cursor', 'ok');
    await call('198.51.100.1', 'cursor', 'ok', true);
    await call('203.0.113.7', 'claude-desktop', 'denied');
    await f.audit.append({
      workspaceId: f.workspace.id,
      action: 'alert.raised',
      outcome: 'ok',
      credentialId: key.id,
      detail: { notify: false },
    });
    f.clock.set(new Date('2026-11-09T07:59:00.000Z'));
    await f.notifications.runDueJobs();
    expect(receiver.verified.filter((v) => (v as { type: string }).type === 'taskgate.digest')).toHaveLength(
      0,
    );
    f.clock.set(new Date('2026-11-09T08:00:00.000Z'));
    await f.notifications.runDueJobs();
    f.clock.advance(30_000);
    await f.notifications.runDueJobs();
    const digests = receiver.verified.filter((v) => (v as { type: string }).type === 'taskgate.digest');
    expect(digests).toHaveLength(1);
    expect((digests[0] as { data: unknown }).data).toMatchObject({
      workspace: 'acme',
      calls: 3,
      writes: 1,
      denials: 1,
      newClients: ['claude-desktop'],
      newIps: ['203.0.113.7'],
      alerts: 1,
    });
    expect((digests[0] as { data: { text: string } }).data.text).toContain(
      'https://taskgate.example.test/admin/activity',
    );
  });
});

describe.skipIf(!postgresUrl())('two instances on one PostgreSQL', () => {
  let database: TestDatabase | undefined;
  const stores: Store[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    await database?.drop();
  });

  it('run each due job once when both call runDueJobs at the same time', async () => {
    database = await createTestDatabase('postgres');
    stores.push(await openStore(database.url), await openStore(database.url));
    receiver = await startHookReceiver();
    const a = await createNotifyFixture(stores[0]!, { testHosts: [receiver.hostPort], instance: 'a' });
    const b = await createNotifyFixture(stores[1]!, { testHosts: [receiver.hostPort], instance: 'b' });
    receiver.secret = (await a.notifications.webhooks.add('acme', receiver.url, null)).secret;
    await a.audit.append({
      workspaceId: a.workspace.id,
      action: 'audit.verified',
      outcome: 'error',
      detail: { problems: 1 },
    });
    const runs = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).notifications.runDueJobs()),
    );
    const ran = runs.flat().sort();
    expect(ran).toEqual(
      Object.values(NOTIFY_JOBS)
        .filter((n) => n !== NOTIFY_JOBS.digest)
        .sort(),
    );
    // Whoever ran the dispatcher, the notice went out once; if the sender ran first, the next pass sends it.
    for (const f of [a, b]) f.clock.advance(30_000);
    await Promise.all([a.notifications.runDueJobs(), b.notifications.runDueJobs()]);
    expect(receiver.verified).toHaveLength(1);
    expect(await a.notifications.webhooks.log('acme', null)).toHaveLength(1);
  });
});
