/**
 * Malformed form bodies on every page that takes a POST: a truncated multipart body (which
 * made hono's parser throw: 500) and an urlencoded body whose fields are otherwise valid but
 * carry a broken escape (read as replacement characters: a value nobody sent). Each answers
 * 400 and changes nothing: no session, no sign-out, no redeemed link, no grant, no decision.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectV1, startTestServer, type TestServer } from '../support/mcp-server.js';
import {
  authorizeUrl,
  type CookieJar,
  connectionsOf,
  memberJar,
  pkcePair,
  registerClient,
} from '../support/oauth.js';
import { cookiesOf, csrfOfSession, getLoginForm, givePassword, signInOverHttp } from '../support/sign-in.js';

let server: TestServer;
let password: string;
/** Alan's one session for the file (sign-ins from one address are rate limited). */
let session: string;
beforeAll(async () => {
  server = await startTestServer();
  password = await givePassword(server);
  session = (await signInOverHttp(server, 'alan@example.com', password)).cookie!;
});
afterAll(async () => server?.close());

/** A multipart body cut off before its closing boundary. */
const TRUNCATED_MULTIPART = {
  type: 'multipart/form-data; boundary=----taskgate-test',
  body: '------taskgate-test\r\nContent-Disposition: form-data; name="csrf"\r\n\r\nabc',
};
/** `%E0%A4` starts a three-byte UTF-8 sequence and stops: no character, a broken escape. */
const BROKEN_ESCAPE = 'comment=%E0%A4';

function postRaw(path: string, type: string, body: string, cookie?: string): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': type, origin: server.url, ...(cookie && { cookie }) },
    body,
  });
}

const urlencoded = (fields: Record<string, string>) =>
  `${new URLSearchParams(fields).toString()}&${BROKEN_ESCAPE}`;

async function expectBadRequest(response: Response, name: string) {
  expect(response.status, name).toBe(400);
  expect(await response.text(), name).toContain('This form could not be read');
  expect(cookiesOf(response).has('taskgate_session'), name).toBe(false);
}

type Mcp = Awaited<ReturnType<typeof connectV1>>['client'];
const structured = async <T>(client: Mcp, name: string, args: Record<string, unknown>) =>
  ((await client.callTool({ name, arguments: args })) as { structuredContent?: unknown })
    .structuredContent as T;

const adminStatus = async (cookie: string) =>
  (await fetch(`${server.url}/admin`, { headers: { cookie }, redirect: 'manual' })).status;

