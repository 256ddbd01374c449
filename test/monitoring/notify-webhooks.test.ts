/**
 * Webhooks signed per Standard Webhooks, received by a real HTTP server on 127.0.0.1 that
 * verifies them with the npm `standardwebhooks` package: send test, retries with backoff,
 * forged and replayed deliveries refused by the verifier, and URLs refused before anything
 * is stored (SSRF).
 */
import { afterEach, expect, it } from 'vitest';
import { signWebhook } from '../../src/monitoring/index.js';
import { rejection } from '../support/errors.js';
import { describeEachStore } from '../support/stores.js';
import { createNotifyFixture, type HookReceiver, startHookReceiver, verifyHook } from './notify-support.js';

let receiver: HookReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describeEachStore('webhooks', (store) => {
  async function setUp() {
    receiver = await startHookReceiver();
    const f = await createNotifyFixture(store(), { testHosts: [receiver.hostPort] });
    const added = await f.notifications.webhooks.add('acme', receiver.url, f.admin.id);
    receiver.secret = added.secret;
    return { f, added, receiver };
  }

  it('shows the secret once and sends a test the receiver verifies with standardwebhooks', async () => {
    const { f, added, receiver } = await setUp();
    expect(added.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(JSON.stringify(await f.notifications.webhooks.list('acme', f.owner.id))).not.toContain(
      added.secret,
    );
    const sent = await f.notifications.webhooks.test('acme', added.id, f.owner.id);
    expect(sent).toMatchObject({ status: 'delivered', attempts: 1, kind: 'test', channel: 'webhook' });
    expect(receiver.verified).toEqual([
      expect.objectContaining({
        type: 'taskgate.test',
        data: expect.objectContaining({ workspace: 'acme', webhookId: added.id }),
      }),
    ]);
    expect(receiver.received[0]!.headers['webhook-id']).toBe(sent.id);
  });

  it('retries a receiver that fails twice after 1 then 5 minutes, and the log shows the attempts', async () => {
    const { f, receiver } = await setUp();
    receiver.failFirst = 2;
    const key = await f.memberKey();
    await f.audit.append({
      workspaceId: f.workspace.id,
      action: 'key.suspended',
      outcome: 'ok',
      credentialId: key.id,
      credentialName: key.name,
      detail: { reason: 'burst of deletes' },
    });
    const t0 = f.clock.now().getTime();
    await f.notifications.runDueJobs();
    let [row] = await f.notifications.webhooks.log('acme', null);
    expect(row).toMatchObject({
      status: 'pending',
      attempts: 1,
      kind: 'key_suspended',
      lastError: 'the endpoint answered HTTP 503',
    });
    expect(row!.nextAttemptAt).toBe(new Date(t0 + 60_000).toISOString());
    f.clock.advance(60_000);
    await f.notifications.runDueJobs();
    [row] = await f.notifications.webhooks.log('acme', null);
    expect(row).toMatchObject({ status: 'pending', attempts: 2 });
    expect(row!.nextAttemptAt).toBe(new Date(t0 + 60_000 + 300_000).toISOString());
    f.clock.advance(299_000);
    await f.notifications.runDueJobs();
    expect(receiver.received).toHaveLength(2);
    // The send job runs every 30 s: the retry goes at its first run after it is due.
    f.clock.advance(30_000);
    await f.notifications.runDueJobs();
    [row] = await f.notifications.webhooks.log('acme', null);
    expect(row).toMatchObject({ status: 'delivered', attempts: 3, lastError: null });
    expect(receiver.verified).toEqual([expect.objectContaining({ type: 'taskgate.key_suspended' })]);
    // Every attempt carried the same message id, so a receiver can drop a repeat.
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id']))).toEqual(new Set([row!.id]));
  });

  it('gives up after the last retry and marks the delivery failed', async () => {
    const { f, receiver } = await setUp();
    receiver.failFirst = 100;
    await f.audit.append({
      workspaceId: f.workspace.id,
      action: 'audit.verified',
      outcome: 'error',
      detail: { problems: 1 },
    });
    for (const wait of [0, 60_000, 300_000, 1_800_000, 7_200_000, 43_200_000]) {
      f.clock.advance(wait);
      await f.notifications.runDueJobs();
    }
    const [row] = await f.notifications.webhooks.log('acme', null);
    expect(row).toMatchObject({ status: 'failed', attempts: 6, nextAttemptAt: null });
    expect(receiver.received).toHaveLength(6);
  });

  it('a webhook body altered in transit fails verification', async () => {
    const { f, added, receiver } = await setUp();
    await f.notifications.webhooks.test('acme', added.id, null);
    const hook = receiver.received[0]!;
    expect(() =>
      verifyHook(added.secret, { ...hook, body: hook.body.replace('taskgate.test', 'taskgate.digest') }),
    ).toThrow();
    expect(verifyHook(added.secret, hook)).toBeTruthy();
  });

  it('a webhook forged without the secret fails verification', async () => {
    const { added } = await setUp();
    const body = JSON.stringify({ type: 'taskgate.key_suspended', data: {} });
    const forged = signWebhook(
      `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
      'msg_forged',
      new Date(),
      body,
    );
    expect(() => verifyHook(added.secret, { headers: forged.headers, body })).toThrow(/signature/i);
  });

  it('a webhook replayed after ten minutes fails verification (its timestamp is too old)', async () => {
    const { added } = await setUp();
    const body = JSON.stringify({ type: 'taskgate.test', data: {} });
    const old = signWebhook(added.secret, 'msg_replayed', new Date(Date.now() - 10 * 60_000), body);
    expect(() => verifyHook(added.secret, { headers: old.headers, body })).toThrow(/timestamp/i);
    // Moving the timestamp forward breaks the signature instead.
    const moved = { ...old.headers, 'webhook-timestamp': String(Math.floor(Date.now() / 1000)) };
    expect(() => verifyHook(added.secret, { headers: moved, body })).toThrow(/signature/i);
  });

  it('an SSRF webhook URL is refused with a clear error and nothing is stored', async () => {
    const { f } = await setUp();
    const cases: [string, RegExp][] = [
      ['http://169.254.169.254/latest/meta-data', /https/],
      ['https://169.254.169.254/latest/meta-data', /link-local/],
      ['https://10.0.0.8/hook', /private/],
      ['https://[::1]/hook', /loopback/],
      ['https://hooks.example.com/a b', /printable ASCII/],
      ['https://hooks.example.com/\u0000x', /printable ASCII/],
      ['https://hooks.example.com/\u202Egnp.exe', /printable ASCII/],
      [`https://hooks.example.com/${'a'.repeat(2001)}`, /at most 2000/],
      ['https://user:pw@hooks.example.com/', /user name or password/],
      ['ftp://hooks.example.com/', /https/],
      ['not a url', /printable|valid URL/],
    ];
    for (const [url, message] of cases) {
      const error = await rejection(f.notifications.webhooks.add('acme', url, f.admin.id));
      expect(error.code, url).toBe('invalid_input');
      expect(error.publicMessage, url).toMatch(message);
    }
    expect(await f.notifications.webhooks.list('acme', null)).toHaveLength(1);
  });

  it('a member cannot add, remove or test endpoints; an admin removes one and it gets nothing more', async () => {
    const { f, added, receiver } = await setUp();
    // Each attempt is made as it is awaited: one made early would reject unobserved.
    for (const attempt of [
      () => f.notifications.webhooks.add('acme', receiver.url, f.member.id),
      () => f.notifications.webhooks.remove('acme', added.id, f.member.id),
      () => f.notifications.webhooks.test('acme', added.id, f.member.id),
      () => f.notifications.webhooks.log('acme', f.member.id),
    ])
      expect((await rejection(attempt())).code).toBe('forbidden');
    await f.notifications.webhooks.remove('acme', added.id, f.admin.id);
    await f.audit.append({
      workspaceId: f.workspace.id,
      action: 'audit.verified',
      outcome: 'error',
      detail: { problems: 1 },
    });
    await f.notifications.runDueJobs();
    expect(receiver.received).toHaveLength(0);
    expect(await f.notifications.webhooks.log('acme', null)).toHaveLength(0);
  });
});
