/**
 * Webhook actions on `/admin/notifications` over HTTP, on both stores, against a real
 * receiver that verifies each delivery with the npm `standardwebhooks` package: an admin adds
 * an endpoint (the secret shown once), sends a test and removes it; SSRF and malformed URLs
 * are refused beside the field with nothing stored; members and viewers get the unknown page;
 * an old sign-in is sent to sudo mode for add and remove; 50 concurrent adds keep the cap.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  NOTIFICATIONS_PATH,
  WEBHOOK_ADD_PATH,
  webhookRemovePath,
  webhookTestPath,
} from '../../src/admin-ui/index.js';
import { MAX_WEBHOOKS } from '../../src/monitoring/index.js';
import { DEMO, type Session, sessionOf, unknownPage } from '../support/activity-console.js';
import { startTestServer, type TestServer } from '../support/mcp-server.js';
import { demoWorkspace } from '../support/members.js';
import { postForm } from '../support/sign-in.js';
import { storeKinds } from '../support/stores.js';
import { type HookReceiver, startHookReceiver } from './notify-support.js';

const ELEVEN_MINUTES = 11 * 60_000;

const post = (server: TestServer, s: Session, path: string, fields: Record<string, string> = {}) =>
  postForm(server, path, { csrf: s.csrf, ...fields }, { cookie: s.cookie });

async function stored(server: TestServer) {
  const workspace = await demoWorkspace(server);
  return server.app.store.webhooks.list(workspace.id);
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe.skipIf(!storeKinds().includes(kind))(`notifications console actions [${kind}]`, () => {
    let server: TestServer;
    let receiver: HookReceiver;
    beforeEach(async () => {
      receiver = await startHookReceiver();
      server = await startTestServer({ kind, env: { TASKGATE_WEBHOOK_TEST_HOSTS: receiver.hostPort } });
    });
    afterEach(async () => {
      await server?.close();
      await receiver?.close();
    });

    it('lets an admin add an endpoint (secret shown once), send a verified test and remove it', async () => {
      const admin = await sessionOf(server, DEMO.admin);
      expect((await admin.get(WEBHOOK_ADD_PATH)).status).toBe(200);
      const added = await post(server, admin, WEBHOOK_ADD_PATH, { url: receiver.url });
      expect(added.status).toBe(200);
      const html = await added.text();
      const secret = /value="(whsec_[^"]+)"/.exec(html)?.[1];
      expect(secret).toBeDefined();
      expect(html).toContain('data-copy="new-secret"');
      const [row] = await stored(server);
      expect(row?.url).toBe(receiver.url);
      const list = await (await admin.get(NOTIFICATIONS_PATH)).text();
      expect(list).toContain(receiver.url);
      expect(list).not.toContain(secret);
      expect(list).toContain(webhookTestPath(row!.id));

      receiver.secret = secret!;
      const test = await post(server, admin, webhookTestPath(row!.id));
      expect(test.status).toBe(200);
      expect(await test.text()).toContain('<strong>delivered</strong>');
      expect(receiver.verified).toHaveLength(1);
      expect(receiver.verified[0]).toMatchObject({ type: 'taskgate.test' });

      receiver.failFirst = 5;
      const failed = await (await post(server, admin, webhookTestPath(row!.id))).text();
      expect(failed).toContain('Test not delivered');
      expect(failed).toContain('503');

      const removed = await post(server, admin, webhookRemovePath(row!.id));
      expect(removed.status).toBe(200);
      expect(await stored(server)).toHaveLength(0);
      expect((await admin.get(webhookTestPath(row!.id))).status).toBe(404);
    });

    it('an SSRF webhook URL typed in the console is refused before it is stored', async () => {
      const owner = await sessionOf(server, DEMO.owner);
      for (const url of [
        'http://169.254.169.254/latest/meta-data/',
        'https://169.254.169.254/latest/meta-data/',
        'https://10.0.0.7/hook',
        'https://127.0.0.1:9/hook',
        'https://[::1]/hook',
        `https://example.com/${'a'.repeat(2001)}`,
        'https://example.com/hook\u0007',
        'https://example.com/hook\r\nX-Injected: 1',
        'https://user:pass@example.com/hook',
        '',
      ]) {
        const response = await post(server, owner, WEBHOOK_ADD_PATH, { url });
        expect(response.status, url.slice(0, 60)).toBe(400);
        const html = await response.text();
        expect(html).toContain('id="url-error"');
        expect(html).not.toContain('whsec_');
      }
      expect(await stored(server)).toHaveLength(0);
    });

    it("a member cannot register a webhook that would receive the workspace's alerts", async () => {
      const admin = await sessionOf(server, DEMO.admin);
      await post(server, admin, WEBHOOK_ADD_PATH, { url: receiver.url });
      const [row] = await stored(server);
      for (const email of [DEMO.member, DEMO.viewer]) {
        const s = await sessionOf(server, email);
        const unknown = await unknownPage(s);
        for (const path of [WEBHOOK_ADD_PATH, webhookRemovePath(row!.id), webhookTestPath(row!.id)]) {
          const page = await s.get(path);
          expect(page.status, `${email} GET ${path}`).toBe(404);
          expect(await page.text()).toBe(unknown);
          const sent = await post(server, s, path, { url: 'https://attacker.example/hook' });
          expect(sent.status, `${email} POST ${path}`).toBe(404);
        }
      }
      expect((await stored(server)).map((w) => w.url)).toEqual([receiver.url]);
      expect(receiver.received).toHaveLength(0);
    });

    it('a forged cross-site form cannot add or remove an endpoint', async () => {
      const admin = await sessionOf(server, DEMO.admin);
      const foreign = await postForm(
        server,
        WEBHOOK_ADD_PATH,
        { csrf: 'forged', url: 'https://attacker.example/hook' },
        { cookie: admin.cookie },
      );
      expect(foreign.status).toBe(403);
      expect(await stored(server)).toHaveLength(0);
    });

    it('a stolen old session is sent to sudo mode before adding or removing an endpoint', async () => {
      const admin = await sessionOf(server, DEMO.admin);
      await post(server, admin, WEBHOOK_ADD_PATH, { url: receiver.url });
      const [row] = await stored(server);
      server.clock.advance(ELEVEN_MINUTES);
      for (const path of [WEBHOOK_ADD_PATH, webhookRemovePath(row!.id)]) {
        const page = await admin.get(path);
        expect(page.status, path).toBe(303);
        expect(page.headers.get('location')).toContain('next=');
        const sent = await post(server, admin, path, { url: receiver.url });
        expect(sent.status, path).toBe(303);
      }
      expect(await stored(server)).toHaveLength(1);
      // Sending a test changes nothing the workspace relies on: no sudo.
      expect((await admin.get(webhookTestPath(row!.id))).status).toBe(200);
    });

    it('50 concurrent console adds store at most the cap', async () => {
      const owner = await sessionOf(server, DEMO.owner);
      const responses = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          post(server, owner, WEBHOOK_ADD_PATH, { url: `${receiver.url}/${i}` }),
        ),
      );
      const ok = responses.filter((r) => r.status === 200).length;
      expect(ok).toBe(MAX_WEBHOOKS);
      expect(await stored(server)).toHaveLength(MAX_WEBHOOKS);
    });
  });
}
