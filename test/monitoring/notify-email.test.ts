/**
 * Notices by email, received by a real SMTP server: an approval waiting, a failed chain
 * verification, an alert that asked to notify; who gets them; and an SMTP server that is
 * down loses nothing (the delivery waits for its retry).
 */
import { afterEach, expect, it } from 'vitest';
import { describeEachStore } from '../support/stores.js';
import { createNotifyFixture, freePort, PUBLIC_URL, type SmtpSink, startSmtpSink } from './notify-support.js';

let smtp: SmtpSink | undefined;
afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
});

describeEachStore('notifications by email', (store) => {
  it('tells the key owner, owners and admins that an approval waits, with the link to approve it', async () => {
    smtp = await startSmtpSink();
    const f = await createNotifyFixture(store(), { smtpUrl: smtp.url });
    const key = await f.memberKey();
    await f.audit.append({
      workspaceId: f.workspace.id,
      action: 'confirmation.requested',
      tool: 'delete_task',
      outcome: 'pending',
      memberId: f.member.id,
      credentialId: key.id,
      credentialName: key.name,
      confirmation: 'act_01TESTAPPROVAL',
      detail: { tier: 'approve', digest: 'x', expiresAt: '2026-11-03T09:00:00.000Z' },
    });
    // A token-tier confirmation is the caller's own business: no notice.
    await f.audit.append({
      workspaceId: f.workspace.id,
      action: 'confirmation.requested',
      tool: 'update_task',
      outcome: 'pending',
      credentialId: key.id,
      confirmation: 'act_01TESTTOKEN',
      detail: { tier: 'token' },
    });
    await f.notifications.runDueJobs();
    expect(smtp.mails).toHaveLength(3);
    expect(smtp.mails.flatMap((m) => m.to).sort()).toEqual([
      'admin@acme.test',
      'dev@acme.test',
      'owner@acme.test',
    ]);
    for (const mail of smtp.mails) {
      expect(mail.text).toContain(
        'Subject: [Taskgate acme] Approval waiting: delete_task by cursor-work-laptop',
      );
      expect(mail.text).toContain(`${PUBLIC_URL}/admin/approvals/act_01TESTAPPROVAL`);
      expect(mail.text).toContain('From: Taskgate <security@example.test>');
    }
    const log = await f.notifications.webhooks.log('acme', null);
    expect(log.map((d) => [d.channel, d.status, d.attempts, d.kind])).toEqual(
      Array(3).fill(['email', 'delivered', 1, 'approval_waiting']),
    );
  });

  it('tells owners and admins (not members) that a chain verification failed, once however often jobs run', async () => {
    smtp = await startSmtpSink();
    const f = await createNotifyFixture(store(), { smtpUrl: smtp.url });
    await f.audit.append({
      workspaceId: f.workspace.id,
      action: 'audit.verified',
      outcome: 'ok',
      memberId: f.admin.id,
    });
    await f.audit.append({
      workspaceId: f.workspace.id,
      action: 'audit.verified',
      outcome: 'error',
      errorCode: 'chain_broken',
      memberId: f.admin.id,
      detail: { result: 'broken', problems: 2 },
    });
    for (let run = 0; run < 3; run++) {
      await f.notifications.runDueJobs();
      f.clock.advance(60_000);
    }
    expect(smtp.mails.flatMap((m) => m.to).sort()).toEqual(['admin@acme.test', 'owner@acme.test']);
    expect(smtp.mails[0]!.text).toContain('Audit log verification failed');
    expect(smtp.mails[0]!.text).toContain(`${PUBLIC_URL}/admin/activity`);
  });

  it('notifies an alert whose rule asks to, and not one that only records', async () => {
    smtp = await startSmtpSink();
    const f = await createNotifyFixture(store(), { smtpUrl: smtp.url });
    const key = await f.memberKey();
    const alert = (notify: boolean, summary: string) =>
      f.audit.append({
        workspaceId: f.workspace.id,
        action: 'alert.raised',
        outcome: 'ok',
        credentialId: key.id,
        credentialName: key.name,
        detail: {
          alertId: `alr_${summary}`,
          rule: 'new_ip',
          credentialId: key.id,
          severity: 'high',
          summary,
          notify,
          action: 'suspend',
        },
      });
    await alert(false, 'quiet');
    await alert(true, 'new address 203.0.113.9');
    await f.notifications.runDueJobs();
    expect(smtp.mails).toHaveLength(3);
    expect(smtp.mails[0]!.text).toContain('Alert (high): new address 203.0.113.9');
    expect(smtp.mails[0]!.text).toContain(`${PUBLIC_URL}/admin/keys/${key.id}`);
    expect(smtp.mails.some((m) => m.text.includes('quiet'))).toBe(false);
  });

  it('keeps a notice while the SMTP server is down and delivers it on the retry', async () => {
    const port = await freePort();
    const f = await createNotifyFixture(store(), { smtpUrl: `smtp://127.0.0.1:${port}` });
    await f.audit.append({
      workspaceId: f.workspace.id,
      action: 'audit.verified',
      outcome: 'error',
      detail: { problems: 1 },
    });
    await f.notifications.runDueJobs();
    let log = await f.notifications.webhooks.log('acme', null);
    expect(log).toHaveLength(2);
    for (const d of log) {
      expect(d).toMatchObject({ status: 'pending', attempts: 1 });
      expect(d.lastError).toMatch(/ECONNREFUSED|connect/i);
      expect(d.nextAttemptAt).toBe(new Date(f.clock.now().getTime() + 60_000).toISOString());
    }
    smtp = await startSmtpSink(port);
    f.clock.advance(30_000);
    await f.notifications.runDueJobs();
    expect(smtp.mails).toHaveLength(0);
    f.clock.advance(31_000);
    await f.notifications.runDueJobs();
    expect(smtp.mails).toHaveLength(2);
    log = await f.notifications.webhooks.log('acme', null);
    expect(log.map((d) => [d.status, d.attempts, d.lastError])).toEqual(
      Array(2).fill(['delivered', 2, null]),
    );
  });
});
