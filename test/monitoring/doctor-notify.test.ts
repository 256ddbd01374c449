/**
 * `taskgate doctor` reads the settings and the table notifications really use: the SMTP URL
 * from TASKGATE_SMTP_URL (`smtpUrl`), checked against a real `smtp-server`, and the endpoints
 * `taskgate webhooks add` stored in `webhook_endpoints`, checked against a real receiver.
 * `taskgate notifications test-email` mails a member through that real SMTP server, and
 * only a member.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCliIn, runDoctorIn } from '../support/doctor-cli.js';
import { freePort, startHookReceiver, startSmtpSink } from './notify-support.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'taskgate-doctor-notify-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// A fresh instance secret per file: webhook secrets are sealed under it.
const SECRET = randomBytes(32).toString('base64url');
const run = (argv: string[], env: Record<string, string> = {}) =>
  runCliIn(dir, argv, { TASKGATE_SECRET_KEY: SECRET, ...env });
const doctor = (env: Record<string, string>) => runDoctorIn(dir, [], { TASKGATE_SECRET_KEY: SECRET, ...env });

describe('taskgate doctor and notifications', () => {
  it('checks the SMTP server named by TASKGATE_SMTP_URL: a real one greets, a closed port fails with the fix', async () => {
    expect((await run(['migrate'])).code).toBe(0);
    const sink = await startSmtpSink();
    try {
      const up = await doctor({ TASKGATE_SMTP_URL: sink.url });
      expect(up.byName.smtp).toMatchObject({ status: 'ok' });
      expect(up.byName.smtp!.message).toContain('220');
    } finally {
      await sink.close();
    }
    const down = await doctor({ TASKGATE_SMTP_URL: `smtp://127.0.0.1:${await freePort()}` });
    expect(down.byName.smtp).toMatchObject({
      status: 'fail',
      fix: 'check the SMTP URL, the server and the firewall',
    });
    expect(down.code).not.toBe(0);
    const unset = await doctor({});
    expect(unset.byName.smtp!.status).toBe('skip');
  });

  it('checks the endpoints `taskgate webhooks add` stored: reachable, then warned when the receiver is down', async () => {
    const receiver = await startHookReceiver();
    const env = { TASKGATE_WEBHOOK_TEST_HOSTS: receiver.hostPort };
    expect((await run(['init', '--workspace', 'acme', '--owner', 'ada@example.com'], env)).code).toBe(0);
    expect((await doctor(env)).byName.webhooks).toMatchObject({
      status: 'ok',
      message: 'no webhook endpoints configured',
    });
    const added = await run(['webhooks', 'add', '--workspace', 'acme', '--url', receiver.url], env);
    expect(added.code, added.stderr).toBe(0);
    expect((await doctor(env)).byName.webhooks).toMatchObject({
      status: 'ok',
      message: '1 webhook endpoint(s) reachable',
    });
    await receiver.close();
    const down = (await doctor(env)).byName.webhooks!;
    expect(down.status).toBe('warn');
    expect(down.message).toContain(receiver.url);
    expect(down.fix).toBe('check the receiver is up, or remove the endpoint');
  });

  it('test-email reaches a member through a real SMTP server; an outsider cannot be mailed through it', async () => {
    const sink = await startSmtpSink();
    try {
      const env = { TASKGATE_SMTP_URL: sink.url };
      expect((await run(['init', '--workspace', 'acme', '--owner', 'ada@example.com'], env)).code).toBe(0);
      const sent = await run(
        ['notifications', 'test-email', '--workspace', 'acme', '--to', 'ada@example.com'],
        env,
      );
      expect(sent.code, sent.stderr).toBe(0);
      expect(sent.stdout).toContain('delivered');
      expect(sink.mails).toHaveLength(1);
      expect(sink.mails[0]!.to).toEqual(['ada@example.com']);
      expect(sink.mails[0]!.text).toContain('Test notification');
      for (const to of ['mallory@evil.test', 'ada@example.com\r\nBcc: mallory@evil.test']) {
        const refused = await run(['notifications', 'test-email', '--workspace', 'acme', '--to', to], env);
        expect(refused.code, to).not.toBe(0);
        expect(refused.stderr).toContain('must be a member of acme');
      }
      expect(sink.mails).toHaveLength(1);
      const off = await run([
        'notifications',
        'test-email',
        '--workspace',
        'acme',
        '--to',
        'ada@example.com',
      ]);
      expect(off.code).not.toBe(0);
      expect(off.stderr).toContain('TASKGATE_SMTP_URL');
    } finally {
      await sink.close();
    }
  });
});
