/**
 * The console's "Send a test email" against a real SMTP server (npm `smtp-server`), on both
 * stores: an admin mails a member; an outsider's address is refused beside the field and
 * nothing is sent; a member gets the unknown page.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EMAIL_TEST_PATH, NOTIFICATIONS_PATH } from '../../src/admin-ui/index.js';
import { DEMO, sessionOf, unknownPage } from '../support/activity-console.js';
import { startTestServer, type TestServer } from '../support/mcp-server.js';
import { postForm } from '../support/sign-in.js';
import { storeKinds } from '../support/stores.js';
import { type SmtpSink, startSmtpSink } from './notify-support.js';

for (const kind of ['sqlite', 'postgres'] as const) {
  describe.skipIf(!storeKinds().includes(kind))(`notifications console test email [${kind}]`, () => {
    let server: TestServer;
    let sink: SmtpSink;
    beforeEach(async () => {
      sink = await startSmtpSink();
      server = await startTestServer({ kind, env: { TASKGATE_SMTP_URL: sink.url } });
    });
    afterEach(async () => {
      await server?.close();
      await sink?.close();
    });

    it('an admin emails a member a test; an outsider cannot be mailed through the button', async () => {
      const admin = await sessionOf(server, DEMO.admin);
      expect(await (await admin.get(NOTIFICATIONS_PATH)).text()).toContain(EMAIL_TEST_PATH);
      const send = (to: string) =>
        postForm(server, EMAIL_TEST_PATH, { csrf: admin.csrf, to }, { cookie: admin.cookie });
      const sent = await send(DEMO.member);
      expect(sent.status).toBe(200);
      expect(await sent.text()).toContain('<strong>delivered</strong>');
      expect(sink.mails.map((m) => m.to)).toEqual([[DEMO.member]]);
      const refused = await send('mallory@evil.test');
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain('id="to-error"');
      expect(sink.mails).toHaveLength(1);

      const member = await sessionOf(server, DEMO.member);
      const page = await member.get(EMAIL_TEST_PATH);
      expect(page.status).toBe(404);
      expect(await page.text()).toBe(await unknownPage(member));
      const posted = await postForm(
        server,
        EMAIL_TEST_PATH,
        { csrf: member.csrf, to: DEMO.member },
        { cookie: member.cookie },
      );
      expect(posted.status).toBe(404);
      expect(sink.mails).toHaveLength(1);
    });
  });
}