describe('malformed form bodies answer 400 and change nothing', () => {
  it('refuses a malformed sign-in form and signs no one in', async () => {
    const form = await getLoginForm(server);
    await expectBadRequest(
      await postRaw('/login', TRUNCATED_MULTIPART.type, TRUNCATED_MULTIPART.body, form.cookie),
      'multipart',
    );
    const fields = { csrf: form.csrf, email: 'alan@example.com', password, workspace: 'demo' };
    await expectBadRequest(
      await postRaw('/login', 'application/x-www-form-urlencoded', urlencoded(fields), form.cookie),
      'urlencoded',
    );
    const notUtf8 = Buffer.concat([
      Buffer.from(new URLSearchParams(fields).toString()),
      Buffer.from('&x=\xff', 'latin1'),
    ]);
    const response = await fetch(`${server.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: server.url,
        cookie: form.cookie,
      },
      body: notUtf8,
    });
    await expectBadRequest(response, 'not UTF-8');
  });

  it('refuses a malformed login-link form and leaves the link unused', async () => {
    const link = await server.app.signIn.createLoginLink({ workspace: 'demo', email: 'alan@example.com' });
    const form = await getLoginForm(server);
    await expectBadRequest(
      await postRaw('/login/link', TRUNCATED_MULTIPART.type, TRUNCATED_MULTIPART.body, form.cookie),
      'multipart',
    );
    await expectBadRequest(
      await postRaw(
        '/login/link',
        'application/x-www-form-urlencoded',
        urlencoded({ csrf: form.csrf, token: link.token }),
        form.cookie,
      ),
      'urlencoded',
    );
    const redeemed = await postRaw(
      '/login/link',
      'application/x-www-form-urlencoded',
      new URLSearchParams({ csrf: form.csrf, token: link.token }).toString(),
      form.cookie,
    );
    expect(redeemed.status).toBe(303);
  });

  it('refuses a malformed sign-out form and keeps the session', async () => {
    const cookie = session;
    const csrf = await csrfOfSession(server, cookie);
    await expectBadRequest(
      await postRaw('/logout', TRUNCATED_MULTIPART.type, TRUNCATED_MULTIPART.body, cookie),
      'multipart',
    );
    await expectBadRequest(
      await postRaw('/logout', 'application/x-www-form-urlencoded', urlencoded({ csrf }), cookie),
      'urlencoded',
    );
    expect(await adminStatus(cookie)).toBe(200);
  });

  it('refuses a malformed consent decision and grants nothing', async () => {
    const redirectUri = 'http://127.0.0.1:7777/callback';
    const { body } = await registerClient(server, { redirect_uris: [redirectUri] });
    const jar: CookieJar = await memberJar(server, 'grace@example.com');
    const { challenge } = pkcePair();
    const url = authorizeUrl(server, {
      clientId: body.client_id as string,
      redirectUri,
      challenge,
      scope: 'tasks:read',
    });
    const get = async (target: string) =>
      jar.take(
        await fetch(new URL(target, server.url), { redirect: 'manual', headers: { cookie: jar.header() } }),
      );
    const consentPath = (await get(url)).headers.get('location')!;
    expect(consentPath).toMatch(/^\/oauth\/consent\//);
    const page = await (await get(consentPath)).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    const before = (await connectionsOf(server)).length;

    await expectBadRequest(
      await postRaw(consentPath, TRUNCATED_MULTIPART.type, TRUNCATED_MULTIPART.body, jar.header()),
      'multipart',
    );
    const allow = { csrf, decision: 'allow', projects: 'all', scope: 'tasks:read' };
    await expectBadRequest(
      await postRaw(consentPath, 'application/x-www-form-urlencoded', urlencoded(allow), jar.header()),
      'urlencoded',
    );
    expect((await connectionsOf(server)).length).toBe(before);
    // The request is still waiting for the member's real decision.
    const decided = await postRaw(
      consentPath,
      'application/x-www-form-urlencoded',
      new URLSearchParams(allow).toString(),
      jar.header(),
    );
    expect(decided.status).toBe(303);
  });

  it('refuses a malformed approval and leaves the action pending', async () => {
    await server.app.policy.set(null, 'demo', { delete: 'approve' });
    const key = await server.issueKey({
      name: 'cursor-malformed-forms',
      member: 'alan@example.com',
      scopes: ['tasks:read', 'tasks:write', 'tasks:delete'],
    });
    const { client } = await connectV1(server, key);
    try {
      const listed = await structured<{ tasks: { key: string }[] }>(client, 'list_tasks', { limit: 1 });
      const asked = await structured<{ status: string; approvalUrl: string; action: string }>(
        client,
        'delete_task',
        { task: listed.tasks[0]!.key, reason: 'cleanup' },
      );
      expect(asked.status).toBe('approval_required');
      const path = new URL(asked.approvalUrl).pathname;
      const cookie = session;
      const page = await (await fetch(`${server.url}${path}`, { headers: { cookie } })).text();
      const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
      const digest = /name="digest" value="([^"]+)"/.exec(page)![1]!;

      for (const decision of ['approve', 'decline']) {
        const target = `${path}/${decision}`;
        await expectBadRequest(
          await postRaw(target, TRUNCATED_MULTIPART.type, TRUNCATED_MULTIPART.body, cookie),
          `${decision} multipart`,
        );
        await expectBadRequest(
          await postRaw(target, 'application/x-www-form-urlencoded', urlencoded({ csrf, digest }), cookie),
          `${decision} urlencoded`,
        );
      }
      const status = await structured<{ status: string }>(client, 'get_action_status', {
        action_id: asked.action,
      });
      expect(status.status).toBe('pending');
    } finally {
      await client.close();
    }
  });
});
